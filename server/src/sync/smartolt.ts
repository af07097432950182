/** SmartOLT syncs: OLTs and their ONUs, bulk status and signal polls per OLT, and their fan-out. */
import type { Queryable } from '../db/sql.ts';
import { withTransaction } from '../db/sql.ts';
import { notify, notifyDevicesChanged } from '../events/topics.ts';
import { counts, emptyCounts, type ApplyCounts } from '../mirror/common.ts';
import { holdLinks, linkAll } from '../mirror/link.ts';
import { settleSearchIndexes } from '../mirror/upsert.ts';
import { VendorError } from '../vendors/vendorError.ts';
import { enqueueSync } from './enqueue.ts';
import { PageMemory } from './pages.ts';
import { reportProgress, type Run, type SyncKindValue } from './runs.ts';
import { Problems, guardSnapshot, phaseClock, type SyncContext, type SyncHandler, type SyncHandlerKey } from './steps.ts';
import {
  applyOlts,
  applyOnuSignals,
  applyOnuStatuses,
  applyOnus,
  mapSmartoltOlt,
  mapSmartoltOnu,
  mapSmartoltSignal,
  mapSmartoltStatus,
  ONU_INVENTORY_STATE,
  ONU_INVENTORY_VERSION,
  type OnuStatusChange,
} from '../mirror/smartolt.ts';

async function oltRow(db: Queryable, id: number): Promise<{ id: number; externalId: string; name: string }> {
  const res = await db.query<{ id: number; externalId: string; name: string }>(
    'SELECT id, external_id AS "externalId", name FROM olts WHERE id = $1',
    [id],
  );
  if (!res.rows[0]) throw new VendorError('SMARTOLT', 'BAD_RESPONSE', `no OLT ${id} in the mirror`);
  return res.rows[0];
}

async function syncOltsAndFanOut(
  ctx: SyncContext,
  _run: Run,
  trigger: string,
): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const olts = await ctx.vendors.smartoltBackground().olts();
  const problems = new Problems();
  const rows = problems.map(olts, mapSmartoltOlt);
  // Judged on what could be read, not on what arrived: rows that cannot be mapped are missing too.
  problems.guard(ctx.config.sync.maxRejectedShare, 'get_olts');
  await guardSnapshot(ctx.db.pool, 'olts', [], rows.length, 'get_olts');
  const counts = await withTransaction(ctx.db.pool, (tx) => applyOlts(tx, rows, true));
  // Each OLT's ONU inventory (queued below) brings their status and signal with it, and
  // the polls take over from there; other processes only need to hear that OLTs changed.
  if (counts.inserted + counts.removed > 0) await notifyDevicesChanged(ctx.db.pool, 'olts');
  const fanned = await fanOutOlts(ctx, 'INVENTORY', trigger);
  return { counts, details: { ...fanned.details, ...problems.details } };
}

async function fanOutOlts(
  ctx: SyncContext,
  kind: SyncKindValue,
  trigger: string,
): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const olts = await ctx.db.pool.query<{ id: number }>('SELECT id FROM olts WHERE gone_at IS NULL ORDER BY id');
  let queued = 0;
  for (const o of olts.rows) {
    const res = await enqueueSync(ctx.db, ctx.jobs, { source: 'SMARTOLT', kind, scope: 'OLT', scopeRef: String(o.id), trigger });
    if (res.queued) queued++;
  }
  return { counts: { ...emptyCounts(), seen: olts.rows.length }, details: { fannedOut: olts.rows.length, queued } };
}

async function afterOnuChanges(tx: Queryable, changes: OnuStatusChange[]): Promise<void> {
  if (!changes.length) return;
  await notify(tx, { t: 'onu', ids: changes.map((c) => c.onuId) });
  await notify(tx, { t: 'summary' });
}

async function syncOltOnus(ctx: SyncContext, run: Run, oltId: number): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const olt = await oltRow(ctx.db.pool, oltId);
  const client = ctx.vendors.smartoltBackground();
  const phases = phaseClock();
  const { onus: details, digest } = await client.onuInventory(
    olt.externalId,
    1000,
    (done, total) => void reportProgress(ctx.db.pool, run, done, total).catch(() => {}),
  );
  phases.mark('fetch');
  // The same bytes as the last committed inventory, with every ONU (and no other) still
  // as it left them: nothing to map, write or read out.
  const pages = await PageMemory.load(ctx.db.pool, `smartolt.onus:${oltId}`, ONU_INVENTORY_VERSION, {
    table: 'onus',
    keyColumn: 'serial',
    state: ONU_INVENTORY_STATE,
    scope: { column: 'olt_id', value: oltId },
  });
  const skipped = await pages.recall(ctx.db.pool, digest);
  if (skipped) {
    await touchFreshness(ctx.db.pool, oltId, ['ONU_STATUS', 'ONU_SIGNAL'], details.length);
    return { counts: counts(skipped.length, 0, 0), details: { statusChanges: 0, pages: pages.stats, phases: phases.done() } };
  }
  const problems = new Problems();
  const mapped = problems.map(details, mapSmartoltOnu);
  // Judged on what could be read, not on what arrived: rows that cannot be mapped are missing too.
  problems.guard(ctx.config.sync.maxRejectedShare, `ONUs of ${olt.name}`);
  await guardSnapshot(ctx.db.pool, 'onus', [oltId], mapped.length, `ONUs of ${olt.name}`);
  phases.mark('map');
  const observedAt = new Date();
  const { counts: applied, changes } = await withTransaction(ctx.db.pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sync:SMARTOLT:olt:${oltId}`]);
    await holdLinks(tx, 'shared');
    const c = await applyOnus(
      tx,
      oltId,
      mapped.map((m) => ({ ...m.onu, initialStatus: m.status, initialSignal: m.signal })),
      true,
      observedAt,
    );
    phases.mark('apply');
    const statusChanges = await applyOnuStatuses(
      tx,
      mapped.flatMap((m) => (m.status ? [m.status] : [])),
      observedAt,
    );
    await applyOnuSignals(
      tx,
      mapped.flatMap((m) => (m.signal ? [m.signal] : [])),
      observedAt,
    );
    phases.mark('readings');
    if (c.inserted + c.updated + c.removed > 0) await linkAll(tx, { oltId });
    phases.mark('link');
    await afterOnuChanges(tx, statusChanges);
    // ONUs that appeared or went change the NOC's counts (new ONUs arrive with their status).
    if (c.inserted + c.removed > 0 && !statusChanges.length) await notify(tx, { t: 'summary' });
    // Recorded as the mirror now holds them; a page with an unreadable ONU never is.
    if (mapped.length === details.length)
      await pages.recordFromMirror(
        tx,
        digest,
        mapped.map((m) => m.onu.serial),
      );
    else pages.unrecordable();
    await pages.save(tx);
    return { counts: c, changes: statusChanges };
  });
  if (applied.inserted + applied.updated + applied.removed > 100) await settleSearchIndexes(ctx.db.pool, ['onus'], { analyze: false });
  if (changes.length) await ctx.onChanges?.({ onus: changes, sessions: [] });
  // An inventory sync also confirms statuses and signals of this OLT.
  await touchFreshness(ctx.db.pool, oltId, ['ONU_STATUS', 'ONU_SIGNAL'], details.length);
  return { counts: applied, details: { statusChanges: changes.length, pages: pages.stats, ...problems.details, phases: phases.done() } };
}

async function touchFreshness(db: Queryable, oltId: number, kinds: SyncKindValue[], rows: number): Promise<void> {
  for (const kind of kinds) {
    await db.query(
      `INSERT INTO source_freshness (source, kind, scope_key, last_success_at, last_attempt_at, last_row_count) VALUES ('SMARTOLT', $1, $2, now(), now(), $3)
       ON CONFLICT (source, kind, scope_key) DO UPDATE SET last_success_at = now(), last_attempt_at = now(), last_row_count = EXCLUDED.last_row_count`,
      [kind, `olt:${oltId}`, rows],
    );
  }
}

/** Bulk status poll of one OLT: only real changes write (ONU row + status event). */
async function pollOltStatuses(
  ctx: SyncContext,
  run: Run,
  oltId: number,
): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const olt = await oltRow(ctx.db.pool, oltId);
  // A targeted read after a burst of PPPoE drops spends the outage share of the budget.
  const client = run.spec.trigger === 'outage' ? ctx.vendors.smartoltOutage() : ctx.vendors.smartoltBackground();
  const statuses = await client.statuses(olt.externalId);
  const problems = new Problems();
  const readings = problems.map(statuses, mapSmartoltStatus);
  // Judged on what could be read, not on what arrived: rows that cannot be mapped are missing too.
  problems.guard(ctx.config.sync.maxRejectedShare, `statuses of ${olt.name}`);
  await guardSnapshot(ctx.db.pool, 'onus', [oltId], readings.length, `statuses of ${olt.name}`);
  const observedAt = new Date();
  const changes = await withTransaction(ctx.db.pool, async (tx) => {
    const c = await applyOnuStatuses(tx, readings, observedAt);
    await afterOnuChanges(tx, c);
    return c;
  });
  if (changes.length) await ctx.onChanges?.({ onus: changes, sessions: [] });
  return {
    counts: { seen: readings.length, inserted: 0, updated: changes.length, unchanged: readings.length - changes.length, removed: 0 },
    details: { ...problems.details },
  };
}

async function pollOltSignals(
  ctx: SyncContext,
  _run: Run,
  oltId: number,
): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const olt = await oltRow(ctx.db.pool, oltId);
  const signals = await ctx.vendors.smartoltBackground().signals(olt.externalId);
  const problems = new Problems();
  const readings = problems.map(signals, mapSmartoltSignal);
  // Judged on what could be read, not on what arrived: rows that cannot be mapped are missing too.
  problems.guard(ctx.config.sync.maxRejectedShare, `signals of ${olt.name}`);
  await guardSnapshot(ctx.db.pool, 'onus', [oltId], readings.length, `signals of ${olt.name}`);
  const changes = await withTransaction(ctx.db.pool, async (tx) => {
    const c = await applyOnuSignals(tx, readings, new Date());
    if (c.length) await notify(tx, { t: 'onu', ids: c.map((x) => x.onuId) });
    return c;
  });
  return {
    counts: { seen: readings.length, inserted: 0, updated: changes.length, unchanged: readings.length - changes.length, removed: 0 },
    details: { ...problems.details },
  };
}

export const smartoltSyncs: Partial<Record<SyncHandlerKey, SyncHandler>> = {
  'SMARTOLT/INVENTORY/ALL': (ctx, run, spec) => syncOltsAndFanOut(ctx, run, spec.trigger),
  'SMARTOLT/ONU_STATUS/ALL': (ctx, _run, spec) => fanOutOlts(ctx, spec.kind, spec.trigger),
  'SMARTOLT/ONU_SIGNAL/ALL': (ctx, _run, spec) => fanOutOlts(ctx, spec.kind, spec.trigger),
  'SMARTOLT/INVENTORY/OLT': (ctx, run, spec) => syncOltOnus(ctx, run, Number(spec.scopeRef)),
  'SMARTOLT/ONU_STATUS/OLT': (ctx, run, spec) => pollOltStatuses(ctx, run, Number(spec.scopeRef)),
  'SMARTOLT/ONU_SIGNAL/OLT': (ctx, run, spec) => pollOltSignals(ctx, run, Number(spec.scopeRef)),
};
