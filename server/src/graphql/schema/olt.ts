/** OLTs and their PON ports. */
import type { Config } from '../../config.ts';
import { portHealth } from '../../domain/incidents.ts';
import { storablePayload } from '../../mirror/common.ts';
import { builder } from '../builder.ts';
import { NETWORK_READERS, readAs } from '../access.ts';
import type { Context } from '../context.ts';
import { idOf } from '../ids.ts';
import { withFreshness } from '../freshness.ts';

export interface StatusCounts {
  total: number;
  online: number;
  offline: number;
  los: number;
  powerFail: number;
  unknown: number;
  /** ONLINE ONUs whose signal is critical or overloaded. */
  badSignal: number;
}

export const StatusCountsRef = builder.objectRef<StatusCounts>('OnuStatusCounts').implement({
  description: 'How many ONUs are in each state.',
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'All ONUs.' }),
    online: t.exposeInt('online', { description: 'ONLINE.' }),
    offline: t.exposeInt('offline', { description: 'OFFLINE.' }),
    los: t.exposeInt('los', { description: 'LOS (no light: fibre problem).' }),
    powerFail: t.exposeInt('powerFail', { description: 'POWER_FAIL.' }),
    unknown: t.exposeInt('unknown', { description: 'UNKNOWN.' }),
    badSignal: t.exposeInt('badSignal', {
      description: 'ONLINE with a critical or overloaded signal (OPTICAL_CRITICAL_DBM, OPTICAL_OVERLOAD_DBM).',
    }),
  }),
});

export function emptyCounts(): StatusCounts {
  return { total: 0, online: 0, offline: 0, los: 0, powerFail: 0, unknown: 0, badSignal: 0 };
}

export function addCount(c: StatusCounts, status: string, n: number): void {
  c.total += n;
  if (status === 'ONLINE') c.online += n;
  else if (status === 'OFFLINE') c.offline += n;
  else if (status === 'LOS') c.los += n;
  else if (status === 'POWER_FAIL') c.powerFail += n;
  else c.unknown += n;
}

export interface PortCounts {
  byPort: Map<number, StatusCounts>;
  byOlt: Map<number, StatusCounts>;
  /** PON ports with an incident going on (SUSPECTED or OPEN), and whether it is planned. */
  incidents: Map<number, { planned: boolean }>;
}

/** ONU counts per PON port and per OLT in one GROUP BY, and the ports' incidents going on. */
export async function loadPortCounts(db: Pick<Context['db'], 'pool'>, thresholds: Config['thresholds']): Promise<PortCounts> {
  const [rows, incidents] = await Promise.all([
    db.pool.query<{ olt_id: number; pon_port_id: number | null; status: string; n: number; bad: number }>(
      `SELECT olt_id, pon_port_id, status::text, count(*)::int AS n,
              count(*) FILTER (WHERE status = 'ONLINE' AND (rx_power < $1 OR rx_power > $2))::int AS bad
       FROM onus WHERE gone_at IS NULL GROUP BY 1, 2, 3`,
      [thresholds.opticalCriticalDbm, thresholds.opticalOverloadDbm],
    ),
    db.pool.query<{ pon_port_id: number; planned: boolean }>(
      `SELECT pon_port_id, bool_and(planned) AS planned FROM incidents WHERE status IN ('SUSPECTED', 'OPEN') AND pon_port_id IS NOT NULL GROUP BY 1`,
    ),
  ]);
  const byPort = new Map<number, StatusCounts>();
  const byOlt = new Map<number, StatusCounts>();
  for (const r of rows.rows) {
    if (r.pon_port_id !== null) {
      if (!byPort.has(r.pon_port_id)) byPort.set(r.pon_port_id, emptyCounts());
      addCount(byPort.get(r.pon_port_id)!, r.status, r.n);
      byPort.get(r.pon_port_id)!.badSignal += r.bad;
    }
    if (!byOlt.has(r.olt_id)) byOlt.set(r.olt_id, emptyCounts());
    addCount(byOlt.get(r.olt_id)!, r.status, r.n);
    byOlt.get(r.olt_id)!.badSignal += r.bad;
  }
  return { byPort, byOlt, incidents: new Map(incidents.rows.map((r) => [r.pon_port_id, { planned: r.planned }])) };
}

export const PonPortHealthEnum = builder.enumType('PonPortHealth', {
  description: 'What a PON port needs from the NOC, most urgent first (the dashboard colours by it).',
  values: {
    INCIDENT: { description: 'An incident is going on (suspected or confirmed).' },
    PLANNED: { description: 'An incident inside a maintenance window.' },
    DOWN: { description: 'At least PORT_ALERT_DOWN_SHARE of its ONUs (two or more) in LOS or power fail, no incident.' },
    SIGNAL: { description: 'At least PORT_ALERT_SIGNAL_SHARE of its online ONUs (two or more) with critical or overloaded light.' },
    OK: { description: 'Nothing to act on (ONUs merely switched off do not count).' },
    EMPTY: { description: 'No ONUs.' },
  } as const,
});

type CountsCache = Context & { portCounts?: Promise<PortCounts> };

/** The counts for this request (loaded once per request; a subscription event sets its own). */
export function portCounts(ctx: Context): Promise<PortCounts> {
  const cache = ctx as CountsCache;
  cache.portCounts ??= loadPortCounts(ctx.db, ctx.config.thresholds);
  return cache.portCounts;
}

/** Use these counts for the rest of this execution (subscription events carry fresh ones). */
export function usePortCounts(ctx: Context, counts: PortCounts): void {
  (ctx as CountsCache).portCounts = Promise.resolve(counts);
}

export const OltRef = builder.prismaNode('Olt', {
  // Select mode: only the columns the query asks for are loaded (never the vendor payload unless asked).
  select: { id: true },
  id: { field: 'id' },
  description: 'An optical line terminal (as SmartOLT knows it).',
  authScopes: readAs(...NETWORK_READERS),
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: 'SmartOLT OLT id.' }),
    name: t.exposeString('name', { description: 'Name.' }),
    hardware: t.exposeString('hardware', { nullable: true, description: 'Hardware model.' }),
    ip: t.exposeString('ip', { nullable: true, description: 'Management IP.' }),
    goneAt: t.expose('goneAt', { type: 'DateTime', nullable: true, description: 'When it disappeared from SmartOLT.' }),
    vendorPayload: t.field({
      select: { raw: true },
      // Stored payloads are already stripped of credentials; rows stored before that was so are stripped here.
      resolve: (row) => storablePayload(row.raw) as never,
      type: 'JSON',
      description: 'The OLT as SmartOLT last sent it.',
    }),
    statusCounts: t.field({
      type: StatusCountsRef,
      description: 'ONUs of this OLT by state.',
      resolve: async (o, _a, ctx) => (await portCounts(ctx)).byOlt.get(o.id) ?? emptyCounts(),
    }),
    statusObservedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Last successful bulk status poll of this OLT.',
      resolve: (o, _a, ctx) => withFreshness(ctx, (f) => f.lastSuccess('SMARTOLT', 'ONU_STATUS', `olt:${o.id}`)),
    }),
    ponPorts: t.relation('ponPorts', {
      description: 'PON ports, by board and port.',
      query: () => ({ orderBy: [{ board: 'asc' }, { port: 'asc' }] }),
    }),
    onus: t.relatedConnection('onus', {
      cursor: 'id',
      totalCount: true,
      description: 'ONUs of this OLT, by serial.',
      query: () => ({ where: { goneAt: null }, orderBy: [{ serial: 'asc' }, { id: 'asc' }] }),
    }),
  }),
});

export const PonPortRef = builder.prismaNode('PonPort', {
  // Select mode: only the columns the query asks for are loaded (never the vendor payload unless asked).
  select: { id: true },
  id: { field: 'id' },
  description: 'A PON port (OLT, board, port): one fibre tree, the unit of outage detection.',
  authScopes: readAs(...NETWORK_READERS),
  fields: (t) => ({
    board: t.exposeInt('board', { description: 'Board (slot) number.' }),
    port: t.exposeInt('port', { description: 'Port number on the board.' }),
    label: t.string({
      description: 'Board/port as written on the OLT, e.g. `0/3`.',
      select: { board: true, port: true },
      resolve: (p) => `${p.board}/${p.port}`,
    }),
    olt: t.relation('olt', { description: 'The OLT.' }),
    statusCounts: t.field({
      type: StatusCountsRef,
      description: 'ONUs of this port by state.',
      resolve: async (p, _a, ctx) => (await portCounts(ctx)).byPort.get(p.id) ?? emptyCounts(),
    }),
    health: t.field({
      type: PonPortHealthEnum,
      description: 'What it needs from the NOC now.',
      resolve: async (p, _a, ctx) => {
        const counts = await portCounts(ctx);
        return portHealth(counts.byPort.get(p.id) ?? emptyCounts(), counts.incidents.get(p.id) ?? null, ctx.config.portHealth);
      },
    }),
    onus: t.relatedConnection('onus', {
      cursor: 'id',
      totalCount: true,
      description: 'ONUs on this port, by ONU index.',
      query: () => ({ where: { goneAt: null }, orderBy: [{ onuIndex: 'asc' }, { id: 'asc' }] }),
    }),
    openIncidents: t.relation('incidents', {
      description: 'Incidents going on at this port (SUSPECTED or OPEN; one at a time, rarely two causes).',
      query: () => ({ where: { status: { in: ['SUSPECTED', 'OPEN'] } }, orderBy: { openedAt: 'desc' } }),
    }),
  }),
});

builder.queryFields((t) => ({
  olts: t.prismaField({
    type: ['Olt'],
    description: 'All OLTs, by name.',
    authScopes: readAs(...NETWORK_READERS),
    resolve: (query, _root, _args, ctx) =>
      ctx.db.prisma.olt.findMany({ ...query, where: { goneAt: null }, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  }),
  olt: t.prismaField({
    type: 'Olt',
    nullable: true,
    description: 'One OLT by id.',
    authScopes: readAs(...NETWORK_READERS),
    args: { id: t.arg.id({ required: true, description: 'OLT id.' }) },
    resolve: (query, _root, args, ctx) => ctx.db.prisma.olt.findUnique({ ...query, where: { id: idOf(String(args.id), 'Olt', 'id') } }),
  }),
  ponPort: t.prismaField({
    type: 'PonPort',
    nullable: true,
    description: 'One PON port by id.',
    authScopes: readAs(...NETWORK_READERS),
    args: { id: t.arg.id({ required: true, description: 'PON port id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.ponPort.findUnique({ ...query, where: { id: idOf(String(args.id), 'PonPort', 'id') } }),
  }),
}));
