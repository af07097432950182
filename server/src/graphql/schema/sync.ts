/** Syncs: runs with counts and progress, per-source freshness, the SmartOLT call budget, and "sync now". */
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { readAs, writeAs } from '../access.ts';
import { NotFoundError, ValidationError, parseInput } from '../userErrors.ts';
import { idOf } from '../ids.ts';
import { ageSeconds } from '../freshness.ts';
import { SourceEnum, SyncKindEnum, SyncScopeEnum } from './enums.ts';
import { mutationResult } from './errorTypes.ts';
import { writeAudit } from '../../db/audit.ts';
import { enqueueSync } from '../../sync/enqueue.ts';

const SyncRunStatusEnum = builder.enumType('SyncRunStatus', {
  description: 'Where a sync run is.',
  values: {
    QUEUED: { description: 'Waiting for a worker.' },
    RUNNING: { description: 'A worker is on it (see progress).' },
    SUCCEEDED: { description: 'Applied.' },
    FAILED: { description: 'Failed; the mirror kept its last good data.' },
    REJECTED: { description: 'The snapshot looked partial (error envelope, rate limit, far fewer rows than before) and was not applied.' },
  } as const,
});

export const SyncRunRef = builder.prismaNode('SyncRun', {
  id: { field: 'id' },
  description: 'One execution of a sync: what it covered, how it went, what it changed.',
  authScopes: readAs('ADMIN', 'NOC'),
  fields: (t) => ({
    source: t.field({ type: SourceEnum, description: 'Source system.', resolve: (r) => r.source }),
    kind: t.field({ type: SyncKindEnum, description: 'What it refreshes.', resolve: (r) => r.kind }),
    scope: t.field({ type: SyncScopeEnum, description: 'How much it covers.', resolve: (r) => r.scope }),
    scopeRef: t.exposeString('scopeRef', { nullable: true, description: 'Router/OLT id or DNI/CUIT the scope refers to.' }),
    status: t.field({ type: SyncRunStatusEnum, description: 'Status.', resolve: (r) => r.status }),
    trigger: t.exposeString('trigger', { description: 'What started it: cron, manual, cli, demo-seed.' }),
    attempt: t.exposeInt('attempt', { description: 'Attempt number (retries after transient errors).' }),
    progressDone: t.exposeInt('progressDone', { description: 'Items processed so far.' }),
    progressTotal: t.exposeInt('progressTotal', { nullable: true, description: 'Items expected (when known).' }),
    seen: t.exposeInt('seen', { description: 'Rows in the snapshot.' }),
    inserted: t.exposeInt('inserted', { description: 'New rows.' }),
    updated: t.exposeInt('updated', { description: 'Changed rows.' }),
    unchanged: t.exposeInt('unchanged', { description: 'Rows already up to date (not written).' }),
    removed: t.exposeInt('removed', { description: 'Rows gone from the source (marked, not deleted).' }),
    errorCode: t.exposeString('errorCode', {
      nullable: true,
      description: 'UNREACHABLE, AUTH_FAILED, RATE_LIMITED, BAD_RESPONSE, TIMEOUT, PARTIAL_SNAPSHOT …',
    }),
    errorMessage: t.exposeString('errorMessage', { nullable: true, description: 'What went wrong.' }),
    details: t.expose('details', { type: 'JSON', nullable: true, description: 'Per-step details.' }),
    queuedAt: t.expose('queuedAt', { type: 'DateTime', description: 'Queued.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'Started.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'Finished.' }),
    durationMs: t.int({
      nullable: true,
      description: 'Run time in milliseconds.',
      select: { startedAt: true, finishedAt: true },
      resolve: (r) => (r.startedAt && r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null),
    }),
    requestedBy: t.relation('requestedBy', { nullable: true, description: 'Who asked for it (manual runs).' }),
  }),
});

builder.prismaObject('SourceFreshness', {
  description: 'When a source last synced successfully, for one kind and scope. Emerald keeps the last good data when a sync fails.',
  fields: (t) => ({
    source: t.field({ type: SourceEnum, description: 'Source.', resolve: (f) => f.source }),
    kind: t.field({ type: SyncKindEnum, description: 'Kind.', resolve: (f) => f.kind }),
    scopeKey: t.exposeString('scopeKey', { description: '`all`, `router:<id>` or `olt:<id>`.' }),
    lastSuccessAt: t.expose('lastSuccessAt', { type: 'DateTime', nullable: true, description: 'Last successful sync.' }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true, description: 'Last attempt.' }),
    lastErrorAt: t.expose('lastErrorAt', { type: 'DateTime', nullable: true, description: 'Last failure.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Last failure message.' }),
    lastRowCount: t.exposeInt('lastRowCount', { nullable: true, description: 'Rows in the last good snapshot.' }),
    ageSeconds: t.int({ nullable: true, description: 'Seconds since the last success.', resolve: (f) => ageSeconds(f.lastSuccessAt) }),
    failing: t.boolean({
      description: 'The last attempt failed (data shown is from the last success).',
      resolve: (f) => !!f.lastErrorAt && (!f.lastSuccessAt || f.lastErrorAt > f.lastSuccessAt),
    }),
  }),
});

interface Budget {
  windowStart: Date;
  calls: number;
  limit: number;
  rateLimitedUntil: Date | null;
}

const BudgetRef = builder.objectRef<Budget>('VendorBudget').implement({
  description: "SmartOLT API calls spent this hour against the tenant's budget.",
  fields: (t) => ({
    windowStart: t.expose('windowStart', { type: 'DateTime', description: 'Start of the current hour.' }),
    calls: t.exposeInt('calls', { description: 'Calls made this hour.' }),
    limit: t.exposeInt('limit', { description: 'Calls allowed per hour.' }),
    remaining: t.int({ description: 'Calls left this hour.', resolve: (b) => Math.max(0, b.limit - b.calls) }),
    rateLimitedUntil: t.expose('rateLimitedUntil', {
      type: 'DateTime',
      nullable: true,
      description: 'SmartOLT answered 429: no calls until then.',
    }),
  }),
});

function syncRunWhere(args: {
  source?: 'ISPCUBE' | 'ROUTEROS' | 'SMARTOLT' | null;
  kind?: 'INVENTORY' | 'SESSIONS' | 'ONU_STATUS' | 'ONU_SIGNAL' | null;
  status?: ('QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'REJECTED')[] | null;
}): Prisma.SyncRunWhereInput {
  return {
    ...(args.source ? { source: args.source } : {}),
    ...(args.kind ? { kind: args.kind } : {}),
    ...(args.status?.length ? { status: { in: args.status } } : {}),
  };
}

builder.queryFields((t) => ({
  syncRuns: t.prismaConnection({
    type: 'SyncRun',
    cursor: 'id',
    totalCount: (_c, args, ctx) => ctx.db.prisma.syncRun.count({ where: syncRunWhere(args) }),
    description: 'Sync runs, newest first.',
    authScopes: readAs('ADMIN', 'NOC'),
    args: {
      source: t.arg({ type: SourceEnum, required: false, description: 'Only this source.' }),
      kind: t.arg({ type: SyncKindEnum, required: false, description: 'Only this kind.' }),
      status: t.arg({ type: [SyncRunStatusEnum], required: false, description: 'Only these statuses.' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.syncRun.findMany({ ...query, where: syncRunWhere(args), orderBy: [{ queuedAt: 'desc' }, { id: 'desc' }] }),
  }),
  syncRun: t.prismaField({
    type: 'SyncRun',
    nullable: true,
    description: 'One sync run by id.',
    authScopes: readAs('ADMIN', 'NOC'),
    args: { id: t.arg.id({ required: true, description: 'Sync run id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.syncRun.findUnique({ ...query, where: { id: idOf(String(args.id), 'SyncRun', 'id') } }),
  }),
  sourceFreshness: t.prismaField({
    type: ['SourceFreshness'],
    description: 'Freshness of every source, kind and scope.',
    authScopes: readAs('ADMIN', 'NOC', 'SUPPORT'),
    resolve: (query, _root, _args, ctx) =>
      ctx.db.prisma.sourceFreshness.findMany({ ...query, orderBy: [{ source: 'asc' }, { kind: 'asc' }, { scopeKey: 'asc' }] }),
  }),
  smartoltBudget: t.field({
    type: BudgetRef,
    description: 'The SmartOLT call budget of the current hour.',
    authScopes: readAs('ADMIN', 'NOC', 'SUPPORT'),
    resolve: async (_root, _args, ctx) => {
      const windowStart = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
      const row = await ctx.db.prisma.vendorCallBudget.findUnique({ where: { source_windowStart: { source: 'SMARTOLT', windowStart } } });
      return {
        windowStart,
        calls: row?.calls ?? 0,
        limit: row?.callLimit ?? ctx.config.smartoltBudget.hourlyBudget,
        rateLimitedUntil: row?.rateLimitedUntil ?? null,
      };
    },
  }),
}));

const RequestSyncInput = builder.inputType('RequestSyncInput', {
  description: 'A sync to run now. Scope: a router (ROUTEROS), an OLT (SMARTOLT), a customer by DNI/CUIT (ISPCUBE), or everything.',
  fields: (t) => ({
    source: t.field({ type: SourceEnum, required: true, description: 'Source.' }),
    kind: t.field({ type: SyncKindEnum, required: false, defaultValue: 'INVENTORY', description: 'What to refresh.' }),
    routerId: t.id({ required: false, description: 'Only this router (ROUTEROS).' }),
    oltId: t.id({ required: false, description: 'Only this OLT (SMARTOLT).' }),
    docNumber: t.string({ required: false, description: 'Only this customer, by DNI/CUIT (ISPCUBE).' }),
  }),
});

const KINDS: Record<string, string[]> = {
  ISPCUBE: ['INVENTORY'],
  ROUTEROS: ['INVENTORY', 'SESSIONS'],
  SMARTOLT: ['INVENTORY', 'ONU_STATUS', 'ONU_SIGNAL'],
};

builder.mutationField('requestSync', (t) =>
  t.field({
    type: SyncRunRef,
    description: 'Queue a sync now. If the same sync is already queued or running, that run is returned instead of a new one.',
    authScopes: writeAs('ADMIN', 'NOC'),
    errors: mutationResult('RequestSync', 'syncRun'),
    args: { input: t.arg({ type: RequestSyncInput, required: true, description: 'What to sync.' }) },
    resolve: async (_root, { input }, ctx) => {
      const kind = input.kind ?? 'INVENTORY';
      if (!KINDS[input.source]!.includes(kind)) {
        throw ValidationError.single('input.kind', 'UNSUPPORTED', `${input.source} syncs ${KINDS[input.source]!.join(', ')}`);
      }
      let scope: 'ALL' | 'ROUTER' | 'OLT' | 'CUSTOMER' = 'ALL';
      let scopeRef: string | null = null;
      if (input.routerId) {
        if (input.source !== 'ROUTEROS')
          throw ValidationError.single('input.routerId', 'UNSUPPORTED', 'A router scope is for ROUTEROS syncs');
        scope = 'ROUTER';
        scopeRef = String(idOf(String(input.routerId), 'Router', 'input.routerId'));
      } else if (input.oltId) {
        if (input.source !== 'SMARTOLT') throw ValidationError.single('input.oltId', 'UNSUPPORTED', 'An OLT scope is for SMARTOLT syncs');
        scope = 'OLT';
        scopeRef = String(idOf(String(input.oltId), 'Olt', 'input.oltId'));
      } else if (input.docNumber) {
        if (input.source !== 'ISPCUBE')
          throw ValidationError.single('input.docNumber', 'UNSUPPORTED', 'A customer scope is for ISPCUBE syncs');
        scope = 'CUSTOMER';
        scopeRef = parseInput(
          z
            .string()
            .trim()
            .regex(/^\d{7,11}$/, 'A DNI (7–8 digits) or CUIT (11 digits), digits only'),
          input.docNumber.replace(/[-.\s]/g, ''),
          'input.docNumber',
        );
      }
      if (scope === 'ROUTER' && !(await ctx.db.prisma.router.findUnique({ where: { id: Number(scopeRef) } })))
        throw new NotFoundError('input.routerId', 'No router with that id');
      if (scope === 'OLT' && !(await ctx.db.prisma.olt.findUnique({ where: { id: Number(scopeRef) } })))
        throw new NotFoundError('input.oltId', 'No OLT with that id');

      const { runId } = await enqueueSync(
        ctx.db,
        ctx.jobs,
        { source: input.source, kind, scope, scopeRef, trigger: 'manual', requestedById: ctx.actor!.userId },
        {
          onQueued: (tx, id) =>
            writeAudit(
              tx,
              { actor: ctx.actor, ip: ctx.ip, requestId: ctx.requestId },
              { action: 'sync.request', entityType: 'SyncRun', entityId: id, after: { source: input.source, kind, scope, scopeRef } },
            ),
        },
      );
      return ctx.db.prisma.syncRun.findUniqueOrThrow({ where: { id: runId } });
    },
  }),
);
