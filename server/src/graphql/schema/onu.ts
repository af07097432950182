/** ONUs: the fibre terminals in customers' homes, with live status and signal and their history. */
import type { Prisma } from '../../generated/prisma/client.ts';
import { signalLevel, type SignalLevel } from '../../domain/optical.ts';
import { storablePayload } from '../../mirror/common.ts';
import { likeEscape } from '../../db/sql.ts';
import { builder, type SelectFor } from '../builder.ts';
import { NETWORK_READERS, readAs, rowScopes } from '../access.ts';
import type { Context } from '../context.ts';
import { idOf, optionalIdOf } from '../ids.ts';
import { ageSeconds, withFreshness, latest } from '../freshness.ts';
import { OnuStatusEnum, SignalCategoryEnum, SignalLevelEnum, SortDirectionEnum, SourceEnum } from './enums.ts';

interface StatusReading {
  value: 'ONLINE' | 'OFFLINE' | 'LOS' | 'POWER_FAIL' | 'UNKNOWN';
  since: Date | null;
  observedAt: Date | null;
}

const OnuStatusReadingRef = builder.objectRef<StatusReading>('OnuStatusReading').implement({
  description: 'An ONU state with when it started and when it was last confirmed.',
  fields: (t) => ({
    value: t.field({ type: OnuStatusEnum, description: 'The state.', resolve: (r) => r.value }),
    since: t.expose('since', { type: 'DateTime', nullable: true, description: 'When the ONU entered this state (per SmartOLT).' }),
    observedAt: t.expose('observedAt', { type: 'DateTime', nullable: true, description: 'When SmartOLT last confirmed it.' }),
    ageSeconds: t.int({ nullable: true, description: 'Seconds since observedAt.', resolve: (r) => ageSeconds(r.observedAt) }),
    source: t.field({ type: SourceEnum, description: 'Always SMARTOLT.', resolve: () => 'SMARTOLT' as const }),
  }),
});

interface SignalReading {
  rxPower: number | null;
  oltRxPower: number | null;
  category: 'VERY_GOOD' | 'GOOD' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
  level: SignalLevel;
  observedAt: Date | null;
}

const OnuSignalReadingRef = builder.objectRef<SignalReading>('OnuSignalReading').implement({
  description: 'The last optical reading of an ONU. Offline ONUs cannot be measured: their last reading is kept, not cleared.',
  fields: (t) => ({
    rxPower: t.exposeFloat('rxPower', { nullable: true, description: 'Power the ONU receives (1490 nm), dBm.' }),
    oltRxPower: t.exposeFloat('oltRxPower', { nullable: true, description: 'Power the OLT receives from it (1310 nm), dBm.' }),
    category: t.field({ type: SignalCategoryEnum, description: "SmartOLT's category.", resolve: (r) => r.category }),
    level: t.field({ type: SignalLevelEnum, description: "Emerald's level against the configured thresholds.", resolve: (r) => r.level }),
    observedAt: t.expose('observedAt', { type: 'DateTime', nullable: true, description: 'When this reading was last confirmed.' }),
    ageSeconds: t.int({ nullable: true, description: 'Seconds since observedAt.', resolve: (r) => ageSeconds(r.observedAt) }),
    source: t.field({ type: SourceEnum, description: 'Always SMARTOLT.', resolve: () => 'SMARTOLT' as const }),
  }),
});

const onuRowScopes = rowScopes(NETWORK_READERS, (o: { id: number }, scope) => scope.onuIds.has(o.id));

export const OnuRef = builder.prismaNode('Onu', {
  // Select mode: only the columns the query asks for are loaded (never the vendor payload unless asked).
  select: { id: true },
  id: { field: 'id' },
  description: 'An optical network unit (fibre terminal) at a customer home, identified by its serial.',
  authScopes: onuRowScopes,
  fields: (t) => ({
    serial: t.exposeString('serial', { description: 'Serial number (SN), the key Emerald uses.' }),
    externalId: t.exposeString('externalId', {
      nullable: true,
      description: "SmartOLT's unique_external_id (not always unique in practice).",
    }),
    name: t.exposeString('name', { nullable: true, description: 'Name in SmartOLT; by convention the PPPoE username.' }),
    linked: t.boolean({
      description: 'Whether the name matches an ISPCube connection.',
      select: { connectionId: true },
      resolve: (o) => o.connectionId !== null,
    }),
    onuType: t.exposeString('onuType', { nullable: true, description: 'Model.' }),
    onuIndex: t.exposeInt('onuIndex', { nullable: true, description: 'Index on its PON port.' }),
    mode: t.exposeString('mode', { nullable: true, description: 'Routing or Bridging.' }),
    vlan: t.exposeString('vlan', { nullable: true, description: 'Service VLAN.' }),
    zone: t.exposeString('zone', { nullable: true, description: 'SmartOLT zone.' }),
    goneAt: t.expose('goneAt', { type: 'DateTime', nullable: true, description: 'When it disappeared from SmartOLT.' }),
    openIncident: t.prismaField({
      type: 'Incident',
      nullable: true,
      description: 'The outage (fibre or power cut on its PON port) that explains its state right now, if any.',
      resolve: (query, o, _a, ctx) =>
        ctx.db.prisma.incident.findFirst({
          ...query,
          where: { status: { in: ['SUSPECTED', 'OPEN'] }, affected: { some: { onuId: o.id, recoveredAt: null } } },
          orderBy: { openedAt: 'desc' },
        }),
    }),
    vendorPayload: t.field({
      select: { raw: true },
      // Stored payloads are already stripped of credentials; rows stored before that was so are stripped here.
      resolve: (row) => storablePayload(row.raw) as never,
      type: 'JSON',
      description: 'Inventory payload from SmartOLT (status and signal fields removed: see status/signal).',
    }),
    status: t.field({
      type: OnuStatusReadingRef,
      description: 'Current state, since when, and how fresh.',
      select: { status: true, statusChangedAt: true, statusObservedAt: true, oltId: true },
      extensions: {
        selectFor: {
          value: ['status'],
          since: ['statusChangedAt'],
          observedAt: ['statusObservedAt', 'oltId'],
          ageSeconds: ['statusObservedAt', 'oltId'],
          source: [],
        },
      } satisfies SelectFor<StatusReading & { ageSeconds: unknown; source: unknown }>,
      resolve: (o, _a, ctx) =>
        withFreshness(ctx, (f) => ({
          value: o.status,
          since: o.statusChangedAt,
          observedAt: latest(o.statusObservedAt, f.lastSuccess('SMARTOLT', 'ONU_STATUS', `olt:${o.oltId}`)),
        })),
    }),
    signal: t.field({
      type: OnuSignalReadingRef,
      description: 'Last optical reading.',
      select: { rxPower: true, oltRxPower: true, signalCategory: true, signalObservedAt: true, oltId: true },
      extensions: {
        selectFor: {
          rxPower: ['rxPower'],
          oltRxPower: ['oltRxPower'],
          category: ['signalCategory'],
          level: ['rxPower'],
          observedAt: ['rxPower', 'signalObservedAt', 'oltId'],
          ageSeconds: ['rxPower', 'signalObservedAt', 'oltId'],
          source: [],
        },
      } satisfies SelectFor<SignalReading & { ageSeconds: unknown; source: unknown }>,
      resolve: (o, _a, ctx) =>
        withFreshness(ctx, (f) => ({
          rxPower: o.rxPower,
          oltRxPower: o.oltRxPower,
          category: o.signalCategory,
          level: signalLevel(o.rxPower, ctx.config.thresholds),
          observedAt: o.rxPower === null ? null : latest(o.signalObservedAt, f.lastSuccess('SMARTOLT', 'ONU_SIGNAL', `olt:${o.oltId}`)),
        })),
    }),
    olt: t.relation('olt', { description: 'The OLT.' }),
    ponPort: t.relation('ponPort', { nullable: true, description: 'The PON port.' }),
    connection: t.relation('connection', { nullable: true, description: 'The ISPCube connection it serves, if linked.' }),
    statusHistory: t.relatedConnection('statusEvents', {
      cursor: 'id',
      description: 'State changes, newest first.',
      query: () => ({ orderBy: [{ changedAt: 'desc' }, { id: 'desc' }] }),
    }),
    signalHistory: t.relation('signalSamples', {
      description: 'Optical readings (a new one whenever the power moved by ≥ 0.3 dB or the category changed), oldest first.',
      args: {
        since: t.arg({ type: 'DateTime', required: false, description: 'Only readings after this instant (default: 30 days ago).' }),
      },
      query: (args) => ({
        where: { observedAt: { gte: args.since ?? new Date(Date.now() - 30 * 86_400_000) } },
        orderBy: { observedAt: 'asc' },
        take: 2000,
      }),
    }),
  }),
});

builder.prismaObject('OnuStatusEvent', {
  description: 'One state change of an ONU.',
  fields: (t) => ({
    status: t.field({ type: OnuStatusEnum, description: 'New state.', resolve: (e) => e.status }),
    previousStatus: t.field({ type: OnuStatusEnum, nullable: true, description: 'State before.', resolve: (e) => e.previousStatus }),
    changedAt: t.expose('changedAt', { type: 'DateTime', description: 'When it changed (per SmartOLT).' }),
    observedAt: t.expose('observedAt', { type: 'DateTime', description: 'When Emerald saw the change.' }),
    source: t.field({ type: SourceEnum, description: 'Where the change was seen.', resolve: (e) => e.source }),
    incident: t.relation('incident', { nullable: true, description: 'The incident that explains this change, if any.' }),
  }),
});

builder.prismaObject('OnuSignalSample', {
  description: 'One optical reading of an ONU.',
  fields: (t) => ({
    rxPower: t.exposeFloat('rxPower', { nullable: true, description: 'ONU receive power, dBm.' }),
    oltRxPower: t.exposeFloat('oltRxPower', { nullable: true, description: 'OLT receive power, dBm.' }),
    category: t.field({ type: SignalCategoryEnum, description: "SmartOLT's category.", resolve: (s) => s.category }),
    observedAt: t.expose('observedAt', { type: 'DateTime', description: 'When it was read.' }),
  }),
});

const OnuOrderField = builder.enumType('OnuOrderField', {
  description: 'What to sort ONUs by.',
  values: {
    SERIAL: { description: 'Serial number.' },
    NAME: { description: 'Name (PPPoE username).' },
    STATUS_SINCE: { description: 'When the current state began.' },
    RX_POWER: { description: 'ONU receive power.' },
    PON_POSITION: { description: 'OLT, board, port and ONU index.' },
  } as const,
});

const OnuOrder = builder.inputType('OnuOrder', {
  description: 'Sort order of an ONU list.',
  fields: (t) => ({
    field: t.field({ type: OnuOrderField, required: true, description: 'Sort key.' }),
    direction: t.field({ type: SortDirectionEnum, required: false, defaultValue: 'ASC', description: 'Direction.' }),
  }),
});

export const OnuFilter = builder.inputType('OnuFilter', {
  description: 'Which ONUs to list. All conditions must hold.',
  fields: (t) => ({
    oltId: t.id({ required: false, description: 'Only this OLT.' }),
    ponPortId: t.id({ required: false, description: 'Only this PON port.' }),
    status: t.field({ type: [OnuStatusEnum], required: false, description: 'Only these states.' }),
    signalCategory: t.field({ type: [SignalCategoryEnum], required: false, description: 'Only these SmartOLT signal categories.' }),
    signalLevel: t.field({ type: [SignalLevelEnum], required: false, description: "Only these levels (Emerald's thresholds)." }),
    linked: t.boolean({ required: false, description: 'Only ONUs with (true) or without (false) a connection.' }),
    serialPrefix: t.string({ required: false, description: 'Serial starts with this (case-insensitive).' }),
  }),
});

type OnuFilterShape = {
  oltId?: string | number | null;
  ponPortId?: string | number | null;
  status?: StatusReading['value'][] | null;
  signalCategory?: SignalReading['category'][] | null;
  signalLevel?: SignalLevel[] | null;
  linked?: boolean | null;
  serialPrefix?: string | null;
};

export function onuWhere(filter: OnuFilterShape | null | undefined, ctx: Context): Prisma.OnuWhereInput {
  const f = filter ?? {};
  const t = ctx.config.thresholds;
  const levelWhere: Record<SignalLevel, Prisma.OnuWhereInput> = {
    OVERLOAD: { rxPower: { gt: t.opticalOverloadDbm } },
    GOOD: { rxPower: { gte: t.opticalWarningDbm, lte: t.opticalOverloadDbm } },
    WARNING: { rxPower: { gte: t.opticalCriticalDbm, lt: t.opticalWarningDbm } },
    CRITICAL: { rxPower: { lt: t.opticalCriticalDbm } },
    UNKNOWN: { rxPower: null },
  };
  return {
    goneAt: null,
    ...(f.oltId ? { oltId: optionalIdOf(String(f.oltId), 'Olt', 'filter.oltId')! } : {}),
    ...(f.ponPortId ? { ponPortId: optionalIdOf(String(f.ponPortId), 'PonPort', 'filter.ponPortId')! } : {}),
    ...(f.status?.length ? { status: { in: f.status } } : {}),
    ...(f.signalCategory?.length ? { signalCategory: { in: f.signalCategory } } : {}),
    ...(f.signalLevel?.length ? { OR: f.signalLevel.map((l) => levelWhere[l]) } : {}),
    ...(f.linked === true ? { connectionId: { not: null } } : f.linked === false ? { connectionId: null } : {}),
    ...(f.serialPrefix ? { serial: { startsWith: likeEscape(f.serialPrefix.toUpperCase()) } } : {}),
  };
}

function onuOrderBy(order: { field: string; direction?: string | null } | null | undefined): Prisma.OnuOrderByWithRelationInput[] {
  const dir = order?.direction === 'DESC' ? 'desc' : 'asc';
  switch (order?.field) {
    case 'NAME':
      return [{ name: { sort: dir, nulls: 'last' } }, { id: 'asc' }];
    case 'STATUS_SINCE':
      return [{ statusChangedAt: { sort: dir, nulls: 'last' } }, { id: 'asc' }];
    case 'RX_POWER':
      return [{ rxPower: { sort: dir, nulls: 'last' } }, { id: 'asc' }];
    case 'PON_POSITION':
      return [{ oltId: dir }, { ponPortId: dir }, { onuIndex: dir }, { id: 'asc' }];
    default:
      return [{ serial: dir }, { id: 'asc' }];
  }
}

builder.queryFields((t) => ({
  onus: t.prismaConnection({
    type: 'Onu',
    cursor: 'id',
    totalCount: (_c, args, ctx) => ctx.db.prisma.onu.count({ where: onuWhere(args.filter, ctx) }),
    description: 'ONUs, filtered and sorted.',
    authScopes: readAs(...NETWORK_READERS),
    args: {
      filter: t.arg({ type: OnuFilter, required: false, description: 'Conditions.' }),
      orderBy: t.arg({ type: OnuOrder, required: false, description: 'Sort (default: serial).' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.onu.findMany({ ...query, where: onuWhere(args.filter, ctx), orderBy: onuOrderBy(args.orderBy) }),
  }),
  onu: t.prismaField({
    type: 'Onu',
    nullable: true,
    description: 'One ONU by id.',
    args: { id: t.arg.id({ required: true, description: 'ONU id.' }) },
    authScopes: { authenticated: true },
    resolve: (query, _root, args, ctx) => ctx.db.prisma.onu.findUnique({ ...query, where: { id: idOf(String(args.id), 'Onu', 'id') } }),
  }),
  onuBySerial: t.prismaField({
    type: 'Onu',
    nullable: true,
    description: 'One ONU by serial number (case-insensitive).',
    args: { serial: t.arg.string({ required: true, description: 'Serial number.' }) },
    authScopes: readAs(...NETWORK_READERS),
    resolve: (query, _root, args, ctx) => ctx.db.prisma.onu.findUnique({ ...query, where: { serial: args.serial.trim().toUpperCase() } }),
  }),
}));
