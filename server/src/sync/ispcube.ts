import { withTransaction, type Queryable } from '../db/sql.ts';
import { addCounts, counts, emptyCounts, markGone, type ApplyCounts } from '../mirror/common.ts';
import { holdLinks, linkAll, type LinkCounts } from '../mirror/link.ts';
import { changedPayloads, payloadId, settleSearchIndexes } from '../mirror/upsert.ts';
import { notifyDevicesChanged } from '../events/topics.ts';
import { enqueueSync } from './enqueue.ts';
import { sweepUnsweptRouters } from './routeros.ts';
import { PageMemory } from './pages.ts';
import { reportProgress, type Run } from './runs.ts';
import { Problems, guardSnapshot, phaseClock, prefetch, type SyncContext, type SyncHandler, type SyncHandlerKey } from './steps.ts';
import {
  applyConnections,
  applyCustomers,
  applyPlans,
  applyRouters,
  CONNECTION_MAPPING,
  CUSTOMER_MAPPING,
  mapIspcubeConnection,
  mapIspcubeCustomer,
  mapIspcubeNode,
  mapIspcubePlan,
} from '../mirror/ispcube.ts';

/**
 * The ISPCube inventory in one transaction: plans and routers, then customers page by page
 * and connections chunk by chunk, so memory holds one page at a time, and nothing is
 * visible (or marked gone) until the whole snapshot is in and judged complete.
 *
 * A chained run (the scheduled full sync) also queues every router's and OLT's inventory.
 * On a mirror that already has devices they start at once and run beside this one: their
 * rows link to connections under the link lock (holdLinks), so whichever commits second links
 * against the other's rows. On an empty mirror they are queued after this run, which lists
 * the routers; routers this run added or changed get their inventory queued when it commits.
 */
async function syncIspcube(ctx: SyncContext, run: Run, chain: boolean): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const client = ctx.vendors.ispcube();
  const phases = phaseClock();
  const problems = new Problems();
  const alongside = chain && (await mirrorHasDevices(ctx.db.pool));
  if (alongside) await queueDeviceInventories(ctx, run.spec.trigger);
  const result = await withTransaction(ctx.db.pool, async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('sync:ISPCUBE'))`);
    const plans = await applyPlans(tx, problems.map(await client.plans(), mapIspcubePlan), true);
    const routers = await applyRouters(tx, problems.map(await client.nodes(), mapIspcubeNode), true);
    phases.mark('plans+nodes');

    // Pages read before with the same bytes, whose rows the mirror still holds as that sync
    // left them, are skipped unparsed (PageMemory); the rest are mapped where they changed.
    const customerPages = await PageMemory.load(tx, 'ispcube.customers_list', CUSTOMER_MAPPING, {
      table: 'customers',
      keyColumn: 'external_id',
    });
    let customers = emptyCounts();
    const customerKeys: string[] = [];
    let customerPayloads = 0;
    let reported = 0;
    // Up to a batch of pages (4 × 500) is fetched while the current batch is written; batches of ~2000 rows.
    let batch: unknown[] = [];
    let batchPages: { digest: string; keys: (string | null)[] }[] = [];
    const flush = async (): Promise<void> => {
      // Payloads unchanged since the last sync are recognised by their hash and not mapped.
      const { changed, unchangedKeys, unchanged } = await changedPayloads(
        tx,
        'customers',
        'external_id',
        CUSTOMER_MAPPING,
        batch,
        payloadId,
      );
      batch = [];
      problems.unchanged(unchangedKeys.length);
      const rows = problems.map(changed, mapIspcubeCustomer);
      customers = addCounts(customers, counts(unchangedKeys.length, 0, 0));
      customers = addCounts(customers, await applyCustomers(tx, rows, false));
      customerKeys.push(...unchangedKeys);
      for (const r of rows) {
        customerKeys.push(r.external_id);
        unchanged.set(r.external_id, r.row_hash);
      }
      for (const page of batchPages) customerPages.record(page.digest, page.keys, unchanged);
      batchPages = [];
    };
    const progress = async (last = false): Promise<void> => {
      if (customerPayloads - reported < (last ? 1 : 2000)) return;
      reported = customerPayloads;
      await reportProgress(ctx.db.pool, run, customerPayloads, null);
    };
    for await (const page of prefetch(client.customerPages(500, customerPages.knownLength), 4)) {
      const skipped = await customerPages.recall(tx, page.digest);
      if (skipped) {
        customerPayloads += skipped.length;
        problems.unchanged(skipped.length);
        customers = addCounts(customers, counts(skipped.length, 0, 0));
        customerKeys.push(...skipped);
      } else {
        const payloads = page.rows();
        customerPayloads += payloads.length;
        batch.push(...payloads);
        batchPages.push({ digest: page.digest, keys: payloads.map(payloadId) });
        if (batch.length >= 2000) await flush();
      }
      await progress();
    }
    if (batch.length) await flush();
    await progress(true);
    // Judged on what could be read, not on what arrived: rows that cannot be mapped are missing too.
    problems.guard(ctx.config.sync.maxRejectedShare, 'customers_list');
    await guardSnapshot(tx, 'customers', [], customerKeys.length, 'customers_list');
    phases.mark('customers');

    const connectionPages = await PageMemory.load(tx, 'ispcube.connections_list', CONNECTION_MAPPING, {
      table: 'connections',
      keyColumn: 'external_id',
    });
    const list = await client.connectionList();
    phases.mark('connections_list');
    let connections = emptyCounts();
    let mappedConnections = 0;
    let connectionKeys: string[] = [];
    let orphans = 0;
    const skipped = await connectionPages.recall(tx, list.digest);
    if (skipped) {
      problems.unchanged(skipped.length);
      connections = counts(skipped.length, 0, 0);
      mappedConnections = skipped.length;
      connectionKeys = skipped;
    } else {
      const payloads: (unknown | null)[] = list.rows();
      const keys = payloads.map(payloadId);
      const landed = new Map<string, string>();
      for (let i = 0; i < payloads.length; i += 2000) {
        const { changed, unchangedKeys, unchanged } = await changedPayloads(
          tx,
          'connections',
          'external_id',
          CONNECTION_MAPPING,
          payloads.slice(i, i + 2000),
          payloadId,
        );
        problems.unchanged(unchangedKeys.length);
        const rows = problems.map(changed, mapIspcubeConnection);
        mappedConnections += unchangedKeys.length + rows.length;
        payloads.fill(null, i, i + 2000); // let the raw payloads go as we go
        const r = await applyConnections(tx, rows, false);
        connections = addCounts(connections, addCounts(counts(unchangedKeys.length, 0, 0), r));
        connectionKeys.push(...unchangedKeys);
        for (const [k, h] of unchanged) landed.set(k, h);
        orphans += r.orphans.length;
        const orphaned = new Set(r.orphans);
        for (const row of rows) {
          if (orphaned.has(row.external_id)) continue;
          connectionKeys.push(row.external_id);
          landed.set(row.external_id, row.row_hash);
        }
        await reportProgress(ctx.db.pool, run, customerPayloads + Math.min(i + 2000, payloads.length), customerPayloads + payloads.length);
      }
      connectionPages.record(list.digest, keys, landed);
    }
    problems.guard(ctx.config.sync.maxRejectedShare, 'connections_list');
    await guardSnapshot(tx, 'connections', [], mappedConnections, 'connections_list');
    customers.removed = await markGone(tx, 'customers', 'external_id', customerKeys);
    connections.removed = await markGone(tx, 'connections', 'external_id', connectionKeys);
    await customerPages.save(tx);
    await connectionPages.save(tx);
    phases.mark('connections');
    // Links follow connections here. A secret or an ONU links itself when its own row changes
    // (its router's or OLT's sync) and an installed unit when it is installed or taken back, so
    // with no connection written, added or gone there is nothing to relink (about 2 s at 100k).
    let links: LinkCounts | null = null;
    if (connections.inserted + connections.updated + connections.removed > 0) {
      await holdLinks(tx, 'exclusive');
      phases.mark('link_wait');
      links = await linkAll(tx);
      phases.mark('link');
    }
    return {
      plans,
      routers,
      customers,
      connections,
      orphans,
      links,
      pages: { customers: customerPages.stats, connections: connectionPages.stats },
    };
  });
  if (
    result.customers.inserted +
      result.customers.updated +
      result.connections.inserted +
      result.connections.updated +
      (result.links?.secrets ?? 0) +
      (result.links?.onus ?? 0) >
    100
  ) {
    await settleSearchIndexes(ctx.db.pool, ['customers', 'customer_phones', 'customer_emails', 'connections', 'ppp_secrets', 'onus']);
  }
  phases.mark('settle');
  if (result.orphans) problems.note(`${result.orphans} connections of unknown customers skipped`);
  if (result.routers.inserted + result.routers.updated + result.routers.removed > 0) {
    // New or moved routers: their session streams start now and their first sweep is
    // queued now, not at the listeners' next refresh or the next minute's poll.
    await notifyDevicesChanged(ctx.db.pool, 'routers');
    await sweepUnsweptRouters(ctx, run.spec.trigger);
  }
  if (chain && !alongside) {
    // A first sync continues with the routers ISPCube just listed and the OLTs.
    await queueDeviceInventories(ctx, run.spec.trigger);
  } else if (chain) {
    // The fan-out that started alongside knew only the routers mirrored then.
    for (const id of result.routers.written) {
      await enqueueSync(ctx.db, ctx.jobs, {
        source: 'ROUTEROS',
        kind: 'INVENTORY',
        scope: 'ROUTER',
        scopeRef: String(id),
        trigger: run.spec.trigger,
      });
    }
  }
  const total = [result.plans, countsOnly(result.routers), result.customers, result.connections].reduce(addCounts, emptyCounts());
  return {
    counts: total,
    details: {
      plans: result.plans,
      routers: countsOnly(result.routers),
      customers: result.customers,
      connections: { ...result.connections, orphans: result.orphans },
      relinked: result.links,
      // Pages skipped unparsed (read before, rows unchanged) and pages that could not be recorded.
      pages: result.pages,
      // Where the chained device inventories ran: beside this run, or queued after it.
      ...(chain ? { devices: alongside ? 'alongside' : 'after' } : {}),
      ...problems.details,
      requests: client.requests,
      phases: phases.done(),
    },
  };
}

async function mirrorHasDevices(db: Queryable): Promise<boolean> {
  const res = await db.query<{ has: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM routers WHERE gone_at IS NULL) OR EXISTS (SELECT 1 FROM olts WHERE gone_at IS NULL) AS has',
  );
  return res.rows[0]?.has === true;
}

async function queueDeviceInventories(ctx: SyncContext, trigger: string): Promise<void> {
  await enqueueSync(ctx.db, ctx.jobs, { source: 'ROUTEROS', kind: 'INVENTORY', scope: 'ALL', trigger });
  await enqueueSync(ctx.db, ctx.jobs, { source: 'SMARTOLT', kind: 'INVENTORY', scope: 'ALL', trigger });
}

function countsOnly({ seen, inserted, updated, unchanged, removed }: ApplyCounts): ApplyCounts {
  return { seen, inserted, updated, unchanged, removed };
}

async function syncIspcubeCustomer(
  ctx: SyncContext,
  _run: Run,
  docNumber: string,
): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const client = ctx.vendors.ispcube();
  const customer = await client.customerByDoc(docNumber);
  if (!customer) return { counts: emptyCounts(), details: { found: false } };
  const problems = new Problems();
  const customers = problems.map([customer], mapIspcubeCustomer);
  const connections = problems.map(Array.isArray(customer.connections) ? customer.connections : [], mapIspcubeConnection);
  const counts = await withTransaction(ctx.db.pool, async (tx) => {
    const a = await applyCustomers(tx, customers, false);
    const b = await applyConnections(tx, connections, false);
    await holdLinks(tx, 'exclusive');
    await linkAll(tx);
    return addCounts(a, b);
  });
  return { counts, details: { found: true, ...problems.details } };
}

export const ispcubeSyncs: Partial<Record<SyncHandlerKey, SyncHandler>> = {
  'ISPCUBE/INVENTORY/ALL': (ctx, run, spec) => syncIspcube(ctx, run, spec.chain === true),
  'ISPCUBE/INVENTORY/CUSTOMER': (ctx, run, spec) => syncIspcubeCustomer(ctx, run, spec.scopeRef ?? ''),
};
