/**
 * Bulk changes: several tickets assigned or closed, several work orders re-planned, each in
 * one transaction — all of them change, or none does, and the error names the one that
 * could not — with each item's timeline and audit entries.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type Caller, type TestApi } from '../../../test/api.ts';

let api: TestApi;
let support: Caller;

beforeAll(async () => {
  api = await createTestApi({ subscribers: 150 });
  support = await api.as('soporte');
});

const numericId = (g: string): number => Number(Buffer.from(g, 'base64').toString().split(':')[1]);

describe('bulk ticket changes', () => {
  beforeAll(async () => {
    await api.db.pool.query(
      `INSERT INTO tickets (subject, type, status, creator_id, closed_at)
       SELECT 'Lote ' || g, 'TECHNICAL', CASE WHEN g = 6 THEN 'CLOSED' ELSE 'OPEN' END::"TicketStatus", (SELECT id FROM users WHERE username = 'soporte'),
              CASE WHEN g = 6 THEN now() END
       FROM generate_series(1, 6) g`,
    );
  });
  const ticketIds = async (n: number, where: string) =>
    (await api.db.pool.query<{ id: number }>(`SELECT id FROM tickets WHERE ${where} ORDER BY id LIMIT ${n}`)).rows.map((r) =>
      encodeGlobalID('Ticket', String(r.id)),
    );

  it('assigns and resolves several tickets in one go, each with its timeline and audit entry', async () => {
    const ids = await ticketIds(3, `subject LIKE 'Lote %' AND status = 'OPEN'`);
    const assignee = (await api.db.pool.query<{ id: number }>(`SELECT id FROM users WHERE username = 'soporte'`)).rows[0]!.id;
    const res = await support.query<Record<string, any>>(
      `mutation($input: BulkUpdateTicketsInput!) { bulkUpdateTickets(input: $input) { __typename ... on BulkUpdateTicketsSuccess { tickets { id status assignee { username } } } ... on Error { code } } }`,
      { input: { ids, status: 'RESOLVED', assigneeId: encodeGlobalID('User', String(assignee)), note: 'resuelto en lote' } },
    );
    expect(res.errors ?? []).toEqual([]);
    const tickets = res.data!.bulkUpdateTickets.tickets;
    expect(tickets.map((t: { id: string }) => t.id)).toEqual(ids);
    for (const t of tickets) expect(t).toMatchObject({ status: 'RESOLVED', assignee: { username: 'soporte' } });
    const audits = await api.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_entries WHERE action = 'ticket.update' AND entity_id = ANY($1)`,
      [ids.map((g) => Buffer.from(g, 'base64').toString().split(':')[1])],
    );
    expect(audits.rows[0]!.n, JSON.stringify(ids)).toBe(3);
  });

  it('changes nothing when one ticket cannot move, and names it', async () => {
    const open = (await ticketIds(5, `subject LIKE 'Lote %' AND status = 'OPEN'`)).slice(-2);
    const closed = await ticketIds(1, `status = 'CLOSED'`);
    const ids = [open[0]!, closed[0]!, open[1]!];
    const res = await support.query<Record<string, any>>(
      `mutation($input: BulkUpdateTicketsInput!) { bulkUpdateTickets(input: $input) { __typename ... on InvalidTransitionError { field from } } }`,
      { input: { ids, status: 'IN_PROGRESS' } },
    );
    expect(res.errors ?? []).toEqual([]);
    expect(res.data!.bulkUpdateTickets).toMatchObject({
      __typename: 'InvalidTransitionError',
      field: 'input.ids.1.status',
      from: 'CLOSED',
    });
    const still = await api.db.pool.query<{ status: string }>('SELECT status::text FROM tickets WHERE id = ANY($1)', [
      [open[0], open[1]].map((g) => numericId(g!)),
    ]);
    expect(still.rows.map((r) => r.status)).toEqual(['OPEN', 'OPEN']);
  });
});

describe('bulk work order re-planning', () => {
  beforeAll(async () => {
    // Three visits of 'tecnico' tomorrow at 10:00, 11:30 and 13:00, and one already done.
    await api.db.pool.query(
      `WITH t AS (
         INSERT INTO tickets (subject, type, status, creator_id)
         SELECT 'Visita ' || g, 'TECHNICAL', 'OPEN', (SELECT id FROM users WHERE username = 'soporte') FROM generate_series(1, 4) g RETURNING id, subject
       )
       INSERT INTO work_orders (ticket_id, type, status, technician_id, scheduled_start, duration_minutes, notes, created_by_id, completed_at, started_at)
       SELECT t.id, 'REPAIR', CASE WHEN t.subject = 'Visita 4' THEN 'COMPLETED' ELSE 'SCHEDULED' END::"WorkOrderStatus",
              (SELECT id FROM users WHERE username = 'tecnico'),
              date_trunc('day', now()) + interval '1 day 10 hours' + (substring(t.subject FROM 8)::int - 1) * interval '90 minutes', 60, '',
              (SELECT id FROM users WHERE username = 'soporte'),
              CASE WHEN t.subject = 'Visita 4' THEN now() END, CASE WHEN t.subject = 'Visita 4' THEN now() END
       FROM t`,
    );
  });
  const scheduled = async (n: number) =>
    (
      await api.db.pool.query<{ id: number; scheduled_start: Date; technician_id: number | null }>(
        `SELECT w.id, w.scheduled_start, w.technician_id FROM work_orders w JOIN tickets t ON t.id = w.ticket_id
         WHERE t.subject LIKE 'Visita %' AND w.status = 'SCHEDULED' ORDER BY w.id LIMIT ${n}`,
      )
    ).rows;

  it('moves a sick technician’s visits to a colleague, a day later, keeping each one’s time', async () => {
    const rows = await scheduled(2);
    expect(rows).toHaveLength(2);
    const other = (await api.db.pool.query<{ id: number }>(`SELECT id FROM users WHERE username = 'tecnico2'`)).rows[0]!.id;
    const res = await support.query<Record<string, any>>(
      `mutation($input: BulkScheduleWorkOrdersInput!) { bulkScheduleWorkOrders(input: $input) { __typename
         ... on BulkScheduleWorkOrdersSuccess { workOrders { id scheduledStart technician { username } } } ... on Error { message } } }`,
      {
        input: {
          ids: rows.map((r) => encodeGlobalID('WorkOrder', String(r.id))),
          technicianId: encodeGlobalID('User', String(other)),
          shiftDays: 1,
        },
      },
    );
    expect(res.errors ?? []).toEqual([]);
    const out = res.data!.bulkScheduleWorkOrders.workOrders;
    for (const [i, w] of out.entries()) {
      expect(w.technician.username).toBe('tecnico2');
      expect(new Date(w.scheduledStart).getTime()).toBe(rows[i]!.scheduled_start.getTime() + 86_400_000);
    }
    const audits = await api.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_entries WHERE action = 'workOrder.schedule' AND entity_id = ANY($1)`,
      [rows.map((r) => String(r.id))],
    );
    expect(audits.rows[0]!.n).toBe(2);
  });

  it('changes nothing when one of them is already done, and names it', async () => {
    const [a] = await scheduled(1);
    const finished = (
      await api.db.pool.query<{ id: number }>(
        `SELECT w.id FROM work_orders w JOIN tickets t ON t.id = w.ticket_id WHERE t.subject = 'Visita 4' AND w.status = 'COMPLETED'`,
      )
    ).rows[0]!.id;
    const res = await support.query<Record<string, any>>(
      `mutation($input: BulkScheduleWorkOrdersInput!) { bulkScheduleWorkOrders(input: $input) { __typename ... on InvalidTransitionError { field from } } }`,
      { input: { ids: [encodeGlobalID('WorkOrder', String(a!.id)), encodeGlobalID('WorkOrder', String(finished))], shiftDays: 2 } },
    );
    expect(res.errors ?? []).toEqual([]);
    expect(res.data!.bulkScheduleWorkOrders).toMatchObject({
      __typename: 'InvalidTransitionError',
      field: 'input.ids.1',
      from: 'COMPLETED',
    });
    const still = await api.db.pool.query<{ scheduled_start: Date }>('SELECT scheduled_start FROM work_orders WHERE id = $1', [a!.id]);
    expect(still.rows[0]!.scheduled_start.getTime()).toBe(a!.scheduled_start.getTime());
  });
});
