/**
 * CSV exports of the list screens: `GET /export/<kind>.csv?variables=<JSON>`.
 *
 * An export runs the screen's own GraphQL list query, page after page, with the caller's
 * credentials and the screen's variables (its filters): the rows are exactly what the
 * screen shows, under the same permissions. Each page is written before the next is asked
 * for, and a page is not asked for until the client has taken the previous one (write
 * back-pressure), so 100k rows never sit in memory. Every export is audited (who, what,
 * which filters, how many rows, whether it finished).
 *
 * Cells are RFC 4180 CSV with a UTF-8 BOM (Excel), and text that a spreadsheet would run as
 * a formula (= + - @ at the start) is prefixed with an apostrophe (OWASP "CSV injection").
 */
import type http from 'node:http';
import { writeAudit } from '../db/audit.ts';
import { resolveActor } from '../auth/tokens.ts';
import type { Services } from '../services.ts';

// biome-ignore lint/suspicious/noExplicitAny: a row of a GraphQL result, read by the column functions
type Node = Record<string, any>;
type Column = [header: string, value: (n: Node) => unknown];

export interface ExportKind {
  /** The list query: takes `$first` and `$after`, returns a Relay connection at `path`. */
  query: string;
  path: string[];
  columns: Column[];
}

const PAGE = 100;
const pageInfo = 'pageInfo { hasNextPage endCursor } edges { node {';

export const EXPORTS: Record<string, ExportKind> = {
  customers: {
    query: `query Export($first: Int, $after: String, $filter: CustomerFilter) { list: customers(first: $first, after: $after, filter: $filter) { ${pageInfo}
      code name docNumber status debt address city phones { number } emails { email }
      connections { pppoeUsername plan { name } } } } } }`,
    path: ['list'],
    columns: [
      ['code', (n) => n.code],
      ['name', (n) => n.name],
      ['doc_number', (n) => n.docNumber],
      ['status', (n) => n.status],
      ['debt', (n) => n.debt],
      ['address', (n) => n.address],
      ['city', (n) => n.city],
      ['phones', (n) => n.phones.map((p: Node) => p.number).join(' / ')],
      ['emails', (n) => n.emails.map((e: Node) => e.email).join(' / ')],
      ['pppoe_usernames', (n) => n.connections.map((c: Node) => c.pppoeUsername ?? '').join(' / ')],
      ['plans', (n) => n.connections.map((c: Node) => c.plan?.name ?? '').join(' / ')],
    ],
  },
  onus: {
    query: `query Export($first: Int, $after: String, $filter: OnuFilter) { list: onus(first: $first, after: $after, filter: $filter) { ${pageInfo}
      serial externalId name olt { name } ponPort { label } onuType zone status { value since } signal { rxPower level }
      connection { pppoeUsername customer { name } } } } } }`,
    path: ['list'],
    columns: [
      ['serial', (n) => n.serial],
      ['external_id', (n) => n.externalId],
      ['name', (n) => n.name],
      ['olt', (n) => n.olt?.name],
      ['pon_port', (n) => n.ponPort?.label],
      ['type', (n) => n.onuType],
      ['zone', (n) => n.zone],
      ['status', (n) => n.status?.value],
      ['status_since', (n) => n.status?.since],
      ['rx_power_dbm', (n) => n.signal?.rxPower],
      ['signal', (n) => n.signal?.level],
      ['pppoe_username', (n) => n.connection?.pppoeUsername],
      ['customer', (n) => n.connection?.customer?.name],
    ],
  },
  tickets: {
    query: `query Export($first: Int, $after: String, $filter: TicketFilter) { list: tickets(first: $first, after: $after, filter: $filter) { ${pageInfo}
      number subject type status priority createdAt resolvedAt assignee { name } customer { name code } connection { pppoeUsername } } } } }`,
    path: ['list'],
    columns: [
      ['number', (n) => n.number],
      ['subject', (n) => n.subject],
      ['type', (n) => n.type],
      ['status', (n) => n.status],
      ['priority', (n) => n.priority],
      ['created_at', (n) => n.createdAt],
      ['resolved_at', (n) => n.resolvedAt],
      ['assignee', (n) => n.assignee?.name],
      ['customer', (n) => n.customer?.name],
      ['customer_code', (n) => n.customer?.code],
      ['pppoe_username', (n) => n.connection?.pppoeUsername],
    ],
  },
  'work-orders': {
    query: `query Export($first: Int, $after: String, $filter: WorkOrderFilter) { list: workOrders(first: $first, after: $after, filter: $filter) { ${pageInfo}
      number type status scheduledStart scheduledEnd technician { name } team { name } completedAt resolutionType installedOnuSerial
      ticket { number subject customer { name } connection { address } } } } } }`,
    path: ['list'],
    columns: [
      ['number', (n) => n.number],
      ['type', (n) => n.type],
      ['status', (n) => n.status],
      ['scheduled_start', (n) => n.scheduledStart],
      ['scheduled_end', (n) => n.scheduledEnd],
      ['technician', (n) => n.technician?.name],
      ['team', (n) => n.team?.name],
      ['ticket', (n) => n.ticket?.number],
      ['subject', (n) => n.ticket?.subject],
      ['customer', (n) => n.ticket?.customer?.name],
      ['address', (n) => n.ticket?.connection?.address],
      ['completed_at', (n) => n.completedAt],
      ['resolution', (n) => n.resolutionType],
      ['installed_onu', (n) => n.installedOnuSerial],
    ],
  },
  'incident-customers': {
    query: `query Export($first: Int, $after: String, $incident: ID!) { incident(id: $incident) { list: affected(first: $first, after: $after) { ${pageInfo}
      subject affectedAt recoveredAt connection { pppoeUsername address customer { code name phones { number } } } } } } } }`,
    path: ['incident', 'list'],
    columns: [
      ['customer_code', (n) => n.connection?.customer?.code],
      ['customer', (n) => n.connection?.customer?.name],
      ['phones', (n) => (n.connection?.customer?.phones ?? []).map((p: Node) => p.number).join(' / ')],
      ['address', (n) => n.connection?.address],
      ['pppoe_username', (n) => n.connection?.pppoeUsername],
      ['unit', (n) => n.subject],
      ['down_since', (n) => n.affectedAt],
      ['recovered_at', (n) => n.recoveredAt],
    ],
  },
  'stock-items': {
    query: `query Export($first: Int, $after: String, $filter: StockItemFilter) { list: stockItems(first: $first, after: $after, filter: $filter) { ${pageInfo}
      serial status material { code name } location { name } connection { pppoeUsername customer { name } } workOrder { number } updatedAt } } } }`,
    path: ['list'],
    columns: [
      ['serial', (n) => n.serial],
      ['status', (n) => n.status],
      ['material_code', (n) => n.material.code],
      ['material', (n) => n.material.name],
      ['location', (n) => n.location?.name],
      ['pppoe_username', (n) => n.connection?.pppoeUsername],
      ['customer', (n) => n.connection?.customer?.name],
      ['work_order', (n) => n.workOrder?.number],
      ['updated_at', (n) => n.updatedAt],
    ],
  },
  'stock-moves': {
    query: `query Export($first: Int, $after: String, $filter: StockMoveFilter) { list: stockMoves(first: $first, after: $after, filter: $filter) { ${pageInfo}
      at kind material { code name unit } quantity from { name } to { name } item { serial } workOrder { number } connection { pppoeUsername } actor { username } reason } } } }`,
    path: ['list'],
    columns: [
      ['at', (n) => n.at],
      ['kind', (n) => n.kind],
      ['material_code', (n) => n.material.code],
      ['material', (n) => n.material.name],
      ['quantity', (n) => n.quantity],
      ['unit', (n) => n.material.unit],
      ['from', (n) => n.from?.name],
      ['to', (n) => n.to?.name],
      ['serial', (n) => n.item?.serial],
      ['work_order', (n) => n.workOrder?.number],
      ['pppoe_username', (n) => n.connection?.pppoeUsername],
      ['by', (n) => n.actor?.username],
      ['reason', (n) => n.reason],
    ],
  },
  'sync-runs': {
    query: `query Export($first: Int, $after: String, $source: Source, $kind: SyncKind, $status: [SyncRunStatus!]) {
      list: syncRuns(first: $first, after: $after, source: $source, kind: $kind, status: $status) { ${pageInfo}
      source kind scope scopeRef status trigger queuedAt startedAt finishedAt durationMs seen inserted updated unchanged removed errorCode errorMessage } } } }`,
    path: ['list'],
    columns: [
      ['source', (n) => n.source],
      ['kind', (n) => n.kind],
      ['scope', (n) => n.scope],
      ['scope_ref', (n) => n.scopeRef],
      ['status', (n) => n.status],
      ['trigger', (n) => n.trigger],
      ['queued_at', (n) => n.queuedAt],
      ['started_at', (n) => n.startedAt],
      ['finished_at', (n) => n.finishedAt],
      ['duration_ms', (n) => n.durationMs],
      ['seen', (n) => n.seen],
      ['inserted', (n) => n.inserted],
      ['updated', (n) => n.updated],
      ['unchanged', (n) => n.unchanged],
      ['removed', (n) => n.removed],
      ['error_code', (n) => n.errorCode],
      ['error', (n) => n.errorMessage],
    ],
  },
};

/** One CSV cell: quoted when needed; text a spreadsheet would evaluate is neutralised. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = value instanceof Date ? value.toISOString() : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: unknown[]): string => `${cells.map(csvCell).join(',')}\r\n`;

/** Pages and rows written by exports in this process (observability, and the back-pressure test). */
export const exportCounters = { pages: 0, rows: 0, waiting: 0 };

// biome-ignore lint/suspicious/noExplicitAny: GraphQL results of any of the export queries
type Data = any;

type Execute = (
  body: { query: string; variables: Record<string, unknown> },
  headers: Record<string, string>,
) => Promise<{ data?: Data; errors?: { message: string; extensions?: { code?: string } }[] }>;

function dig(data: Data, path: string[]): Data {
  return path.reduce((o: Data, k) => (o == null ? o : o[k]), data);
}

/** Serve one export; `execute` runs a GraphQL operation as the caller (through Yoga). */
export async function serveExport(
  services: Services,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  execute: Execute,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const m = /^\/export\/([a-z-]+)\.csv$/.exec(url.pathname);
  const kind = m ? EXPORTS[m[1]!] : undefined;
  const fail = (status: number, message: string): void => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ error: message }));
  };
  if (!m || !kind) return fail(404, `unknown export; one of: ${Object.keys(EXPORTS).join(', ')}`);
  if (req.method !== 'GET') return fail(405, 'exports are GET');
  let variables: Record<string, unknown> = {};
  try {
    const raw = url.searchParams.get('variables');
    if (raw) variables = JSON.parse(raw) as Record<string, unknown>;
    if (!variables || typeof variables !== 'object' || Array.isArray(variables)) throw new Error('not an object');
  } catch {
    return fail(400, '`variables` must be a JSON object (the screen’s filters)');
  }
  delete variables.first;
  delete variables.after;
  const credentials = { cookie: req.headers.cookie ?? '', authorization: req.headers.authorization ?? '' };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (credentials.cookie) headers.cookie = credentials.cookie;
  if (credentials.authorization) headers.authorization = credentials.authorization;
  // The API's own cross-site rule (a foreign page may not use the cookie) sees the real origin.
  if (req.headers.origin) headers.origin = req.headers.origin;
  if (req.headers.host) headers.host = req.headers.host;

  let after: string | null = null;
  let rows = 0;
  let complete = false;
  let started = false;
  const actor = await resolveActor(services.db, credentials);
  try {
    for (;;) {
      const result = await execute({ query: kind.query, variables: { ...variables, first: PAGE, after } }, headers);
      if (result.errors?.length) {
        const code = result.errors[0]!.extensions?.code;
        if (!started) return fail(code === 'UNAUTHENTICATED' ? 401 : code?.startsWith('FORBIDDEN') ? 403 : 400, result.errors[0]!.message);
        throw new Error(result.errors[0]!.message);
      }
      const list = dig(result.data, kind.path);
      if (!list) return started ? undefined : fail(404, 'not found');
      if (!started) {
        started = true;
        const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
        res.statusCode = 200;
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="emerald-${m[1]}-${stamp}.csv"`);
        res.setHeader('Cache-Control', 'no-store');
        res.write(`\uFEFF${csvLine(kind.columns.map(([h]) => h))}`);
      }
      const chunk = (list.edges as { node: Node }[]).map((e) => csvLine(kind.columns.map(([, v]) => v(e.node)))).join('');
      rows += list.edges.length;
      exportCounters.pages++;
      exportCounters.rows += list.edges.length;
      if (res.destroyed) return;
      if (!res.write(chunk)) {
        // The client has not taken what was sent: wait for it before asking for another page.
        exportCounters.waiting++;
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        }).finally(() => {
          exportCounters.waiting--;
        });
      }
      if (res.destroyed) return;
      if (!list.pageInfo.hasNextPage) break;
      after = list.pageInfo.endCursor;
    }
    complete = true;
    res.end();
  } catch (error) {
    services.log.warn({ err: error, export: m[1] }, 'export failed part-way');
    res.destroy(error as Error);
  } finally {
    if (started)
      await writeAudit(
        services.db.pool,
        { actor, ip: req.socket.remoteAddress ?? null, requestId: null },
        {
          action: `export.${m[1]}`,
          entityType: 'Export',
          after: { variables, rows, complete },
        },
      ).catch((error: unknown) => services.log.error({ err: error }, 'could not audit an export'));
  }
}
