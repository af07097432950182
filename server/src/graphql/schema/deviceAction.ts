/**
 * Device actions: one mutation per action (support, NOC, admins; technicians only on the
 * connections of their work orders), the record of each on the connection, and the menu
 * of what can be done to a connection right now.
 */
import {
  availability,
  DeviceActionError,
  runDeviceAction,
  type DeviceActionErrorCode,
  type DeviceActionRequest,
} from '../../actions/deviceActions.ts';
import { DEVICE_ACTION_KINDS, describeDeviceAction, type DeviceActionKind, type DeviceFacts } from '../../domain/deviceActions.ts';
import { builder } from '../builder.ts';
import { CUSTOMER_READERS, rowScopes, technicianScope, writeAs } from '../access.ts';
import { NotFoundError, ValidationError } from '../userErrors.ts';
import { idOf } from '../ids.ts';
import type { Context } from '../context.ts';
import { ErrorInterface, mutationResult } from './errorTypes.ts';

export const DeviceActionKindEnum = builder.enumType('DeviceActionKind', {
  description: 'What Emerald can do to a subscriber’s devices.',
  values: {
    DISCONNECT_SESSION: {
      description: 'RouterOS: remove the live PPPoE session (`/ppp/active/remove`); the customer’s router dials again.',
    },
    DISABLE_SECRET: { description: 'RouterOS: disable the PPP secret (reason in its comment) and remove its session.' },
    ENABLE_SECRET: { description: 'RouterOS: enable the PPP secret (reason in its comment).' },
    SET_SECRET_PROFILE: {
      description: 'RouterOS: change the secret’s profile (e.g. back from “moroso”) and remove its session so it applies.',
    },
    REBOOT_ONU: { description: 'SmartOLT: reboot the ONU (`onu/reboot`).' },
    RESYNC_ONU: { description: 'SmartOLT: push the stored configuration to the ONU again (`onu/resync_config`).' },
    DISABLE_ONU: { description: 'SmartOLT: disable the ONU (`onu/disable`).' },
    ENABLE_ONU: { description: 'SmartOLT: enable the ONU (`onu/enable`).' },
  } as const,
});

const DeviceActionStatusEnum = builder.enumType('DeviceActionStatus', {
  description: 'Where an action stands.',
  values: {
    RUNNING: { description: 'Sent to the device.' },
    SUCCEEDED: { description: 'The device accepted it.' },
    FAILED: { description: 'The device or vendor refused or did not answer (see errorCode).' },
  } as const,
});

const DeviceActionOutcomeEnum = builder.enumType('DeviceActionOutcome', {
  description: 'Whether an action helped, judged by a diagnosis once the device settled (DEVICE_ACTION_CHECK_SECONDS).',
  values: {
    HELPED: { description: 'A problem became OK (for a disable: the service is off, as intended).' },
    NOT_HELPED: { description: 'A problem remains (or appeared).' },
    UNCHANGED: { description: 'It was OK and stays OK.' },
    UNKNOWN: { description: 'The diagnosis afterwards could not tell.' },
  } as const,
});

const DeviceActionErrorCodeEnum = builder.enumType('DeviceActionErrorCode', {
  description: 'Why an action was not carried out.',
  values: {
    WRITES_DISABLED: { description: 'Router writes are off (ROUTEROS_WRITE=off).' },
    NO_DEVICE: { description: 'No such device for this connection (no secret, no live session, no ONU).' },
    AMBIGUOUS_DEVICE: { description: 'SmartOLT has the ONU’s external id on several ONUs: refused, it could hit the wrong one.' },
    COOLDOWN: { description: 'Someone acted on this device moments ago (DEVICE_ACTION_COOLDOWN_SECONDS): see retryAfterSeconds.' },
    NOT_CONFIGURED: { description: 'The vendor is not configured.' },
    BUDGET_LOW: { description: 'Too few SmartOLT calls left this hour.' },
    RATE_LIMITED: { description: 'The vendor is rate limiting.' },
    UNREACHABLE: { description: 'The router or SmartOLT could not be reached.' },
    TIMEOUT: { description: 'It did not answer in time.' },
    NOT_ALLOWED: { description: 'Emerald will not send credentials there (ROUTEROS_ALLOWED_NETWORKS, certificate).' },
    AUTH_FAILED: { description: 'It refused Emerald’s credentials.' },
    REFUSED: { description: 'The device or vendor refused (its message says why).' },
  } as const,
});

interface DeviceActionShape {
  id: number;
  kind: DeviceActionKind;
  connectionId: number | null;
}

const describeKind = (kind: DeviceActionKind, facts: DeviceFacts) => describeDeviceAction(kind, facts);

export const DeviceActionRef = builder.prismaObject('DeviceAction', {
  description: 'One action on a router or an ONU: who, why, what the vendor said, and whether it helped.',
  authScopes: rowScopes(
    CUSTOMER_READERS,
    (a: DeviceActionShape, scope) => a.connectionId !== null && scope.connectionIds.has(a.connectionId),
  ),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Action id.' }),
    kind: t.field({ type: DeviceActionKindEnum, description: 'What was done.', resolve: (a) => a.kind }),
    status: t.field({ type: DeviceActionStatusEnum, description: 'Where it stands.', resolve: (a) => a.status }),
    label: t.string({
      description: 'The action in a few words (Spanish; `labelEn` in English).',
      resolve: (a) => describeKind(a.kind, { username: null, routerName: null, serial: null }).labelEs,
    }),
    labelEn: t.string({
      description: 'The action in a few words, in English.',
      resolve: (a) => describeKind(a.kind, { username: null, routerName: null, serial: null }).labelEn,
    }),
    reason: t.exposeString('reason', { description: 'Why, as the person wrote it.' }),
    actorLabel: t.exposeString('actorLabel', { description: 'Who.' }),
    device: t.exposeString('deviceKey', { description: 'The device: `router:<id>:<pppoe user>` or `onu:<serial>`.' }),
    message: t.exposeString('message', { nullable: true, description: 'What the vendor said, or why it failed.' }),
    errorCode: t.field({
      type: DeviceActionErrorCodeEnum,
      nullable: true,
      description: 'Why it failed.',
      resolve: (a) => a.errorCode as DeviceActionErrorCode | null,
    }),
    detail: t.expose('detail', {
      type: 'JSON',
      nullable: true,
      description: 'Before and after (profile, disabled, comment, session removed).',
    }),
    verdictBefore: t.exposeString('verdictBefore', { nullable: true, description: 'The diagnosis verdict just before.' }),
    verdictAfter: t.exposeString('verdictAfter', { nullable: true, description: 'The verdict once the device settled.' }),
    summaryAfterEs: t.string({
      nullable: true,
      description: 'The diagnosis afterwards, in Spanish.',
      resolve: (a) => (a.summaryAfter ? (JSON.parse(a.summaryAfter) as { es: string }).es : null),
    }),
    summaryAfterEn: t.string({
      nullable: true,
      description: 'The diagnosis afterwards, in English.',
      resolve: (a) => (a.summaryAfter ? (JSON.parse(a.summaryAfter) as { en: string }).en : null),
    }),
    outcome: t.field({
      type: DeviceActionOutcomeEnum,
      nullable: true,
      description: 'Whether it helped (null until checked).',
      resolve: (a) => a.outcome,
    }),
    requestedAt: t.expose('requestedAt', { type: 'DateTime', description: 'When it was asked for.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When the vendor answered.' }),
    checkedAt: t.expose('checkedAt', { type: 'DateTime', nullable: true, description: 'When the follow-up diagnosis ran.' }),
    connection: t.relation('connection', { nullable: true, description: 'The connection acted on.' }),
  }),
});

builder.objectType(DeviceActionError, {
  name: 'DeviceActionError',
  description: 'The action was not carried out: the device is as it was. A vendor failure is still recorded (see `attempt`).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    reason: t.field({ type: DeviceActionErrorCodeEnum, description: 'Why, as an enum (same as `code`).', resolve: (e) => e.code }),
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', { nullable: true, description: 'When it may be tried again.' }),
    attempt: t.prismaField({
      type: 'DeviceAction',
      nullable: true,
      description: 'The failed attempt, when one was recorded.',
      resolve: (query, e, _a, ctx) =>
        e.actionId === null ? null : ctx.db.prisma.deviceAction.findUnique({ ...query, where: { id: e.actionId } }),
    }),
  }),
});

export interface DeviceActionOptionShape {
  kind: DeviceActionKind;
  available: boolean;
  why: DeviceActionErrorCode | null;
  facts: DeviceFacts;
}

export const DeviceActionOptionRef = builder.objectRef<DeviceActionOptionShape>('DeviceActionOption').implement({
  description: 'An action that can (or cannot, and why) be run on a connection now, with what it will do.',
  fields: (t) => ({
    kind: t.field({ type: DeviceActionKindEnum, description: 'The action.', resolve: (o) => o.kind }),
    available: t.exposeBoolean('available', { description: 'Whether it can be run now.' }),
    unavailableReason: t.field({
      type: DeviceActionErrorCodeEnum,
      nullable: true,
      description: 'Why not.',
      resolve: (o) => o.why,
    }),
    targetProfile: t.string({
      nullable: true,
      description: 'SET_SECRET_PROFILE: the profile suggested (the one most secrets of the same plan use).',
      resolve: (o) => (o.kind === 'SET_SECRET_PROFILE' ? (o.facts.targetProfile ?? null) : null),
    }),
    labelEs: t.string({ description: 'The action, in Spanish.', resolve: (o) => describeKind(o.kind, o.facts).labelEs }),
    labelEn: t.string({ description: 'The action, in English.', resolve: (o) => describeKind(o.kind, o.facts).labelEn }),
    confirmEs: t.string({
      description: 'Exactly what will happen, in Spanish (for the confirmation).',
      resolve: (o) => describeKind(o.kind, o.facts).confirmEs,
    }),
    confirmEn: t.string({
      description: 'Exactly what will happen, in English.',
      resolve: (o) => describeKind(o.kind, o.facts).confirmEn,
    }),
  }),
});

/** The menu of actions for a connection, with names filled in from the mirror. */
export async function deviceActionOptions(ctx: Context, connectionId: number, only?: DeviceActionKind): Promise<DeviceActionOptionShape[]> {
  const [options, facts] = await Promise.all([
    availability(ctx, connectionId),
    ctx.db.pool
      .query<{
        username: string | null;
        router_name: string | null;
        serial: string | null;
        profile: string | null;
        target: string | null;
        address: string | null;
      }>(
        `SELECT sec.name AS username, r.name AS router_name, o.serial, sec.profile, ses.address,
                (SELECT s2.profile FROM connections c2 JOIN ppp_secrets s2 ON s2.connection_id = c2.id AND s2.gone_at IS NULL
                  WHERE c2.plan_id = c.plan_id AND c2.id <> c.id AND s2.profile IS NOT NULL AND lower(s2.profile) <> 'moroso'
                  GROUP BY s2.profile ORDER BY count(*) DESC, s2.profile LIMIT 1) AS target
         FROM connections c
         LEFT JOIN LATERAL (SELECT * FROM ppp_secrets WHERE connection_id = c.id AND gone_at IS NULL
                            ORDER BY (router_id = c.router_id) DESC NULLS LAST, id LIMIT 1) sec ON true
         LEFT JOIN routers r ON r.id = sec.router_id
         LEFT JOIN LATERAL (SELECT serial FROM onus WHERE connection_id = c.id AND gone_at IS NULL ORDER BY id LIMIT 1) o ON true
         LEFT JOIN LATERAL (SELECT address FROM ppp_sessions WHERE connection_id = c.id ORDER BY started_at DESC LIMIT 1) ses ON true
         WHERE c.id = $1`,
        [connectionId],
      )
      .then((r) => r.rows[0]),
  ]);
  const f: DeviceFacts = {
    username: facts?.username ?? null,
    routerName: facts?.router_name ?? null,
    serial: facts?.serial ?? null,
    profile: facts?.profile ?? null,
    targetProfile: facts?.target ?? null,
    sessionAddress: facts?.address ?? null,
  };
  return options.filter((o) => !only || o.kind === only).map((o) => ({ ...o, facts: f }));
}

builder.prismaObjectFields('Connection', (t) => ({
  deviceActions: t.relation('deviceActions', {
    description: 'Actions on this connection’s devices, newest first.',
    args: { first: t.arg.int({ required: false, description: 'How many (default 20, at most 100).' }) },
    query: (args) => ({ orderBy: [{ requestedAt: 'desc' }, { id: 'desc' }], take: Math.min(Math.max(args.first ?? 20, 1), 100) }),
  }),
  deviceActionOptions: t.field({
    type: [DeviceActionOptionRef],
    description: 'What can be done to this connection’s devices now, each with what it will do, or why it cannot.',
    resolve: (c, _a, ctx) => deviceActionOptions(ctx, c.id),
  }),
}));

const DeviceActionInput = builder.inputType('DeviceActionInput', {
  description: 'Which connection, and why (recorded in the audit log and, for router accounts, in the secret’s comment).',
  fields: (t) => ({
    connectionId: t.id({ required: true, description: 'The connection whose device to act on.' }),
    reason: t.string({ required: true, description: 'Why (3–200 characters).' }),
  }),
});

const SetSecretProfileInput = builder.inputType('SetSecretProfileInput', {
  description: 'Change a PPP secret’s profile.',
  fields: (t) => ({
    connectionId: t.id({ required: true, description: 'The connection.' }),
    reason: t.string({ required: true, description: 'Why (3–200 characters).' }),
    profile: t.string({ required: true, description: 'The profile to set (must exist on the router).' }),
  }),
});

/** Parse the common input and check the caller may act on this connection. */
async function requestOf(
  ctx: Context,
  kind: DeviceActionKind,
  input: { connectionId: string | number; reason: string; profile?: string | null },
): Promise<DeviceActionRequest> {
  const connectionId = idOf(String(input.connectionId), 'Connection', 'input.connectionId');
  const reason = input.reason.trim();
  if (reason.length < 3) throw ValidationError.single('input.reason', 'TOO_SHORT', 'Say why, in at least 3 characters');
  if (reason.length > 200) throw ValidationError.single('input.reason', 'TOO_LONG', 'The reason must have at most 200 characters');
  let profile: string | null = null;
  if (kind === 'SET_SECRET_PROFILE') {
    profile = (input.profile ?? '').trim();
    if (!/^[\w.@+-]{1,64}$/.test(profile))
      throw ValidationError.single('input.profile', 'INVALID_FORMAT', 'A RouterOS profile name (letters, digits, . _ - @ +)');
  }
  if (ctx.actor?.role === 'TECHNICIAN' && !(await technicianScope(ctx)).connectionIds.has(connectionId))
    throw new NotFoundError('input.connectionId', 'No connection with that id among your work orders');
  const exists = await ctx.db.pool.query('SELECT 1 FROM connections WHERE id = $1', [connectionId]);
  if (!exists.rowCount) throw new NotFoundError('input.connectionId', 'No connection with that id');
  return { connectionId, kind, reason, profile };
}

const MUTATION_OF: Record<DeviceActionKind, { name: string; type: 'DeviceActionInput' | 'SetSecretProfileInput'; what: string }> = {
  DISCONNECT_SESSION: {
    name: 'disconnectSession',
    type: 'DeviceActionInput',
    what: 'Disconnect the connection’s live PPPoE session on its router.',
  },
  DISABLE_SECRET: {
    name: 'disableSecret',
    type: 'DeviceActionInput',
    what: 'Disable the connection’s PPP secret (and remove its session).',
  },
  ENABLE_SECRET: { name: 'enableSecret', type: 'DeviceActionInput', what: 'Enable the connection’s PPP secret.' },
  SET_SECRET_PROFILE: {
    name: 'setSecretProfile',
    type: 'SetSecretProfileInput',
    what: 'Change the PPP secret’s profile (and remove its session so it applies).',
  },
  REBOOT_ONU: { name: 'rebootOnu', type: 'DeviceActionInput', what: 'Reboot the connection’s ONU through SmartOLT.' },
  RESYNC_ONU: { name: 'resyncOnu', type: 'DeviceActionInput', what: 'Resync the ONU’s configuration through SmartOLT.' },
  DISABLE_ONU: { name: 'disableOnu', type: 'DeviceActionInput', what: 'Disable the ONU through SmartOLT.' },
  ENABLE_ONU: { name: 'enableOnu', type: 'DeviceActionInput', what: 'Enable the ONU through SmartOLT.' },
};

for (const kind of DEVICE_ACTION_KINDS) {
  const spec = MUTATION_OF[kind];
  const Name = spec.name[0]!.toUpperCase() + spec.name.slice(1);
  builder.mutationField(spec.name, (t) =>
    t.field({
      type: DeviceActionRef,
      description: `${spec.what} Support, NOC and admins; technicians only on the connections of their work orders. One action per device per DEVICE_ACTION_COOLDOWN_SECONDS; audited; a diagnosis afterwards records whether it helped.`,
      authScopes: writeAs('ADMIN', 'NOC', 'SUPPORT', 'TECHNICIAN'),
      errors: mutationResult(Name, 'action', [ValidationError, NotFoundError, DeviceActionError]),
      args: {
        input: t.arg({
          type: spec.type === 'SetSecretProfileInput' ? SetSecretProfileInput : DeviceActionInput,
          required: true,
          description: 'The connection and why.',
        }),
      },
      resolve: async (_root, { input }, ctx) => {
        const req = await requestOf(ctx, kind, input as { connectionId: string; reason: string; profile?: string });
        const row = await runDeviceAction(ctx, { actor: ctx.actor, ip: ctx.ip, requestId: ctx.requestId }, req);
        return ctx.db.prisma.deviceAction.findUniqueOrThrow({ where: { id: row.id } });
      },
    }),
  );
}
