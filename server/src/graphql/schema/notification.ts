/**
 * Alerting set-up: maintenance windows (NOC and admins), notification rules and webhooks
 * (admins), each user's own contacts (e-mail, Telegram chat), and the delivery log
 * (admins). Webhook secrets are write-only: GraphQL never returns them.
 */
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.ts';
import { NETWORK_READERS, readAs, writeAs } from '../access.ts';
import { audit } from '../audit.ts';
import { builder } from '../builder.ts';
import { idOf, optionalIdOf } from '../ids.ts';
import { NotFoundError, ValidationError, parseInput } from '../userErrors.ts';
import { RoleEnum } from './enums.ts';
import { IncidentKindEnum } from './incident.ts';
import { mutationResult } from './errorTypes.ts';

const NotificationEventEnum = builder.enumType('NotificationEvent', {
  description: 'Incident events people can be told about.',
  values: {
    OPENED: { description: 'An incident opened (or a suspected one was detected).' },
    CLASSIFIED: { description: 'Its cause was confirmed.' },
    GREW: { description: 'It grew significantly (INCIDENT_GROWTH_FACTOR).' },
    CLEARED: { description: 'It cleared, was resolved, or was withdrawn.' },
    ESCALATED: { description: 'Nobody acknowledged it in time (sent to the escalation recipients).' },
  } as const,
});

const NotificationChannelEnum = builder.enumType('NotificationChannel', {
  description: 'How a message is sent.',
  values: {
    EMAIL: { description: 'E-mail over SMTP (SMTP_URL).' },
    TELEGRAM: { description: 'A Telegram chat, through the bot (TELEGRAM_BOT_TOKEN).' },
    WEBHOOK: { description: 'An HTTP endpoint, signed JSON.' },
  } as const,
});

const DeliveryStatusEnum = builder.enumType('DeliveryStatus', {
  description: 'Where a delivery stands.',
  values: {
    QUEUED: { description: 'Waiting to be sent, or retrying after a passing failure (see lastError).' },
    SENT: { description: 'Sent.' },
    FAILED: { description: 'Given up: a permanent failure or attempts exhausted (see lastError).' },
    SUPPRESSED: { description: 'Not sent: the incident is inside a maintenance window.' },
  } as const,
});

const IncidentKindList = ['FIBRE_CUT', 'POWER_OUTAGE', 'ROUTER_OUTAGE'] as const;

builder.prismaNode('MaintenanceWindow', {
  id: { field: 'id' },
  description: 'Planned work on an OLT, a PON port or a router: incidents there are marked planned and alert nobody.',
  authScopes: readAs(...NETWORK_READERS),
  fields: (t) => ({
    title: t.exposeString('title', { description: 'What is being done.' }),
    startsAt: t.expose('startsAt', { type: 'DateTime', description: 'Start.' }),
    endsAt: t.expose('endsAt', { type: 'DateTime', description: 'End.' }),
    olt: t.relation('olt', { nullable: true, description: 'The OLT (all its ports), if scoped to one.' }),
    ponPort: t.relation('ponPort', { nullable: true, description: 'The PON port, if scoped to one.' }),
    router: t.relation('router', { nullable: true, description: 'The router, if scoped to one.' }),
    note: t.exposeString('note', { description: 'Notes.' }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true, description: 'When it was cancelled.' }),
    createdBy: t.relation('createdBy', { nullable: true, description: 'Who planned it.' }),
  }),
});

builder.prismaNode('NotificationRule', {
  id: { field: 'id' },
  description: 'Who is told about which incident events, through which channels, when.',
  authScopes: readAs('ADMIN'),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Name.' }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether it applies.' }),
    kinds: t.field({ type: [IncidentKindEnum], description: 'Incident kinds (empty: all).', resolve: (r) => r.kinds }),
    events: t.field({ type: [NotificationEventEnum], description: 'Events told (empty: all).', resolve: (r) => r.events }),
    minAffected: t.exposeInt('minAffected', { description: 'Only incidents with at least this many affected units.' }),
    oltIds: t.idList({
      description: 'Only incidents on these OLTs (with routerIds and zones: any of them; all empty: anywhere).',
      resolve: (r) => r.oltIds.map(String),
    }),
    routerIds: t.idList({ description: 'Only incidents of these routers.', resolve: (r) => r.routerIds.map(String) }),
    zones: t.exposeStringList('zones', { description: 'Only incidents touching these SmartOLT zones.' }),
    days: t.exposeIntList('days', { description: 'Days of the week it applies (0 = Sunday; empty: every day).' }),
    fromMinute: t.exposeInt('fromMinute', { description: 'Applies from this minute of the day (local time, NOTIFY_TIMEZONE).' }),
    toMinute: t.exposeInt('toMinute', { description: 'Until this minute (smaller than fromMinute: overnight).' }),
    userIds: t.idList({ description: 'People told.', resolve: (r) => r.userIds.map(String) }),
    roles: t.field({ type: [RoleEnum], description: 'Roles told (every active user with them).', resolve: (r) => r.roles }),
    teamIds: t.idList({ description: 'Teams told.', resolve: (r) => r.teamIds.map(String) }),
    channels: t.field({ type: [NotificationChannelEnum], description: 'Channels used.', resolve: (r) => r.channels }),
    webhookIds: t.idList({ description: 'Webhooks called (with the WEBHOOK channel).', resolve: (r) => r.webhookIds.map(String) }),
    escalateAfterMinutes: t.exposeInt('escalateAfterMinutes', {
      nullable: true,
      description: 'Not acknowledged after this many minutes: escalate.',
    }),
    escalateUserIds: t.idList({ description: 'Escalation: people told.', resolve: (r) => r.escalateUserIds.map(String) }),
    escalateRoles: t.field({ type: [RoleEnum], description: 'Escalation: roles told.', resolve: (r) => r.escalateRoles }),
  }),
});

builder.prismaNode('Webhook', {
  id: { field: 'id' },
  description:
    'An endpoint that receives incident events as signed JSON (see the README for the payload and signature). Its secret is never shown.',
  authScopes: readAs('ADMIN'),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Name.' }),
    url: t.exposeString('url', { description: 'Where events are POSTed.' }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether it is called.' }),
  }),
});

const UserContactRef = builder.prismaObject('UserContact', {
  description: 'Where a user wants to be told: an e-mail address or a Telegram chat id.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Contact id.' }),
    channel: t.field({ type: NotificationChannelEnum, description: 'Channel.', resolve: (c) => c.channel }),
    address: t.exposeString('address', { description: 'E-mail address or Telegram chat id.' }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether it is used.' }),
  }),
});

builder.prismaObject('NotificationDelivery', {
  description: 'One message to one recipient about one incident event.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Delivery id.' }),
    incident: t.relation('incident', { description: 'The incident.' }),
    event: t.field({ type: NotificationEventEnum, description: 'The event.', resolve: (d) => d.event }),
    channel: t.field({ type: NotificationChannelEnum, description: 'Channel.', resolve: (d) => d.channel }),
    address: t.exposeString('address', { description: 'E-mail, chat id, or webhook:<id>.' }),
    status: t.field({ type: DeliveryStatusEnum, description: 'Status.', resolve: (d) => d.status }),
    attempts: t.exposeInt('attempts', { description: 'Attempts so far.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Why the last attempt failed (never containing a secret).' }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true, description: 'When it was sent.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was queued.' }),
  }),
});

builder.prismaObjectField('User', 'contacts', (t) =>
  t.field({
    type: [UserContactRef],
    description: 'Where this user is told about incidents (the user and admins).',
    select: { id: true },
    authScopes: (u, _a, ctx) => ctx.actor?.role === 'ADMIN' || ctx.actor?.userId === u.id,
    extensions: { viewerDependent: true },
    resolve: (u, _a, ctx) => ctx.db.prisma.userContact.findMany({ where: { userId: u.id }, orderBy: { id: 'asc' } }),
  }),
);

builder.queryFields((t) => ({
  maintenanceWindows: t.prismaField({
    type: ['MaintenanceWindow'],
    description: 'Maintenance windows, current and upcoming first (recent past ones too, unless `upcoming`).',
    authScopes: readAs(...NETWORK_READERS),
    args: { upcoming: t.arg.boolean({ required: false, description: 'Only those not yet over.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.maintenanceWindow.findMany({
        ...query,
        where: args.upcoming
          ? { endsAt: { gt: new Date() }, cancelledAt: null }
          : { endsAt: { gt: new Date(Date.now() - 30 * 86_400_000) } },
        orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
        take: 200,
      }),
  }),
  notificationRules: t.prismaField({
    type: ['NotificationRule'],
    description: 'Notification rules.',
    authScopes: readAs('ADMIN'),
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.notificationRule.findMany({ ...query, orderBy: { id: 'asc' } }),
  }),
  webhooks: t.prismaField({
    type: ['Webhook'],
    description: 'Webhooks.',
    authScopes: readAs('ADMIN'),
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.webhook.findMany({ ...query, orderBy: { id: 'asc' } }),
  }),
  notificationDeliveries: t.prismaConnection({
    type: 'NotificationDelivery',
    cursor: 'id',
    description: 'The delivery log, newest first.',
    authScopes: readAs('ADMIN'),
    totalCount: (_c, args, ctx) => ctx.db.prisma.notificationDelivery.count({ where: deliveryWhere(args) }),
    args: {
      status: t.arg({ type: DeliveryStatusEnum, required: false, description: 'Only this status.' }),
      incidentId: t.arg.id({ required: false, description: 'Only this incident.' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.notificationDelivery.findMany({ ...query, where: deliveryWhere(args), orderBy: { id: 'desc' } }),
  }),
}));

function deliveryWhere(args: {
  status?: 'QUEUED' | 'SENT' | 'FAILED' | 'SUPPRESSED' | null;
  incidentId?: string | number | null;
}): Prisma.NotificationDeliveryWhereInput {
  return {
    ...(args.status ? { status: args.status } : {}),
    ...(args.incidentId ? { incidentId: idOf(String(args.incidentId), 'Incident', 'incidentId') } : {}),
  };
}

// ── maintenance windows ──

const MaintenanceWindowInput = builder.inputType('MaintenanceWindowInput', {
  description: 'Planned work: when, and where (an OLT, one of its PON ports, or a router; none: everything).',
  fields: (t) => ({
    title: t.string({ required: true, description: 'What is being done.' }),
    startsAt: t.field({ type: 'DateTime', required: true, description: 'Start.' }),
    endsAt: t.field({ type: 'DateTime', required: true, description: 'End (at most 7 days after the start).' }),
    oltId: t.id({ required: false, description: 'OLT.' }),
    ponPortId: t.id({ required: false, description: 'PON port.' }),
    routerId: t.id({ required: false, description: 'Router.' }),
    note: t.string({ required: false, description: 'Notes.' }),
  }),
});

const title = z.string().trim().min(3, 'At least 3 characters').max(200, 'At most 200 characters');

builder.mutationFields((t) => ({
  createMaintenanceWindow: t.prismaField({
    type: 'MaintenanceWindow',
    description: 'Plan maintenance: incidents in its scope and time are marked planned and alert nobody.',
    authScopes: writeAs('ADMIN', 'NOC'),
    errors: mutationResult('CreateMaintenanceWindow', 'maintenanceWindow'),
    args: { input: t.arg({ type: MaintenanceWindowInput, required: true, description: 'The window.' }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const v = parseInput(
        z
          .object({ title, note: z.string().trim().max(2000).default('') })
          .refine(() => input.endsAt > input.startsAt, { message: 'The end must be after the start', path: ['endsAt'] }),
        { title: input.title, note: input.note ?? undefined },
      );
      if (input.endsAt.getTime() - input.startsAt.getTime() > 7 * 86_400_000)
        throw ValidationError.single('input.endsAt', 'TOO_LONG', 'A window lasts at most 7 days');
      if (input.endsAt.getTime() < Date.now()) throw ValidationError.single('input.endsAt', 'IN_THE_PAST', 'The window is already over');
      const places = [input.oltId, input.ponPortId, input.routerId].filter(Boolean).length;
      if (places > 1) throw ValidationError.single('input', 'ONE_PLACE', 'Give an OLT, a PON port or a router (one of them)');
      const oltId = optionalIdOf(input.oltId ? String(input.oltId) : null, 'Olt', 'input.oltId');
      const ponPortId = optionalIdOf(input.ponPortId ? String(input.ponPortId) : null, 'PonPort', 'input.ponPortId');
      const routerId = optionalIdOf(input.routerId ? String(input.routerId) : null, 'Router', 'input.routerId');
      if (oltId && !(await ctx.db.prisma.olt.findUnique({ where: { id: oltId } })))
        throw new NotFoundError('input.oltId', 'No OLT with that id');
      if (ponPortId && !(await ctx.db.prisma.ponPort.findUnique({ where: { id: ponPortId } })))
        throw new NotFoundError('input.ponPortId', 'No PON port with that id');
      if (routerId && !(await ctx.db.prisma.router.findUnique({ where: { id: routerId } })))
        throw new NotFoundError('input.routerId', 'No router with that id');
      return ctx.db.prisma.$transaction(async (tx) => {
        const w = await tx.maintenanceWindow.create({
          data: {
            title: v.title,
            note: v.note,
            startsAt: input.startsAt,
            endsAt: input.endsAt,
            oltId,
            ponPortId,
            routerId,
            createdById: ctx.actor!.userId,
          },
        });
        await audit(tx, ctx, {
          action: 'maintenance.create',
          entityType: 'MaintenanceWindow',
          entityId: w.id,
          after: { title: v.title, oltId, ponPortId, routerId },
        });
        return w;
      });
    },
  }),
  cancelMaintenanceWindow: t.prismaField({
    type: 'MaintenanceWindow',
    description: 'Cancel a maintenance window (incidents from now on alert as usual).',
    authScopes: writeAs('ADMIN', 'NOC'),
    errors: mutationResult('CancelMaintenanceWindow', 'maintenanceWindow'),
    args: { id: t.arg.id({ required: true, description: 'Window id.' }) },
    resolve: async (_query, _root, args, ctx) => {
      const id = idOf(String(args.id), 'MaintenanceWindow', 'id');
      return ctx.db.prisma.$transaction(async (tx) => {
        const before = await tx.maintenanceWindow.findUnique({ where: { id } });
        if (!before) throw new NotFoundError('id', 'No maintenance window with that id');
        const w = await tx.maintenanceWindow.update({ where: { id }, data: { cancelledAt: before.cancelledAt ?? new Date() } });
        await audit(tx, ctx, { action: 'maintenance.cancel', entityType: 'MaintenanceWindow', entityId: id });
        return w;
      });
    },
  }),
}));

// ── notification rules ──

const NotificationRuleInput = builder.inputType('NotificationRuleInput', {
  description: 'A notification rule. Lists left empty mean "any".',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Name.' }),
    enabled: t.boolean({ required: false, defaultValue: true, description: 'Whether it applies.' }),
    kinds: t.field({ type: [IncidentKindEnum], required: false, description: 'Incident kinds (empty: all).' }),
    events: t.field({ type: [NotificationEventEnum], required: false, description: 'Events told (default: all but ESCALATED).' }),
    minAffected: t.int({ required: false, defaultValue: 0, description: 'At least this many affected units.' }),
    oltIds: t.idList({ required: false, description: 'OLTs.' }),
    routerIds: t.idList({ required: false, description: 'Routers.' }),
    zones: t.stringList({ required: false, description: 'SmartOLT zones.' }),
    days: t.intList({ required: false, description: 'Days (0 = Sunday).' }),
    fromMinute: t.int({ required: false, defaultValue: 0, description: 'From minute of the day.' }),
    toMinute: t.int({ required: false, defaultValue: 1440, description: 'To minute of the day.' }),
    userIds: t.idList({ required: false, description: 'People.' }),
    roles: t.field({ type: [RoleEnum], required: false, description: 'Roles.' }),
    teamIds: t.idList({ required: false, description: 'Teams.' }),
    channels: t.field({ type: [NotificationChannelEnum], required: true, description: 'Channels.' }),
    webhookIds: t.idList({ required: false, description: 'Webhooks (WEBHOOK channel).' }),
    escalateAfterMinutes: t.int({ required: false, description: 'Escalate when not acknowledged after this long.' }),
    escalateUserIds: t.idList({ required: false, description: 'Escalation people.' }),
    escalateRoles: t.field({ type: [RoleEnum], required: false, description: 'Escalation roles.' }),
  }),
});

type RuleInput = typeof NotificationRuleInput.$inferInput;

function ruleData(input: RuleInput): Prisma.NotificationRuleUncheckedCreateInput {
  const ids = (list: readonly (string | number)[] | null | undefined, typename: string, field: string) => [
    ...new Set((list ?? []).map((x, i) => idOf(String(x), typename, `${field}.${i}`))),
  ];
  const v = parseInput(
    z.object({
      name: z.string().trim().min(2, 'At least 2 characters').max(100, 'At most 100 characters'),
      kinds: z.array(z.enum(IncidentKindList)).max(3),
      minAffected: z.number().int().min(0).max(100_000),
      zones: z.array(z.string().trim().min(1).max(100)).max(50),
      days: z.array(z.number().int().min(0).max(6)).max(7),
      fromMinute: z.number().int().min(0).max(1440),
      toMinute: z.number().int().min(0).max(1440),
      escalateAfterMinutes: z.number().int().min(1).max(1440).nullable(),
    }),
    {
      name: input.name,
      kinds: input.kinds ?? [],
      minAffected: input.minAffected ?? 0,
      zones: input.zones ?? [],
      days: [...new Set(input.days ?? [])],
      fromMinute: input.fromMinute ?? 0,
      toMinute: input.toMinute ?? 1440,
      escalateAfterMinutes: input.escalateAfterMinutes ?? null,
    },
  );
  if (v.fromMinute === v.toMinute)
    throw ValidationError.single('input.toMinute', 'EMPTY_WINDOW', 'The time window is empty: 0 to 1440 is the whole day');
  const channels = [...new Set(input.channels)];
  if (!channels.length) throw ValidationError.single('input.channels', 'REQUIRED', 'Choose at least one channel');
  const webhookIds = ids(input.webhookIds, 'Webhook', 'input.webhookIds');
  if (channels.includes('WEBHOOK') && !webhookIds.length)
    throw ValidationError.single('input.webhookIds', 'REQUIRED', 'Choose the webhooks to call');
  const data = {
    name: v.name,
    enabled: input.enabled ?? true,
    kinds: v.kinds,
    events: [...new Set(input.events ?? (['OPENED', 'CLASSIFIED', 'GREW', 'CLEARED'] as const))],
    minAffected: v.minAffected,
    oltIds: ids(input.oltIds, 'Olt', 'input.oltIds'),
    routerIds: ids(input.routerIds, 'Router', 'input.routerIds'),
    zones: v.zones,
    days: v.days,
    fromMinute: v.fromMinute,
    toMinute: v.toMinute,
    userIds: ids(input.userIds, 'User', 'input.userIds'),
    roles: [...new Set(input.roles ?? [])],
    teamIds: ids(input.teamIds, 'Team', 'input.teamIds'),
    channels,
    webhookIds,
    escalateAfterMinutes: v.escalateAfterMinutes,
    escalateUserIds: ids(input.escalateUserIds, 'User', 'input.escalateUserIds'),
    escalateRoles: [...new Set(input.escalateRoles ?? [])],
  };
  if (!data.userIds.length && !data.roles.length && !data.teamIds.length && !data.webhookIds.length) {
    throw ValidationError.single('input.userIds', 'NO_RECIPIENTS', 'Say who is told: people, roles, teams or webhooks');
  }
  if (data.escalateAfterMinutes !== null && !data.escalateUserIds.length && !data.escalateRoles.length) {
    throw ValidationError.single('input.escalateUserIds', 'NO_RECIPIENTS', 'Say who is told when escalating');
  }
  return data;
}

builder.mutationFields((t) => ({
  createNotificationRule: t.prismaField({
    type: 'NotificationRule',
    description: 'Create a notification rule.',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('CreateNotificationRule', 'notificationRule'),
    args: { input: t.arg({ type: NotificationRuleInput, required: true, description: 'The rule.' }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const data = ruleData(input);
      return ctx.db.prisma.$transaction(async (tx) => {
        const rule = await tx.notificationRule.create({ data });
        await audit(tx, ctx, { action: 'notificationRule.create', entityType: 'NotificationRule', entityId: rule.id, after: data });
        return rule;
      });
    },
  }),
  updateNotificationRule: t.prismaField({
    type: 'NotificationRule',
    description: 'Replace a notification rule.',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('UpdateNotificationRule', 'notificationRule'),
    args: {
      id: t.arg.id({ required: true, description: 'Rule id.' }),
      input: t.arg({ type: NotificationRuleInput, required: true, description: 'The rule.' }),
    },
    resolve: async (_query, _root, args, ctx) => {
      const id = idOf(String(args.id), 'NotificationRule', 'id');
      const data = ruleData(args.input);
      return ctx.db.prisma.$transaction(async (tx) => {
        const before = await tx.notificationRule.findUnique({ where: { id } });
        if (!before) throw new NotFoundError('id', 'No rule with that id');
        const rule = await tx.notificationRule.update({ where: { id }, data });
        await audit(tx, ctx, { action: 'notificationRule.update', entityType: 'NotificationRule', entityId: id, before, after: data });
        return rule;
      });
    },
  }),
  deleteNotificationRule: t.boolean({
    description: 'Delete a notification rule (its past deliveries stay in the log).',
    authScopes: writeAs('ADMIN'),
    args: { id: t.arg.id({ required: true, description: 'Rule id.' }) },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.id), 'NotificationRule', 'id');
      return ctx.db.prisma.$transaction(async (tx) => {
        const before = await tx.notificationRule.findUnique({ where: { id } });
        if (!before) return false;
        await tx.notificationRule.delete({ where: { id } });
        await audit(tx, ctx, { action: 'notificationRule.delete', entityType: 'NotificationRule', entityId: id, before });
        return true;
      });
    },
  }),
}));

// ── webhooks ──

const WebhookInput = builder.inputType('WebhookInput', {
  description: 'A webhook. The secret signs every body (HMAC-SHA256); leave it out on update to keep the current one.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Name.' }),
    url: t.string({ required: true, description: 'https:// URL (http:// only for 127.0.0.1 and private networks).' }),
    secret: t.string({ required: false, description: 'Signing secret, 16–200 characters (write-only).' }),
    enabled: t.boolean({ required: false, defaultValue: true, description: 'Whether it is called.' }),
  }),
});

function webhookData(input: typeof WebhookInput.$inferInput, creating: boolean) {
  const v = parseInput(
    z.object({
      name: z.string().trim().min(2).max(100),
      url: z
        .string()
        .trim()
        .url('Not a URL')
        .refine((u) => {
          const url = URL.parse(u);
          if (!url) return true; // reported by .url() above
          return (
            url.protocol === 'https:' ||
            (url.protocol === 'http:' && /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|localhost$|\[::1\]$)/.test(url.hostname))
          );
        }, 'Use https:// (http:// only on private networks)'),
      secret: z.string().min(16, 'At least 16 characters').max(200).optional(),
    }),
    { name: input.name, url: input.url, secret: input.secret ?? undefined },
  );
  if (creating && !v.secret) throw ValidationError.single('input.secret', 'REQUIRED', 'A signing secret is required');
  return { name: v.name, url: v.url, enabled: input.enabled ?? true, ...(v.secret ? { secret: v.secret } : {}) };
}

builder.mutationFields((t) => ({
  createWebhook: t.prismaField({
    type: 'Webhook',
    description: 'Add a webhook (its secret is never shown again).',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('CreateWebhook', 'webhook'),
    args: { input: t.arg({ type: WebhookInput, required: true, description: 'The webhook.' }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const data = webhookData(input, true) as { name: string; url: string; enabled: boolean; secret: string };
      return ctx.db.prisma.$transaction(async (tx) => {
        const hook = await tx.webhook.create({ data });
        await audit(tx, ctx, {
          action: 'webhook.create',
          entityType: 'Webhook',
          entityId: hook.id,
          after: { name: data.name, url: data.url },
        });
        return hook;
      });
    },
  }),
  updateWebhook: t.prismaField({
    type: 'Webhook',
    description: 'Change a webhook (without a secret, the current one stays).',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('UpdateWebhook', 'webhook'),
    args: {
      id: t.arg.id({ required: true, description: 'Webhook id.' }),
      input: t.arg({ type: WebhookInput, required: true, description: 'The webhook.' }),
    },
    resolve: async (_query, _root, args, ctx) => {
      const id = idOf(String(args.id), 'Webhook', 'id');
      const data = webhookData(args.input, false);
      return ctx.db.prisma.$transaction(async (tx) => {
        if (!(await tx.webhook.findUnique({ where: { id }, select: { id: true } })))
          throw new NotFoundError('id', 'No webhook with that id');
        const hook = await tx.webhook.update({ where: { id }, data });
        await audit(tx, ctx, {
          action: 'webhook.update',
          entityType: 'Webhook',
          entityId: id,
          after: { name: data.name, url: data.url, secretChanged: 'secret' in data },
        });
        return hook;
      });
    },
  }),
}));

// ── a user's own contacts ──

builder.mutationFields((t) => ({
  addContact: t.prismaField({
    type: 'UserContact',
    description: 'Add where you (or, for admins, another user) want to be told: an e-mail address or a Telegram chat id.',
    authScopes: { $all: { write: true, authenticated: true } },
    errors: mutationResult('AddContact', 'contact'),
    args: {
      channel: t.arg({ type: NotificationChannelEnum, required: true, description: 'EMAIL or TELEGRAM.' }),
      address: t.arg.string({ required: true, description: 'E-mail address, or Telegram chat id (start a chat with the bot first).' }),
      userId: t.arg.id({ required: false, description: 'Another user (admins).' }),
    },
    resolve: async (_query, _root, args, ctx) => {
      const userId = optionalIdOf(args.userId ? String(args.userId) : null, 'User', 'userId') ?? ctx.actor!.userId;
      if (userId !== ctx.actor!.userId && ctx.actor!.role !== 'ADMIN') throw new NotFoundError('userId', 'No user with that id');
      if (args.channel === 'WEBHOOK') throw ValidationError.single('channel', 'UNSUPPORTED', 'Webhooks are set up by admins, not per user');
      const address =
        args.channel === 'EMAIL'
          ? parseInput(z.string().trim().toLowerCase().email('Not an e-mail address').max(200), args.address, 'address')
          : parseInput(
              z
                .string()
                .trim()
                .regex(/^-?\d{1,20}$|^@[A-Za-z0-9_]{5,32}$/, 'A numeric chat id (or @channel)'),
              args.address,
              'address',
            );
      return ctx.db.prisma.$transaction(async (tx) => {
        if (await tx.userContact.findUnique({ where: { userId_channel_address: { userId, channel: args.channel, address } } })) {
          throw ValidationError.single('address', 'TAKEN', 'Already added');
        }
        const c = await tx.userContact.create({ data: { userId, channel: args.channel, address } });
        await audit(tx, ctx, { action: 'contact.add', entityType: 'User', entityId: userId, after: { channel: args.channel, address } });
        return c;
      });
    },
  }),
  removeContact: t.boolean({
    description: 'Remove one of your contacts (admins: anyone’s).',
    authScopes: { $all: { write: true, authenticated: true } },
    args: { id: t.arg.id({ required: true, description: 'Contact id (as `UserContact.id`).' }) },
    resolve: async (_root, args, ctx) => {
      const id = Number(args.id);
      if (!Number.isSafeInteger(id) || id <= 0) throw ValidationError.single('id', 'INVALID_ID', 'Not a contact id');
      return ctx.db.prisma.$transaction(async (tx) => {
        const c = await tx.userContact.findUnique({ where: { id } });
        if (!c || (c.userId !== ctx.actor!.userId && ctx.actor!.role !== 'ADMIN')) return false;
        await tx.userContact.delete({ where: { id } });
        await audit(tx, ctx, {
          action: 'contact.remove',
          entityType: 'User',
          entityId: c.userId,
          before: { channel: c.channel, address: c.address },
        });
        return true;
      });
    },
  }),
}));
