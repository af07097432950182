import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type Caller, type TestApi } from '../../../test/api.ts';

let api: TestApi;
let support: Caller;
let tech: Caller;
let connectionId: string;
let techUserId: string;
const gid = encodeGlobalID;

beforeAll(async () => {
  api = await createTestApi({ subscribers: 40 });
  support = await api.as('soporte');
  tech = await api.as('tecnico');
  const c = await api.db.pool.query('SELECT id FROM connections ORDER BY id LIMIT 1');
  connectionId = gid('Connection', c.rows[0].id);
  techUserId = gid('User', (await api.db.pool.query(`SELECT id FROM users WHERE username = 'tecnico'`)).rows[0].id);
});

async function counts(): Promise<{ tickets: number; events: number; work_orders: number; audit: number }> {
  const r = await api.db.pool.query(
    `SELECT (SELECT count(*) FROM tickets)::int AS tickets, (SELECT count(*) FROM ticket_events)::int AS events,
            (SELECT count(*) FROM work_orders)::int AS work_orders, (SELECT count(*) FROM audit_entries)::int AS audit`,
  );
  return r.rows[0];
}

const CREATE = `mutation($input: CreateTicketInput!) {
  createTicket(input: $input) {
    __typename
    ... on CreateTicketSuccess { ticket { id number status priority subject tags customer { name } connection { pppoeUsername } timeline(first: 10) { nodes { kind author { username } } } } }
    ... on ValidationError { field code message issues { field code } }
    ... on NotFoundError { field code }
  }
}`;

describe('tickets', () => {
  it('are created with a timeline entry and an audit entry', async () => {
    const before = await counts();
    const res = await support.query<{ createTicket: any }>(CREATE, {
      input: { subject: 'Sin internet desde las 10', type: 'TECHNICAL', priority: 'HIGH', connectionId, tags: ['Reiterado', 'vip'] },
    });
    const t = res.data!.createTicket;
    expect(t).toMatchObject({
      __typename: 'CreateTicketSuccess',
      ticket: { status: 'OPEN', priority: 'HIGH', tags: ['reiterado', 'vip'] },
    });
    expect(t.ticket.customer.name).toBeTruthy();
    expect(t.ticket.timeline.nodes).toEqual([{ kind: 'CREATED', author: { username: 'soporte' } }]);
    const after = await counts();
    expect(after).toEqual({ ...before, tickets: before.tickets + 1, events: before.events + 1, audit: before.audit + 1 });
    const audit = await api.db.pool.query(`SELECT action, actor_label, after FROM audit_entries ORDER BY id DESC LIMIT 1`);
    expect(audit.rows[0]).toMatchObject({ action: 'ticket.create', actor_label: 'soporte', after: { status: 'OPEN', priority: 'HIGH' } });
  });

  it('reject bad input with typed errors and change nothing', async () => {
    const before = await counts();
    const short = await support.query<{ createTicket: any }>(CREATE, { input: { subject: ' x ', type: 'TECHNICAL', connectionId } });
    expect(short.data!.createTicket).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.subject',
      code: 'TOO_SHORT',
      message: 'Subject must have at least 3 characters',
    });
    const nowhere = await support.query<{ createTicket: any }>(CREATE, { input: { subject: 'Sin servicio', type: 'TECHNICAL' } });
    expect(nowhere.data!.createTicket).toMatchObject({ __typename: 'ValidationError', field: 'input.connectionId', code: 'REQUIRED' });
    const wrongType = await support.query<{ createTicket: any }>(CREATE, {
      input: { subject: 'Sin servicio', type: 'TECHNICAL', connectionId: gid('Customer', 1) },
    });
    expect(wrongType.data!.createTicket).toMatchObject({ __typename: 'ValidationError', field: 'input.connectionId', code: 'INVALID_ID' });
    const missing = await support.query<{ createTicket: any }>(CREATE, {
      input: { subject: 'Sin servicio', type: 'TECHNICAL', connectionId: gid('Connection', 999999) },
    });
    expect(missing.data!.createTicket).toEqual({ __typename: 'NotFoundError', field: 'input.connectionId', code: 'NOT_FOUND' });
    const techAssignee = await support.query<{ createTicket: any }>(CREATE, {
      input: { subject: 'Sin servicio', type: 'TECHNICAL', connectionId, assigneeId: techUserId },
    });
    expect(techAssignee.data!.createTicket).toMatchObject({ __typename: 'ValidationError', code: 'NOT_ASSIGNABLE' });
    expect(await counts()).toEqual(before);
  });

  it('move only along allowed statuses, each change on the timeline', async () => {
    const created = await support.query<{ createTicket: any }>(CREATE, {
      input: { subject: 'Lento a la noche', type: 'TECHNICAL', connectionId },
    });
    const id = created.data!.createTicket.ticket.id;
    const UPDATE = `mutation($input: UpdateTicketInput!) { updateTicket(input: $input) { __typename
      ... on UpdateTicketSuccess { ticket { status priority assignee { username } resolvedAt timeline(first: 20) { nodes { kind body data } } } }
      ... on InvalidTransitionError { from to field message } } }`;
    const me = (await support.query<{ me: { id: string } }>('{ me { id } }')).data!.me.id;
    const r1 = await support.query<{ updateTicket: any }>(UPDATE, {
      input: { id, status: 'IN_PROGRESS', priority: 'HIGH', assigneeId: me },
    });
    expect(r1.data!.updateTicket.ticket).toMatchObject({ status: 'IN_PROGRESS', priority: 'HIGH', assignee: { username: 'soporte' } });
    const kinds = r1.data!.updateTicket.ticket.timeline.nodes.map((n: any) => n.kind);
    expect(kinds).toEqual(['CREATED', 'STATUS_CHANGE', 'PRIORITY_CHANGE', 'ASSIGNMENT']);
    expect(r1.data!.updateTicket.ticket.timeline.nodes[1].data).toEqual({ from: 'OPEN', to: 'IN_PROGRESS' });

    const r2 = await support.query<{ updateTicket: any }>(UPDATE, { input: { id, status: 'RESOLVED', note: 'Se cambió el conector' } });
    expect(r2.data!.updateTicket.ticket.resolvedAt).toBeTruthy();
    expect(r2.data!.updateTicket.ticket.timeline.nodes.at(-1)).toMatchObject({ kind: 'STATUS_CHANGE', body: 'Se cambió el conector' });
    await support.query(UPDATE, { input: { id, status: 'CLOSED' } });

    const before = await counts();
    const r3 = await support.query<{ updateTicket: any }>(UPDATE, { input: { id, status: 'IN_PROGRESS', priority: 'LOW' } });
    expect(r3.data!.updateTicket).toEqual({
      __typename: 'InvalidTransitionError',
      from: 'CLOSED',
      to: 'IN_PROGRESS',
      field: 'input.status',
      message: 'A closed ticket cannot become in_progress',
    });
    expect(await counts()).toEqual(before);
    const row = await api.db.pool.query('SELECT priority FROM tickets WHERE id = $1', [
      Number(Buffer.from(id, 'base64').toString().split(':')[1]),
    ]);
    expect(row.rows[0].priority).toBe('HIGH');
  });

  it('take notes', async () => {
    const created = await support.query<{ createTicket: any }>(CREATE, {
      input: { subject: 'Consulta', type: 'ADMINISTRATIVE', connectionId },
    });
    const id = created.data!.createTicket.ticket.id;
    const res = await support.query<{ addTicketNote: any }>(
      `mutation { addTicketNote(ticketId: "${id}", body: "  Llamó de nuevo  ") { ... on AddTicketNoteSuccess { ticket { timeline(first: 5) { nodes { kind body } } } } } }`,
    );
    expect(res.data!.addTicketNote.ticket.timeline.nodes.at(-1)).toEqual({ kind: 'NOTE', body: 'Llamó de nuevo' });
  });

  it('filter by text (accent-insensitive), status, priority and number', async () => {
    await support.query(CREATE, {
      input: { subject: 'Cambio de domicilio en Cosquín', type: 'RELOCATION', connectionId, priority: 'LOW' },
    });
    const res = await support.query<{ tickets: { totalCount: number; nodes: { subject: string }[] } }>(
      '{ tickets(first: 10, filter: { text: "cosquin domicilio", priority: [LOW] }) { totalCount nodes { subject } } }',
    );
    expect(res.data!.tickets.nodes.map((n) => n.subject)).toContain('Cambio de domicilio en Cosquín');
    expect(res.data!.tickets.totalCount).toBe(res.data!.tickets.nodes.length);
    // Status: the new ticket is OPEN; asking only for CLOSED ones leaves it out, OPEN ones keep it.
    const byStatus = async (status: string) =>
      (
        await support.query<{ tickets: { nodes: { subject: string; status: string }[] } }>(
          `{ tickets(first: 50, filter: { text: "cosquin domicilio", status: [${status}] }) { nodes { subject status } } }`,
        )
      ).data!.tickets.nodes;
    expect((await byStatus('OPEN')).map((n) => n.subject)).toContain('Cambio de domicilio en Cosquín');
    expect((await byStatus('CLOSED')).map((n) => n.subject)).not.toContain('Cambio de domicilio en Cosquín');
    expect((await byStatus('CLOSED')).every((n) => n.status === 'CLOSED')).toBe(true);
    // Number: the ticket's number as the text finds that ticket alone.
    const numbered = await support.query<{ tickets: { nodes: { number: number; subject: string }[] } }>(
      '{ tickets(first: 50, filter: { text: "cosquin domicilio" }) { nodes { number subject } } }',
    );
    const number = numbered.data!.tickets.nodes.find((n) => n.subject === 'Cambio de domicilio en Cosquín')!.number;
    const one = await support.query<{ tickets: { nodes: { number: number }[] } }>(
      `{ tickets(first: 50, filter: { text: "${number}" }) { nodes { number } } }`,
    );
    expect(one.data!.tickets.nodes).toEqual([{ number }]);
    // Priority: only LOW ones came back above, and asking for HIGH leaves this LOW ticket out.
    const high = await support.query<{ tickets: { nodes: { subject: string; priority: string }[] } }>(
      '{ tickets(first: 50, filter: { text: "cosquin domicilio", priority: [HIGH] }) { nodes { subject priority } } }',
    );
    expect(high.data!.tickets.nodes.map((n) => n.subject)).not.toContain('Cambio de domicilio en Cosquín');
    const urgent = await support.query<{ tickets: { nodes: { priority: string }[] } }>(
      '{ tickets(first: 20, orderBy: PRIORITY) { nodes { priority } } }',
    );
    const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
    const priorities = urgent.data!.tickets.nodes.map((n) => order.indexOf(n.priority));
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
  });
});

describe('work orders', () => {
  const CREATE_WO = `mutation($input: CreateWorkOrderInput!) { createWorkOrder(input: $input) { __typename
    ... on CreateWorkOrderSuccess { workOrder { id status technician { username } scheduledEnd } }
    ... on Error { code message } } }`;

  async function newTicket(): Promise<string> {
    const res = await support.query<{ createTicket: any }>(CREATE, {
      input: { subject: 'Sin servicio, LOS', type: 'TECHNICAL', connectionId },
    });
    return res.data!.createTicket.ticket.id;
  }

  it('go from planning to completion by the technician, with the measured signal on the ticket', async () => {
    const ticketId = await newTicket();
    const wo = await support.query<{ createWorkOrder: any }>(CREATE_WO, {
      input: { ticketId, type: 'REPAIR', notes: 'Llevar conectores' },
    });
    expect(wo.data!.createWorkOrder.workOrder).toMatchObject({ status: 'PENDING_PLANNING', technician: null });
    const id = wo.data!.createWorkOrder.workOrder.id;

    // The technician cannot see it before it is theirs.
    const hidden = await tech.query<{ startWorkOrder: any }>(`mutation { startWorkOrder(id: "${id}") { __typename } }`);
    expect(hidden.data!.startWorkOrder.__typename).toBe('NotFoundError');

    const scheduled = await support.query<{ scheduleWorkOrder: any }>(
      `mutation($input: ScheduleWorkOrderInput!) { scheduleWorkOrder(input: $input) { ... on ScheduleWorkOrderSuccess { workOrder { status scheduledEnd technician { username } } } } }`,
      { input: { id, technicianId: techUserId, scheduledStart: '2026-12-01T12:00:00.000Z', durationMinutes: 90 } },
    );
    expect(scheduled.data!.scheduleWorkOrder.workOrder).toEqual({
      status: 'SCHEDULED',
      scheduledEnd: '2026-12-01T13:30:00.000Z',
      technician: { username: 'tecnico' },
    });

    const mine = await tech.query<{ workOrders: { nodes: { id: string }[] } }>(
      '{ workOrders(first: 100, filter: { status: [SCHEDULED] }) { nodes { id } } }',
    );
    expect(mine.data!.workOrders.nodes.map((n) => n.id)).toContain(id);
    expect(
      (await tech.query<{ startWorkOrder: any }>(`mutation { startWorkOrder(id: "${id}") { __typename } }`)).data!.startWorkOrder
        .__typename,
    ).toBe('StartWorkOrderSuccess');

    const bad = await tech.query<{ completeWorkOrder: any }>(
      `mutation { completeWorkOrder(input: { id: "${id}", resolutionType: ONU_REPLACED, measuredRxPower: -45 }) { __typename ... on ValidationError { issues { field code } } } }`,
    );
    expect(bad.data!.completeWorkOrder.issues).toEqual([
      { field: 'input.measuredRxPower', code: 'TOO_SHORT' },
      { field: 'input.installedOnuSerial', code: 'REQUIRED' },
    ]);
    const materialId = (await api.db.pool.query(`SELECT id FROM materials WHERE code = 'CONN-SCAPC'`)).rows[0].id;
    // The ONU installed is one the technician carries in their van.
    const carried: string = (
      await api.db.pool.query(
        `SELECT i.serial FROM stock_items i JOIN stock_locations l ON l.id = i.location_id JOIN users u ON u.id = l.technician_id
          WHERE u.username = 'tecnico' AND i.status = 'IN_STOCK' ORDER BY i.serial LIMIT 1`,
      )
    ).rows[0].serial;
    const done = await tech.query<{ completeWorkOrder: any }>(
      `mutation($input: CompleteWorkOrderInput!) { completeWorkOrder(input: $input) { __typename ... on CompleteWorkOrderSuccess { workOrder { status measuredRxPower installedOnuSerial materials { quantity material { code } } ticket { timeline(first: 20) { nodes { kind body } } } } } } }`,
      {
        input: {
          id,
          resolutionType: 'ONU_REPLACED',
          measuredRxPower: -19.5,
          installedOnuSerial: carried.toLowerCase(),
          materials: [{ materialId: String(materialId), quantity: 2 }],
        },
      },
    );
    const w = done.data!.completeWorkOrder.workOrder;
    expect(w).toMatchObject({
      status: 'COMPLETED',
      measuredRxPower: -19.5,
      installedOnuSerial: carried,
      materials: [{ quantity: 2, material: { code: 'CONN-SCAPC' } }],
    });
    expect(w.ticket.timeline.nodes.at(-1)).toEqual({
      kind: 'WORK_ORDER',
      body: `Orden de trabajo #${Buffer.from(id, 'base64').toString().split(':')[1]} completada · señal medida -19.50 dBm`,
    });

    const again = await tech.query<{ completeWorkOrder: any }>(
      `mutation { completeWorkOrder(input: { id: "${id}", resolutionType: OTHER }) { __typename ... on InvalidTransitionError { from to message } } }`,
    );
    expect(again.data!.completeWorkOrder).toEqual({
      __typename: 'InvalidTransitionError',
      from: 'COMPLETED',
      to: 'COMPLETED',
      message: 'A completed work order cannot be completed',
    });
  });

  it('cannot be completed once the ticket is cancelled, and change nothing when refused', async () => {
    const ticketId = await newTicket();
    const wo = await support.query<{ createWorkOrder: any }>(CREATE_WO, {
      input: { ticketId, type: 'REPAIR', technicianId: techUserId, scheduledStart: '2026-12-02T12:00:00Z' },
    });
    const id = wo.data!.createWorkOrder.workOrder.id;
    expect(wo.data!.createWorkOrder.workOrder.status).toBe('SCHEDULED');
    await support.query(`mutation { updateTicket(input: { id: "${ticketId}", status: CANCELLED }) { __typename } }`);
    const before = await counts();
    const res = await tech.query<{ completeWorkOrder: any }>(
      `mutation { completeWorkOrder(input: { id: "${id}", resolutionType: NO_FAULT_FOUND }) { __typename ... on InvalidTransitionError { message } } }`,
    );
    expect(res.data!.completeWorkOrder).toEqual({
      __typename: 'InvalidTransitionError',
      message: 'Its ticket is cancelled: reopen or create a ticket first',
    });
    expect(await counts()).toEqual(before);
    const refused = await support.query<{ createWorkOrder: any }>(CREATE_WO, { input: { ticketId, type: 'REPAIR' } });
    expect(refused.data!.createWorkOrder).toMatchObject({ __typename: 'InvalidTransitionError', code: 'INVALID_TRANSITION' });
  });

  it('record why a visit failed', async () => {
    const ticketId = await newTicket();
    const wo = await support.query<{ createWorkOrder: any }>(CREATE_WO, {
      input: { ticketId, type: 'REPAIR', technicianId: techUserId, scheduledStart: '2026-12-03T12:00:00Z' },
    });
    const id = wo.data!.createWorkOrder.workOrder.id;
    const res = await tech.query<{ failWorkOrder: any }>(
      `mutation { failWorkOrder(input: { id: "${id}", reason: "Cliente ausente" }) { ... on FailWorkOrderSuccess { workOrder { status failureReason } } } }`,
    );
    expect(res.data!.failWorkOrder.workOrder).toEqual({ status: 'FAILED', failureReason: 'Cliente ausente' });
  });
});

describe('sync requests', () => {
  it('queue one run and one job together, and join a second request to the first', async () => {
    const noc = await api.as('noc');
    const REQ =
      'mutation { requestSync(input: { source: SMARTOLT, kind: ONU_STATUS }) { __typename ... on RequestSyncSuccess { syncRun { id status trigger requestedBy { username } } } } }';
    const first = await noc.query<{ requestSync: any }>(REQ);
    expect(first.data!.requestSync.syncRun).toMatchObject({ status: 'QUEUED', trigger: 'manual', requestedBy: { username: 'noc' } });
    const second = await noc.query<{ requestSync: any }>(REQ);
    expect(second.data!.requestSync.syncRun.id).toBe(first.data!.requestSync.syncRun.id);
    const jobs = await api.db.pool.query(
      `SELECT j.task_identifier, p.payload, j.key FROM graphile_worker.jobs j JOIN graphile_worker._private_jobs p ON p.id = j.id`,
    );
    expect(jobs.rows).toHaveLength(1);
    expect(jobs.rows[0]).toMatchObject({
      task_identifier: 'sync_smartolt',
      key: 'sync:SMARTOLT:ONU_STATUS:ALL:all',
      payload: { kind: 'ONU_STATUS', scope: 'ALL' },
    });
    const bad = await noc.query<{ requestSync: any }>(
      'mutation { requestSync(input: { source: ISPCUBE, routerId: "x" }) { __typename ... on ValidationError { field code } } }',
    );
    expect(bad.data!.requestSync).toEqual({ __typename: 'ValidationError', field: 'input.routerId', code: 'UNSUPPORTED' });
  });
});
