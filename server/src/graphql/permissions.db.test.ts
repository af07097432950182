/**
 * The authorization contract: every root query, mutation and subscription field × every
 * role, and node(id) for every type. A new root field without an entry here fails the suite.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, errorCode, type Caller, type GraphQLResponse, type TestApi } from '../../../test/api.ts';
import { type GraphQLEnumType, parse, subscribe } from 'graphql';
import { AddressThrottle } from '../auth/throttle.ts';
import { resolveActor } from '../auth/tokens.ts';
import type { Context } from './context.ts';
import { schema } from './schema/index.ts';

type Role = 'ADMIN' | 'NOC' | 'SUPPORT' | 'TECHNICIAN';
type Who = Role | 'ANON';
/** The roles the schema declares (a new role must get its row here), and anonymous callers. */
const SCHEMA_ROLES = (schema.getType('Role') as GraphQLEnumType).getValues().map((v) => v.name) as Role[];
const ROLES: Who[] = [...SCHEMA_ROLES, 'ANON'];
const STAFF: Who[] = ['ADMIN', 'NOC', 'SUPPORT'];
const SIGNED_IN: Who[] = [...SCHEMA_ROLES];
const DEVICE_ACTORS: Who[] = ['ADMIN', 'NOC', 'SUPPORT', 'TECHNICIAN'];
/**
 * API keys act as their owner's role (an admin's here) within their scopes: a READ key may
 * query and subscribe, only a WRITE key may change anything.
 */
type KeyRow = 'ADMIN_KEY_READ' | 'ADMIN_KEY_WRITE';
const KEY_ROWS: KeyRow[] = ['ADMIN_KEY_READ', 'ADMIN_KEY_WRITE'];
const keyCallers = {} as Record<KeyRow, Caller>;

let api: TestApi;
const callers = {} as Record<Who, Caller>;
const ids: Record<string, string> = {};
const gid = (type: string, id: number | string) => encodeGlobalID(type, String(id));

beforeAll(async () => {
  api = await createTestApi({ subscribers: 120 });
  callers.ADMIN = await api.as('admin');
  callers.NOC = await api.as('noc');
  callers.SUPPORT = await api.as('soporte');
  callers.TECHNICIAN = await api.as('tecnico');
  callers.ANON = api.anonymous;
  const one = async (sql: string): Promise<number> => Number((await api.db.pool.query(sql)).rows[0]!.id);
  // Objects NOT hanging off the technician's work orders.
  const techConnections = `(SELECT t.connection_id FROM work_orders w JOIN tickets t ON t.id = w.ticket_id JOIN users u ON u.id = w.technician_id WHERE u.username = 'tecnico' AND t.connection_id IS NOT NULL)`;
  const connection = await one(`SELECT id FROM connections WHERE id NOT IN ${techConnections} ORDER BY id LIMIT 1`);
  const customer = await one(`SELECT customer_id AS id FROM connections WHERE id = ${connection}`);
  const router = await one('SELECT id FROM routers LIMIT 1');
  await api.db.pool.query(
    `INSERT INTO ppp_session_history (router_id, name, connection_id, started_at, ended_at, duration_seconds) VALUES (${router}, 'x', ${connection}, now() - interval '1 hour', now(), 3600)`,
  );
  const olt = await one('SELECT id FROM olts LIMIT 1');
  const ponPort = await one('SELECT id FROM pon_ports LIMIT 1');
  await api.db.pool.query(
    `INSERT INTO incidents (kind, title, opened_at, pon_port_id, olt_id, updated_at) VALUES ('FIBRE_CUT', 'Corte', now(), ${ponPort}, ${olt}, now())`,
  );
  await api.db.pool.query(
    `INSERT INTO maintenance_windows (title, starts_at, ends_at, olt_id) VALUES ('Cambio de placa', now(), now() + interval '1 hour', ${olt})`,
  );
  await api.db.pool.query(
    `INSERT INTO webhooks (name, url, secret) VALUES ('chat', 'https://hooks.example.net/x', 'a-secret-of-16-chars')`,
  );
  await api.db.pool.query(`INSERT INTO notification_rules (name, roles, channels) VALUES ('NOC', '{NOC}', '{EMAIL}')`);
  const key = await callers.ADMIN.query<{ createApiKey: { created: { apiKey: { id: string } } } }>(
    'mutation { createApiKey(input: { name: "matrix", scopes: [READ] }) { ... on CreateApiKeySuccess { created { apiKey { id } } } } }',
  );
  for (const [row, scopes] of [
    ['ADMIN_KEY_READ', '[READ]'],
    ['ADMIN_KEY_WRITE', '[READ, WRITE]'],
  ] as const) {
    const made = await callers.ADMIN.query<{ createApiKey: { created: { token: string } } }>(
      `mutation { createApiKey(input: { name: "${row}", scopes: ${scopes} }) { ... on CreateApiKeySuccess { created { token } } } }`,
    );
    keyCallers[row] = api.caller(made.data!.createApiKey.created.token);
  }
  Object.assign(ids, {
    Customer: gid('Customer', customer),
    Connection: gid('Connection', connection),
    Router: gid('Router', router),
    PppSecret: gid(
      'PppSecret',
      await one(
        `SELECT id FROM ppp_secrets WHERE connection_id IS DISTINCT FROM ${connection} AND (connection_id IS NULL OR connection_id NOT IN ${techConnections}) LIMIT 1`,
      ),
    ),
    PppSession: gid('PppSession', await one(`SELECT id FROM ppp_sessions WHERE connection_id NOT IN ${techConnections} LIMIT 1`)),
    PppSessionRecord: gid('PppSessionRecord', await one('SELECT id FROM ppp_session_history LIMIT 1')),
    Olt: gid('Olt', olt),
    PonPort: gid('PonPort', ponPort),
    Onu: gid('Onu', await one(`SELECT id FROM onus WHERE connection_id IS NULL OR connection_id NOT IN ${techConnections} LIMIT 1`)),
    Plan: gid('Plan', await one('SELECT id FROM plans LIMIT 1')),
    User: gid('User', await one(`SELECT id FROM users WHERE username = 'noc'`)),
    Team: gid('Team', await one('SELECT id FROM teams LIMIT 1')),
    ApiKey: key.data!.createApiKey.created.apiKey.id,
    Ticket: gid(
      'Ticket',
      await one(
        `SELECT id FROM tickets WHERE id NOT IN (SELECT ticket_id FROM work_orders w JOIN users u ON u.id = w.technician_id WHERE u.username = 'tecnico') LIMIT 1`,
      ),
    ),
    WorkOrder: gid(
      'WorkOrder',
      await one(`SELECT w.id FROM work_orders w JOIN users u ON u.id = w.technician_id WHERE u.username = 'tecnico2' LIMIT 1`),
    ),
    SyncRun: gid('SyncRun', await one('SELECT id FROM sync_runs LIMIT 1')),
    Incident: gid('Incident', await one('SELECT id FROM incidents LIMIT 1')),
    AuditEntry: gid('AuditEntry', await one('SELECT id FROM audit_entries LIMIT 1')),
    MaintenanceWindow: gid('MaintenanceWindow', await one('SELECT id FROM maintenance_windows LIMIT 1')),
    NotificationRule: gid('NotificationRule', await one('SELECT id FROM notification_rules LIMIT 1')),
    Webhook: gid('Webhook', await one('SELECT id FROM webhooks LIMIT 1')),
    // The warehouse, and a unit in it: not a technician's.
    StockLocation: gid('StockLocation', await one(`SELECT id FROM stock_locations WHERE kind = 'WAREHOUSE' LIMIT 1`)),
    StockItem: gid(
      'StockItem',
      await one(`SELECT i.id FROM stock_items i JOIN stock_locations l ON l.id = i.location_id WHERE l.kind = 'WAREHOUSE' LIMIT 1`),
    ),
  });
});

/** Each root field: a document exercising it, and who may use it. */
const QUERIES: Record<string, { doc: () => string; allowed: Who[] }> = {
  health: { doc: () => '{ health { ok } }', allowed: ROLES },
  me: { doc: () => '{ me { username } }', allowed: SIGNED_IN },
  node: { doc: () => `{ node(id: "${ids.Plan}") { id } }`, allowed: SIGNED_IN },
  nodes: { doc: () => `{ nodes(ids: ["${ids.Plan}"]) { id } }`, allowed: SIGNED_IN },
  search: { doc: () => '{ search(query: "perez") { hits { kind } } }', allowed: STAFF },
  diagnose: { doc: () => `{ diagnose(connectionId: "${ids.Connection}") { __typename } }`, allowed: STAFF },
  customers: { doc: () => '{ customers(first: 1) { totalCount } }', allowed: STAFF },
  customer: { doc: () => `{ customer(id: "${ids.Customer}") { name } }`, allowed: STAFF },
  connection: { doc: () => `{ connection(id: "${ids.Connection}") { pppoeUsername } }`, allowed: STAFF },
  connectionByUsername: { doc: () => '{ connectionByUsername(username: "nobody") { id } }', allowed: STAFF },
  plans: { doc: () => '{ plans { name } }', allowed: STAFF },
  routers: { doc: () => '{ routers(first: 1) { totalCount } }', allowed: STAFF },
  router: { doc: () => `{ router(id: "${ids.Router}") { name } }`, allowed: STAFF },
  pppSessions: { doc: () => '{ pppSessions(first: 1) { totalCount } }', allowed: STAFF },
  pppSecrets: { doc: () => '{ pppSecrets(first: 1) { totalCount } }', allowed: STAFF },
  olts: { doc: () => '{ olts { name } }', allowed: STAFF },
  olt: { doc: () => `{ olt(id: "${ids.Olt}") { name } }`, allowed: STAFF },
  ponPort: { doc: () => `{ ponPort(id: "${ids.PonPort}") { label } }`, allowed: STAFF },
  onus: { doc: () => '{ onus(first: 1) { totalCount } }', allowed: STAFF },
  onu: { doc: () => `{ onu(id: "${ids.Onu}") { serial } }`, allowed: STAFF },
  onuBySerial: { doc: () => '{ onuBySerial(serial: "NOPE0000") { id } }', allowed: STAFF },
  networkSummary: { doc: () => '{ networkSummary { sessionsUp } }', allowed: STAFF },
  incidents: { doc: () => '{ incidents(first: 1) { totalCount } }', allowed: STAFF },
  incident: { doc: () => `{ incident(id: "${ids.Incident}") { title timeline(first: 5) { edges { node { kind } } } } }`, allowed: STAFF },
  incidentStats: { doc: () => '{ incidentStats(from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { count } }', allowed: STAFF },
  maintenanceWindows: { doc: () => '{ maintenanceWindows { title } }', allowed: STAFF },
  notificationRules: { doc: () => '{ notificationRules { name } }', allowed: ['ADMIN'] },
  webhooks: { doc: () => '{ webhooks { name url } }', allowed: ['ADMIN'] },
  notificationDeliveries: { doc: () => '{ notificationDeliveries(first: 1) { totalCount } }', allowed: ['ADMIN'] },
  tickets: { doc: () => '{ tickets(first: 1) { totalCount } }', allowed: ['ADMIN', 'SUPPORT', 'TECHNICIAN'] },
  ticket: { doc: () => `{ ticket(id: "${ids.Ticket}") { subject } }`, allowed: ['ADMIN', 'SUPPORT'] },
  ticketCategories: { doc: () => '{ ticketCategories { name } }', allowed: ['ADMIN', 'SUPPORT'] },
  workOrders: { doc: () => '{ workOrders(first: 1) { totalCount } }', allowed: ['ADMIN', 'SUPPORT', 'TECHNICIAN'] },
  workOrder: { doc: () => `{ workOrder(id: "${ids.WorkOrder}") { status } }`, allowed: ['ADMIN', 'SUPPORT'] },
  materials: { doc: () => '{ materials { name } }', allowed: ['ADMIN', 'SUPPORT', 'TECHNICIAN'] },
  users: { doc: () => '{ users(first: 1) { totalCount } }', allowed: ['ADMIN', 'SUPPORT', 'NOC'] },
  teams: { doc: () => '{ teams { name } }', allowed: ['ADMIN', 'SUPPORT', 'TECHNICIAN'] },
  tags: { doc: () => '{ tags { name } }', allowed: ['ADMIN', 'SUPPORT'] },
  apiKeys: { doc: () => '{ apiKeys { name } }', allowed: ['ADMIN'] },
  auditEntries: { doc: () => '{ auditEntries(first: 1) { totalCount } }', allowed: ['ADMIN'] },
  syncRuns: { doc: () => '{ syncRuns(first: 1) { totalCount } }', allowed: ['ADMIN', 'NOC'] },
  syncRun: { doc: () => `{ syncRun(id: "${ids.SyncRun}") { status } }`, allowed: ['ADMIN', 'NOC'] },
  sourceFreshness: { doc: () => '{ sourceFreshness { scopeKey } }', allowed: STAFF },
  smartoltBudget: { doc: () => '{ smartoltBudget { remaining } }', allowed: STAFF },
  topTalkers: { doc: () => '{ topTalkers { downBps } }', allowed: STAFF },
  map: { doc: () => '{ map(bbox: { west: -66, south: -33, east: -63, north: -30 }, zoom: 10) { total } }', allowed: STAFF },
  mapPonPorts: { doc: () => '{ mapPonPorts(bbox: { west: -66, south: -33, east: -63, north: -30 }) { label } }', allowed: STAFF },
  mapOlts: { doc: () => '{ mapOlts { name } }', allowed: STAFF },
  stockLocations: { doc: () => '{ stockLocations { name } }', allowed: SIGNED_IN },
  stockItems: { doc: () => '{ stockItems(first: 1) { totalCount } }', allowed: SIGNED_IN },
  stockItem: { doc: () => '{ stockItem(serial: "HWTC00000000") { serial } }', allowed: STAFF },
  stockMoves: { doc: () => '{ stockMoves(first: 1) { nodes { reason } } }', allowed: STAFF },
  lowStock: { doc: () => '{ lowStock { quantity } }', allowed: SIGNED_IN },
  mapExtent: { doc: () => '{ mapExtent { west } }', allowed: STAFF },
  mapSettings: { doc: () => '{ mapSettings { attribution } }', allowed: SIGNED_IN },
  unlocatedConnections: { doc: () => '{ unlocatedConnections(first: 1) { totalCount } }', allowed: STAFF },
};

/** Mutations are exercised with input that fails validation: allowed callers get a typed error, others are refused. */
const MUTATIONS: Record<string, { doc: () => string; allowed: Who[]; freshSession?: boolean }> = {
  login: { doc: () => 'mutation { login(username: "", password: "x") { __typename } }', allowed: ROLES },
  logout: { doc: () => 'mutation { logout }', allowed: SIGNED_IN, freshSession: true },
  createTicket: {
    doc: () => 'mutation { createTicket(input: { subject: "x", type: TECHNICAL }) { __typename } }',
    allowed: ['ADMIN', 'SUPPORT'],
  },
  createTicketFromDiagnosis: {
    doc: () => `mutation { createTicketFromDiagnosis(input: { connectionId: "${ids.Connection}" }) { __typename } }`,
    allowed: ['ADMIN', 'SUPPORT'],
  },
  updateTicket: {
    doc: () => `mutation { updateTicket(input: { id: "${ids.Ticket}", subject: "" }) { __typename } }`,
    allowed: ['ADMIN', 'SUPPORT'],
  },
  bulkScheduleWorkOrders: {
    doc: () => `mutation { bulkScheduleWorkOrders(input: { ids: [] }) { __typename } }`,
    allowed: ['ADMIN', 'SUPPORT'],
  },
  bulkUpdateTickets: {
    doc: () => `mutation { bulkUpdateTickets(input: { ids: [] }) { __typename } }`,
    allowed: ['ADMIN', 'SUPPORT'],
  },
  addTicketNote: {
    doc: () => `mutation { addTicketNote(ticketId: "${ids.Ticket}", body: " ") { __typename } }`,
    allowed: ['ADMIN', 'SUPPORT'],
  },
  createWorkOrder: {
    doc: () => 'mutation { createWorkOrder(input: { ticketId: "bad", type: REPAIR }) { __typename } }',
    allowed: ['ADMIN', 'SUPPORT'],
  },
  scheduleWorkOrder: {
    doc: () => 'mutation { scheduleWorkOrder(input: { id: "bad", scheduledStart: "2030-01-01T10:00:00Z" }) { __typename } }',
    allowed: ['ADMIN', 'SUPPORT'],
  },
  startWorkOrder: { doc: () => 'mutation { startWorkOrder(id: "bad") { __typename } }', allowed: ['ADMIN', 'SUPPORT', 'TECHNICIAN'] },
  completeWorkOrder: {
    doc: () => 'mutation { completeWorkOrder(input: { id: "bad", resolutionType: OTHER }) { __typename } }',
    allowed: ['ADMIN', 'SUPPORT', 'TECHNICIAN'],
  },
  failWorkOrder: {
    doc: () => 'mutation { failWorkOrder(input: { id: "bad", reason: "x" }) { __typename } }',
    allowed: ['ADMIN', 'SUPPORT', 'TECHNICIAN'],
  },
  createUser: {
    doc: () => 'mutation { createUser(input: { username: "x", name: "y", role: NOC, password: "z" }) { __typename } }',
    allowed: ['ADMIN'],
  },
  updateUser: { doc: () => 'mutation { updateUser(input: { id: "bad" }) { __typename } }', allowed: SIGNED_IN },
  deactivateUser: { doc: () => 'mutation { deactivateUser(id: "bad") { __typename } }', allowed: ['ADMIN'] },
  unlockUser: { doc: () => 'mutation { unlockUser(id: "bad") { __typename } }', allowed: ['ADMIN'] },
  createApiKey: { doc: () => 'mutation { createApiKey(input: { name: "x", scopes: [] }) { __typename } }', allowed: ['ADMIN'] },
  revokeApiKey: { doc: () => 'mutation { revokeApiKey(id: "bad") { __typename } }', allowed: ['ADMIN'] },
  acknowledgeIncident: { doc: () => 'mutation { acknowledgeIncident(id: "bad") { __typename } }', allowed: ['ADMIN', 'NOC'] },
  assignIncident: { doc: () => 'mutation { assignIncident(id: "bad") { __typename } }', allowed: ['ADMIN', 'NOC'] },
  addIncidentNote: { doc: () => 'mutation { addIncidentNote(id: "bad", body: "x") { __typename } }', allowed: STAFF },
  resolveIncident: { doc: () => 'mutation { resolveIncident(id: "bad", note: "x") { __typename } }', allowed: ['ADMIN', 'NOC'] },
  closeIncidentTickets: { doc: () => 'mutation { closeIncidentTickets(id: "bad", note: "x") { __typename } }', allowed: ['ADMIN', 'NOC'] },
  linkTicketToIncident: { doc: () => 'mutation { linkTicketToIncident(id: "bad", ticketId: "bad") { __typename } }', allowed: STAFF },
  createMaintenanceWindow: {
    doc: () =>
      'mutation { createMaintenanceWindow(input: { title: "", startsAt: "2030-01-01T10:00:00Z", endsAt: "2030-01-01T09:00:00Z" }) { __typename } }',
    allowed: ['ADMIN', 'NOC'],
  },
  cancelMaintenanceWindow: { doc: () => 'mutation { cancelMaintenanceWindow(id: "bad") { __typename } }', allowed: ['ADMIN', 'NOC'] },
  createNotificationRule: {
    doc: () => 'mutation { createNotificationRule(input: { name: "", channels: [] }) { __typename } }',
    allowed: ['ADMIN'],
  },
  updateNotificationRule: {
    doc: () => 'mutation { updateNotificationRule(id: "bad", input: { name: "", channels: [] }) { __typename } }',
    allowed: ['ADMIN'],
  },
  deleteNotificationRule: {
    doc: () => `mutation { deleteNotificationRule(id: "${gid('NotificationRule', 999_999)}") }`,
    allowed: ['ADMIN'],
  },
  createWebhook: { doc: () => 'mutation { createWebhook(input: { name: "", url: "x" }) { __typename } }', allowed: ['ADMIN'] },
  updateWebhook: { doc: () => 'mutation { updateWebhook(id: "bad", input: { name: "", url: "x" }) { __typename } }', allowed: ['ADMIN'] },
  createTeam: { doc: () => 'mutation { createTeam(input: { name: "" }) { __typename } }', allowed: ['ADMIN'] },
  updateTeam: { doc: () => 'mutation { updateTeam(input: { id: "bad" }) { __typename } }', allowed: ['ADMIN'] },
  createTicketCategory: { doc: () => 'mutation { createTicketCategory(input: { name: "" }) { __typename } }', allowed: ['ADMIN'] },
  updateTicketCategory: { doc: () => 'mutation { updateTicketCategory(input: { id: "bad" }) { __typename } }', allowed: ['ADMIN'] },
  createTicketReason: { doc: () => 'mutation { createTicketReason(input: { categoryId: "bad" }) { __typename } }', allowed: ['ADMIN'] },
  updateTicketReason: { doc: () => 'mutation { updateTicketReason(input: { id: "bad" }) { __typename } }', allowed: ['ADMIN'] },
  createTag: { doc: () => 'mutation { createTag(input: { name: "" }) { __typename } }', allowed: ['ADMIN'] },
  updateTag: { doc: () => 'mutation { updateTag(input: { id: "bad" }) { __typename } }', allowed: ['ADMIN'] },
  createMaterial: { doc: () => 'mutation { createMaterial(input: { code: "" }) { __typename } }', allowed: ['ADMIN'] },
  saveStockLocation: { doc: () => 'mutation { saveStockLocation(input: { name: "" }) { __typename } }', allowed: ['ADMIN', 'SUPPORT'] },
  receiveStock: {
    doc: () => 'mutation { receiveStock(input: { materialId: "0", reason: "" }) { __typename } }',
    allowed: ['ADMIN', 'SUPPORT'],
  },
  transferStock: {
    doc: () => 'mutation { transferStock(input: { materialId: "0", reason: "" }) { __typename } }',
    allowed: ['ADMIN', 'SUPPORT'],
  },
  adjustStock: {
    doc: () => `mutation { adjustStock(locationId: "${ids.StockLocation}", materialId: "0", quantity: 1, reason: "") { __typename } }`,
    allowed: ['ADMIN', 'SUPPORT'],
  },
  setStockThreshold: {
    doc: () => `mutation { setStockThreshold(locationId: "${ids.StockLocation}", materialId: "0", minQuantity: -1) { __typename } }`,
    allowed: ['ADMIN', 'SUPPORT'],
  },
  markStockItemFaulty: {
    doc: () => 'mutation { markStockItemFaulty(serial: "NOPE0000", reason: "") { __typename } }',
    allowed: ['ADMIN', 'SUPPORT'],
  },
  returnStockItem: {
    doc: () => `mutation { returnStockItem(serial: "NOPE0000", locationId: "${ids.StockLocation}", reason: "") { __typename } }`,
    allowed: ['ADMIN', 'SUPPORT'],
  },
  updateMaterial: { doc: () => 'mutation { updateMaterial(input: { id: "bad" }) { __typename } }', allowed: ['ADMIN'] },
  addContact: { doc: () => 'mutation { addContact(channel: EMAIL, address: "not-an-address") { __typename } }', allowed: SIGNED_IN },
  removeContact: { doc: () => 'mutation { removeContact(id: "999999") }', allowed: SIGNED_IN },
  requestSync: {
    doc: () => 'mutation { requestSync(input: { source: ISPCUBE, kind: SESSIONS }) { __typename } }',
    allowed: ['ADMIN', 'NOC'],
  },
  // Device actions: support, NOC, admins; technicians too (then only on their work orders' connections: deviceActions.db.test.ts).
  ...Object.fromEntries(
    ['disconnectSession', 'disableSecret', 'enableSecret', 'rebootOnu', 'resyncOnu', 'disableOnu', 'enableOnu'].map((name) => [
      name,
      {
        doc: () => `mutation { ${name}(input: { connectionId: "${ids.Connection}", reason: "" }) { __typename } }`,
        allowed: DEVICE_ACTORS,
      },
    ]),
  ),
  setSecretProfile: {
    doc: () => `mutation { setSecretProfile(input: { connectionId: "${ids.Connection}", reason: "", profile: "x" }) { __typename } }`,
    allowed: DEVICE_ACTORS,
  },
};

const NODE_TYPES: Record<string, Who[]> = {
  Customer: STAFF,
  Connection: STAFF,
  Router: STAFF,
  PppSecret: STAFF,
  PppSession: STAFF,
  PppSessionRecord: STAFF,
  Olt: STAFF,
  PonPort: STAFF,
  Onu: STAFF,
  Plan: SIGNED_IN,
  User: SIGNED_IN,
  Team: SIGNED_IN,
  ApiKey: ['ADMIN'],
  Ticket: ['ADMIN', 'SUPPORT'],
  WorkOrder: ['ADMIN', 'SUPPORT'],
  SyncRun: ['ADMIN', 'NOC'],
  Incident: STAFF,
  AuditEntry: ['ADMIN'],
  MaintenanceWindow: STAFF,
  StockLocation: STAFF,
  StockItem: STAFF,
  NotificationRule: ['ADMIN'],
  Webhook: ['ADMIN'],
};

const USERNAMES: Record<Role, string> = { ADMIN: 'admin', NOC: 'noc', SUPPORT: 'soporte', TECHNICIAN: 'tecnico' };

/** A separate session (for mutations that end it). */
async function freshCaller(who: Exclude<Who, 'ANON'>): Promise<Caller> {
  const res = await api.anonymous.query<{ login: { session: { token: string } } }>(
    `mutation { login(username: "${USERNAMES[who]}", password: "emerald-demo", returnToken: true) { ... on LoginSuccess { session { token } } } }`,
  );
  return api.caller(res.data!.login.session.token);
}

const denial = (who: Who): string => (who === 'ANON' ? 'UNAUTHENTICATED' : 'FORBIDDEN');

const SUBSCRIPTIONS: Record<string, { doc: () => string; allowed: Who[] }> = {
  onuStatusChanged: { doc: () => 'subscription { onuStatusChanged { resync } }', allowed: STAFF },
  pppSessionChanged: { doc: () => 'subscription { pppSessionChanged { resync } }', allowed: STAFF },
  connectionChanged: { doc: () => `subscription { connectionChanged(id: "${ids.Connection}") { resync } }`, allowed: STAFF },
  networkSummary: { doc: () => 'subscription { networkSummary { at } }', allowed: STAFF },
  incidentChanged: { doc: () => 'subscription { incidentChanged { resync } }', allowed: STAFF },
  syncRunChanged: { doc: () => 'subscription { syncRunChanged { resync } }', allowed: ['ADMIN', 'NOC'] },
};

/**
 * An allowed call is answered with no error of any kind (bad input comes back as typed
 * data); a denied one gets `denied` and no data for the field.
 */
function expectOutcome(res: GraphQLResponse, field: string, allowed: boolean, denied: string): void {
  if (allowed) {
    expect(res.errors ?? []).toEqual([]);
    expect(res.data?.[field]).toBeDefined();
  } else {
    expect(errorCode(res)).toBe(denied);
    expect(res.data?.[field] ?? null).toBeNull();
  }
}

describe('authorization matrix', () => {
  it('covers every role the schema declares', () => {
    expect(SCHEMA_ROLES.length).toBeGreaterThan(0);
    for (const role of SCHEMA_ROLES) {
      expect(USERNAMES, `a signed-in caller for ${role}`).toHaveProperty(role);
      expect(callers[role], `a caller for ${role}`).toBeDefined();
    }
  });

  it('covers every root field and every node type', () => {
    expect(Object.keys(SUBSCRIPTIONS).sort()).toEqual(Object.keys(schema.getSubscriptionType()!.getFields()).sort());
    expect(Object.keys(QUERIES).sort()).toEqual(Object.keys(schema.getQueryType()!.getFields()).sort());
    expect(Object.keys(MUTATIONS).sort()).toEqual(Object.keys(schema.getMutationType()!.getFields()).sort());
    const nodeTypes = schema
      .getPossibleTypes(schema.getType('Node') as never)
      .map((t) => t.name)
      .sort();
    expect(Object.keys(NODE_TYPES).sort()).toEqual(nodeTypes);
  });

  for (const [field, spec] of Object.entries(QUERIES)) {
    for (const who of ROLES) {
      const allowed = spec.allowed.includes(who);
      it(`query ${field} as ${who}: ${allowed ? 'allowed' : 'denied'}`, async () => {
        expectOutcome(await callers[who].query(spec.doc()), field, allowed, denial(who));
      });
    }
  }

  for (const [field, spec] of Object.entries(MUTATIONS)) {
    for (const who of ROLES) {
      const allowed = spec.allowed.includes(who);
      it(`mutation ${field} as ${who}: ${allowed ? 'allowed' : 'denied'}`, async () => {
        const caller = spec.freshSession && who !== 'ANON' ? await freshCaller(who) : callers[who];
        expectOutcome(await caller.query(spec.doc()), field, allowed, denial(who));
      });
    }
    for (const row of KEY_ROWS) {
      // A key may change something only with WRITE; signing in is open to anyone, and
      // signing out with a key ends no session (keys are revoked instead), so any key may ask.
      const allowed = spec.allowed.includes('ANON') || field === 'logout' || (row === 'ADMIN_KEY_WRITE' && spec.allowed.includes('ADMIN'));
      it(`mutation ${field} with ${row}: ${allowed ? 'allowed' : 'denied'}`, async () => {
        expectOutcome(await keyCallers[row].query(spec.doc()), field, allowed, 'FORBIDDEN');
      });
    }
  }

  for (const [field, spec] of Object.entries(QUERIES)) {
    for (const row of KEY_ROWS) {
      const allowed = spec.allowed.includes('ADMIN');
      it(`query ${field} with ${row}: ${allowed ? 'allowed' : 'denied'}`, async () => {
        expectOutcome(await keyCallers[row].query(spec.doc()), field, allowed, 'FORBIDDEN');
      });
    }
  }

  for (const [field, spec] of Object.entries(SUBSCRIPTIONS)) {
    for (const who of ROLES) {
      const allowed = spec.allowed.includes(who);
      it(`subscription ${field} as ${who}: ${allowed ? 'allowed' : 'denied'}`, async () => {
        const token = callers[who].token;
        const actor = token ? await resolveActor(api.db, { cookie: null, authorization: `Bearer ${token}` }) : null;
        const contextValue: Context = {
          ...api.services,
          actor,
          requestId: 'test',
          ip: null,
          userAgent: null,
          setCookies: [],
          loginThrottle: new AddressThrottle(),
        };
        const result = await subscribe({ schema, document: parse(spec.doc()), contextValue });
        if (Symbol.asyncIterator in result) {
          expect(allowed).toBe(true);
          await result.return?.();
        } else {
          expect(allowed).toBe(false);
          expect(result.errors?.[0]?.extensions?.code).toBe(denial(who));
        }
      });
    }
  }

  for (const [type, allowedRoles] of Object.entries(NODE_TYPES)) {
    for (const who of ROLES) {
      const allowed = allowedRoles.includes(who);
      it(`node(${type}) as ${who}: ${allowed ? 'allowed' : 'denied'}`, async () => {
        const res = await callers[who].query<{ node: { __typename: string; id: string } | null; nodes: ({ id: string } | null)[] }>(
          `query($id: ID!) { node(id: $id) { __typename id } nodes(ids: [$id]) { id } }`,
          { id: ids[type] },
        );
        if (allowed) {
          expect(res.errors ?? []).toEqual([]);
          expect(res.data?.node).toEqual({ __typename: type, id: ids[type] });
          expect(res.data?.nodes).toEqual([{ id: ids[type] }]);
        } else {
          expect(errorCode(res)).toBe(denial(who));
          expect(res.data?.node ?? null).toBeNull();
        }
      });
    }
  }
});

describe('technicians', () => {
  it('see their own work orders and what hangs off them, and nothing else', async () => {
    const own = await api.db.pool.query<{ wo: number; ticket: number; connection: number; customer: number }>(
      `SELECT w.id AS wo, t.id AS ticket, t.connection_id AS connection, t.customer_id AS customer
       FROM work_orders w JOIN tickets t ON t.id = w.ticket_id JOIN users u ON u.id = w.technician_id
       WHERE u.username = 'tecnico' AND t.connection_id IS NOT NULL LIMIT 1`,
    );
    const row = own.rows[0]!;
    const res = await callers.TECHNICIAN.query<{
      workOrder: { ticket: { connection: { pppoeUsername: string; customer: { name: string } } } };
    }>(`query($id: ID!) { workOrder(id: $id) { ticket { subject connection { pppoeUsername customer { name } onu { serial } } } } }`, {
      id: gid('WorkOrder', row.wo),
    });
    expect(res.errors ?? []).toEqual([]);
    expect(res.data?.workOrder.ticket.connection.customer.name).toBeTruthy();

    const list = await callers.TECHNICIAN.query<{ workOrders: { nodes: { technician: { username: string } }[] } }>(
      '{ workOrders(first: 100) { nodes { technician { username } } } }',
    );
    const usernames = new Set(list.data!.workOrders.nodes.map((n) => n.technician.username));
    expect([...usernames]).toEqual(['tecnico']);
    const tickets = await callers.TECHNICIAN.query<{ tickets: { totalCount: number } }>('{ tickets(first: 1) { totalCount } }');
    const expected = await api.db.pool.query(
      `SELECT count(DISTINCT t.id)::int AS n FROM tickets t JOIN work_orders w ON w.ticket_id = t.id JOIN users u ON u.id = w.technician_id WHERE u.username = 'tecnico'`,
    );
    expect(tickets.data!.tickets.totalCount).toBe(expected.rows[0].n);
  });
});
