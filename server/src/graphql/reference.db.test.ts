/**
 * Reference data on a production install: a fresh database already has the default ticket
 * catalogue (Spanish and English names), and admins create, rename and deactivate teams,
 * categories, reasons, tags and materials through the API — audited, never deleted, and
 * deactivated entries refused for new work while old tickets keep them.
 */
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/api.ts';
import { createTestDatabase } from '../../../test/db.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ subscribers: 20 });
});

type Row = Record<string, any>;
const numeric = (id: string) => Number(decodeGlobalID(id).id);
async function admin<T = Row>(query: string, variables?: Row): Promise<T> {
  const res = await api.as('admin').then((c) => c.query<T>(query, variables));
  expect(res.errors).toBeUndefined();
  return res.data!;
}
const auditOf = async (action: string) =>
  (await api.db.pool.query('SELECT entity_id, before, after FROM audit_entries WHERE action = $1 ORDER BY id', [action])).rows;

describe('a fresh production database', () => {
  it('has the default ticket catalogue from the migrations, in Spanish and English', async () => {
    const database = await createTestDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const categories = await client.query(
        `SELECT c.name, c.name_en, c.type::text, c.active, count(r.id)::int AS reasons, bool_and(r.name_en IS NOT NULL) AS all_en
         FROM ticket_categories c JOIN ticket_reasons r ON r.category_id = c.id GROUP BY c.id ORDER BY c.name`,
      );
      expect(categories.rows.map((c) => [c.name, c.name_en, c.type])).toEqual([
        ['Administrativo', 'Administrative', 'ADMINISTRATIVE'],
        ['Baja', 'Cancellation', 'WITHDRAWAL'],
        ['Instalación', 'Installation', 'INSTALLATION'],
        ['Mudanza', 'Relocation', 'RELOCATION'],
        ['Servicio lento', 'Slow service', 'TECHNICAL'],
        ['Sin servicio', 'No service', 'TECHNICAL'],
      ]);
      expect(categories.rows.every((c) => c.active && c.reasons > 0 && c.all_en)).toBe(true);
      // Nothing else is invented: no users, teams or demo tickets.
      const others = await client.query('SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM teams)::int AS teams');
      expect(others.rows[0]).toEqual({ users: 0, teams: 0 });
    } finally {
      await client.end();
    }
  });
});

describe('teams', () => {
  it('are created with a leader and members, renamed, re-staffed and deactivated, each step audited', async () => {
    const users = await admin<{ users: { nodes: { id: string; username: string }[] } }>('{ users(first: 20) { nodes { id username } } }');
    const id = (u: string) => users.users.nodes.find((n) => n.username === u)!.id;
    const created = await admin(
      `mutation($i: TeamInput!) { createTeam(input: $i) { __typename ... on CreateTeamSuccess { team { id name active leader { username } members { username } } } } }`,
      { i: { name: 'Cuadrilla Oeste', leaderId: id('tecnico'), memberIds: [id('tecnico'), id('tecnico2')] } },
    );
    const team = created.createTeam.team;
    expect(team).toMatchObject({
      name: 'Cuadrilla Oeste',
      active: true,
      leader: { username: 'tecnico' },
      members: [{ username: 'tecnico2' }, { username: 'tecnico' }],
    });

    const UPDATE = `mutation($i: TeamInput!) { updateTeam(input: $i) { __typename
      ... on UpdateTeamSuccess { team { name active leader { username } members { username } } }
      ... on ValidationError { field code } ... on NotFoundError { field } } }`;
    const renamed = await admin(UPDATE, { i: { id: team.id, name: 'Cuadrilla Oeste 2', memberIds: [id('tecnico2')], clearLeader: true } });
    expect(renamed.updateTeam.team).toEqual({ name: 'Cuadrilla Oeste 2', active: true, leader: null, members: [{ username: 'tecnico2' }] });
    // tecnico left the team (a person is in one team at a time).
    const tecnico = await api.db.pool.query('SELECT team_id FROM users WHERE username = $1', ['tecnico']);
    expect(tecnico.rows[0].team_id).toBeNull();

    // A name already in use: typed error, nothing changed.
    const clash = await admin(UPDATE, { i: { id: team.id, name: 'Cuadrilla Norte' } });
    expect(clash.updateTeam).toEqual({ __typename: 'ValidationError', field: 'input.name', code: 'TAKEN' });

    const off = await admin(UPDATE, { i: { id: team.id, active: false } });
    expect(off.updateTeam.team.active).toBe(false);
    const listed = await admin<{ active: { name: string }[]; all: { name: string }[] }>(
      '{ active: teams { name } all: teams(includeInactive: true) { name } }',
    );
    expect(listed.active.map((t) => t.name)).not.toContain('Cuadrilla Oeste 2');
    expect(listed.all.map((t) => t.name)).toContain('Cuadrilla Oeste 2');

    const entries = [...(await auditOf('team.create')), ...(await auditOf('team.update'))];
    expect(entries.map((e) => [e.before?.name ?? null, e.after.name, e.after.active])).toEqual([
      [null, 'Cuadrilla Oeste', true],
      ['Cuadrilla Oeste', 'Cuadrilla Oeste 2', true],
      ['Cuadrilla Oeste 2', 'Cuadrilla Oeste 2', false],
    ]);
    expect(entries[1]!.before.memberIds).toHaveLength(2);
    expect(entries[1]!.after.memberIds).toEqual([numeric(id('tecnico2'))]);
  });

  it('a deactivated team gets no new users', async () => {
    const { teams } = await admin<{ teams: { id: string }[] }>('{ teams { id } }');
    await admin('mutation($i: TeamInput!) { updateTeam(input: $i) { __typename } }', { i: { id: teams[0]!.id, active: false } });
    const res = await admin(
      `mutation($i: CreateUserInput!) { createUser(input: $i) { __typename ... on ValidationError { field code } } }`,
      { i: { username: 'nuevo.tec', name: 'Nuevo Técnico', role: 'TECHNICIAN', teamId: teams[0]!.id, password: 'a-long-password-1' } },
    );
    expect(res.createUser).toEqual({ __typename: 'ValidationError', field: 'input.teamId', code: 'INACTIVE' });
    await admin('mutation($i: TeamInput!) { updateTeam(input: $i) { __typename } }', { i: { id: teams[0]!.id, active: true } });
  });
});

describe('the ticket catalogue', () => {
  const CATEGORY = `mutation($i: TicketCategoryInput!, $u: Boolean!) {
    createTicketCategory(input: $i) @skip(if: $u) { __typename ... on CreateTicketCategorySuccess { category { id name nameEn type active } } ... on ValidationError { field code } }
    updateTicketCategory(input: $i) @include(if: $u) { __typename ... on UpdateTicketCategorySuccess { category { id name nameEn active } } ... on ValidationError { field code } ... on NotFoundError { field } }
  }`;
  const REASON = `mutation($i: TicketReasonInput!, $u: Boolean!) {
    createTicketReason(input: $i) @skip(if: $u) { __typename ... on CreateTicketReasonSuccess { reason { id name nameEn active } } ... on ValidationError { field code } ... on NotFoundError { field } }
    updateTicketReason(input: $i) @include(if: $u) { __typename ... on UpdateTicketReasonSuccess { reason { id name nameEn active } } ... on ValidationError { field code } }
  }`;
  const TICKET = `mutation($i: CreateTicketInput!) { createTicket(input: $i) { __typename ... on CreateTicketSuccess { ticket { id } } ... on ValidationError { field code } } }`;

  it('categories and reasons are created, renamed in both languages and deactivated; deactivated ones are refused for new tickets', async () => {
    const cat = (await admin(CATEGORY, { u: false, i: { name: 'Televisión', nameEn: 'TV', type: 'TECHNICAL' } })).createTicketCategory;
    expect(cat.category).toMatchObject({ name: 'Televisión', nameEn: 'TV', type: 'TECHNICAL', active: true });
    const reason = (await admin(REASON, { u: false, i: { categoryId: cat.category.id, name: 'Sin señal', nameEn: 'No signal' } }))
      .createTicketReason.reason;
    const dup = await admin(REASON, { u: false, i: { categoryId: cat.category.id, name: 'Sin señal' } });
    expect(dup.createTicketReason).toEqual({ __typename: 'ValidationError', field: 'input.name', code: 'TAKEN' });

    const renamed = await admin(CATEGORY, { u: true, i: { id: cat.category.id, name: 'TV por fibra', nameEn: '' } });
    expect(renamed.updateTicketCategory.category).toMatchObject({ name: 'TV por fibra', nameEn: null, active: true });
    const fixedType = await admin(CATEGORY, { u: true, i: { id: cat.category.id, type: 'ADMINISTRATIVE' } });
    expect(fixedType.updateTicketCategory).toEqual({ __typename: 'ValidationError', field: 'input.type', code: 'FIXED' });

    // A ticket under the category, then the reason and the category are deactivated.
    const connection = (await api.db.pool.query('SELECT id FROM connections ORDER BY id LIMIT 1')).rows[0].id;
    const connectionId = encodeGlobalID('Connection', String(connection));
    const base = { subject: 'Sin TV', type: 'TECHNICAL', connectionId, categoryId: cat.category.id, reasonId: reason.id };
    const ok = (await api.as('soporte').then((c) => c.query<Row>(TICKET, { i: base }))).data!.createTicket;
    expect(ok.__typename).toBe('CreateTicketSuccess');

    await admin(REASON, { u: true, i: { id: reason.id, active: false } });
    const noReason = (await api.as('soporte').then((c) => c.query<Row>(TICKET, { i: base }))).data!.createTicket;
    expect(noReason).toEqual({ __typename: 'ValidationError', field: 'input.reasonId', code: 'INACTIVE' });
    await admin(CATEGORY, { u: true, i: { id: cat.category.id, active: false } });
    const noCategory = (await api.as('soporte').then((c) => c.query<Row>(TICKET, { i: { ...base, reasonId: null } }))).data!.createTicket;
    expect(noCategory).toEqual({ __typename: 'ValidationError', field: 'input.categoryId', code: 'INACTIVE' });

    // The old ticket keeps its category; lists hide deactivated entries unless asked.
    const kept = await api.db.pool.query('SELECT category_id, reason_id FROM tickets WHERE id = $1', [numeric(ok.ticket.id)]);
    expect(kept.rows[0]).toEqual({ category_id: Number(cat.category.id), reason_id: Number(reason.id) });
    const lists = await admin<Row>(
      '{ active: ticketCategories { name } all: ticketCategories(includeInactive: true) { name reasons(includeInactive: true) { name active } } }',
    );
    expect(lists.active.map((c: Row) => c.name)).not.toContain('TV por fibra');
    expect(lists.all.find((c: Row) => c.name === 'TV por fibra').reasons).toEqual([{ name: 'Sin señal', active: false }]);
    expect((await auditOf('ticketCategory.update')).map((e) => e.after.active)).toEqual([true, false]);
    expect(await auditOf('ticketReason.create')).toHaveLength(1);
  });

  it('rejects bad input with a typed error and changes nothing', async () => {
    const before = (await api.db.pool.query('SELECT count(*)::int AS n FROM ticket_categories')).rows[0].n;
    const short = await admin(CATEGORY, { u: false, i: { name: 'x', type: 'TECHNICAL' } });
    expect(short.createTicketCategory).toEqual({ __typename: 'ValidationError', field: 'input.name', code: 'TOO_SHORT' });
    const noType = await admin(CATEGORY, { u: false, i: { name: 'Sin tipo' } });
    expect(noType.createTicketCategory).toEqual({ __typename: 'ValidationError', field: 'input.type', code: 'REQUIRED' });
    const missing = await admin(CATEGORY, { u: true, i: { id: '999999', name: 'Nada' } });
    expect(missing.updateTicketCategory).toEqual({ __typename: 'NotFoundError', field: 'input.id' });
    expect((await api.db.pool.query('SELECT count(*)::int AS n FROM ticket_categories')).rows[0].n).toBe(before);
  });
});

describe('tags and materials', () => {
  it('a deactivated tag cannot be put on a ticket; a rename shows on every ticket', async () => {
    const created = await admin(
      'mutation { createTag(input: { name: "Fibra-Nueva" }) { ... on CreateTagSuccess { tag { id name active } } } }',
    );
    expect(created.createTag.tag).toMatchObject({ name: 'fibra-nueva', active: true });
    const tagId = created.createTag.tag.id;
    const connection = (await api.db.pool.query('SELECT id FROM connections ORDER BY id LIMIT 1')).rows[0].id;
    const input = { subject: 'Etiquetado', type: 'TECHNICAL', connectionId: encodeGlobalID('Connection', String(connection)) };
    const TICKET = `mutation($i: CreateTicketInput!) { createTicket(input: $i) { __typename ... on CreateTicketSuccess { ticket { id tags } } ... on ValidationError { field code } } }`;
    const soporte = await api.as('soporte');
    const tagged = (await soporte.query<Row>(TICKET, { i: { ...input, tags: ['fibra-nueva'] } })).data!.createTicket;
    expect(tagged.ticket.tags).toEqual(['fibra-nueva']);

    await admin('mutation($i: TagInput!) { updateTag(input: $i) { __typename } }', { i: { id: tagId, name: 'fibra-2027', active: false } });
    const refused = (await soporte.query<Row>(TICKET, { i: { ...input, tags: ['fibra-2027'] } })).data!.createTicket;
    expect(refused).toEqual({ __typename: 'ValidationError', field: 'input.tags', code: 'INACTIVE' });
    const again = await soporte.query<Row>('query($id: ID!) { ticket(id: $id) { tags } }', { id: tagged.ticket.id });
    expect(again.data!.ticket.tags).toEqual(['fibra-2027']);
    const tags = await admin<Row>('{ tags(includeInactive: true) { name active ticketCount } }');
    expect(tags.tags.find((t: Row) => t.name === 'fibra-2027')).toEqual({ name: 'fibra-2027', active: false, ticketCount: 1 });
  });

  it('materials keep their code; a deactivated one cannot be recorded on a visit', async () => {
    const MATERIAL = `mutation($i: MaterialInput!) { createMaterial(input: $i) { __typename ... on CreateMaterialSuccess { material { id code name unit active } } ... on ValidationError { field code } } }`;
    const made = await admin(MATERIAL, { i: { code: 'splitter-1x8', name: 'Splitter 1x8', unit: 'u' } });
    expect(made.createMaterial.material).toMatchObject({ code: 'SPLITTER-1X8', name: 'Splitter 1x8', unit: 'u', active: true });
    const dup = await admin(MATERIAL, { i: { code: 'SPLITTER-1X8', name: 'Otro', unit: 'u' } });
    expect(dup.createMaterial).toEqual({ __typename: 'ValidationError', field: 'input.code', code: 'TAKEN' });
    const UPDATE = `mutation($i: MaterialInput!) { updateMaterial(input: $i) { __typename ... on UpdateMaterialSuccess { material { name active } } ... on ValidationError { field code } } }`;
    const fixed = await admin(UPDATE, { i: { id: made.createMaterial.material.id, code: 'OTHER' } });
    expect(fixed.updateMaterial).toEqual({ __typename: 'ValidationError', field: 'input.code', code: 'FIXED' });
    const off = await admin(UPDATE, { i: { id: made.createMaterial.material.id, name: 'Splitter PLC 1x8', active: false } });
    expect(off.updateMaterial.material).toEqual({ name: 'Splitter PLC 1x8', active: false });

    // Completing a visit with it is refused, and the work order stays as it was.
    // A visit under way: completing it with that material is refused, and it stays as it was.
    const ticket = (await api.db.pool.query(`SELECT id FROM tickets WHERE status = 'OPEN' ORDER BY id LIMIT 1`)).rows[0];
    const tecnico = (await api.db.pool.query(`SELECT id FROM users WHERE username = 'tecnico'`)).rows[0];
    const created = await admin(
      `mutation($i: CreateWorkOrderInput!) { createWorkOrder(input: $i) { ... on CreateWorkOrderSuccess { workOrder { id } } } }`,
      {
        i: {
          ticketId: encodeGlobalID('Ticket', String(ticket.id)),
          type: 'REPAIR',
          technicianId: encodeGlobalID('User', String(tecnico.id)),
          scheduledStart: new Date().toISOString(),
        },
      },
    );
    const woId = created.createWorkOrder.workOrder.id;
    const started = await admin('mutation($id: ID!) { startWorkOrder(id: $id) { __typename } }', { id: woId });
    expect(started.startWorkOrder.__typename).toBe('StartWorkOrderSuccess');
    const res = await admin(
      `mutation($i: CompleteWorkOrderInput!) { completeWorkOrder(input: $i) { __typename ... on ValidationError { field code } } }`,
      { i: { id: woId, resolutionType: 'OTHER', materials: [{ materialId: made.createMaterial.material.id, quantity: 1 }] } },
    );
    expect(res.completeWorkOrder).toEqual({ __typename: 'ValidationError', field: 'input.materials.0.materialId', code: 'INACTIVE' });
    expect((await api.db.pool.query('SELECT status::text FROM work_orders WHERE id = $1', [numeric(woId)])).rows[0].status).toBe(
      'IN_PROGRESS',
    );
    const listed = await admin<Row>('{ active: materials { code } all: materials(includeInactive: true) { code } }');
    expect(listed.active.map((m: Row) => m.code)).not.toContain('SPLITTER-1X8');
    expect(listed.all.map((m: Row) => m.code)).toContain('SPLITTER-1X8');
  });
});
