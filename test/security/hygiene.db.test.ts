/**
 * Secret hygiene over a whole demo run: Emerald with its simulators and live weather, full
 * syncs of every vendor, diagnoses (live checks at the routers and SmartOLT), tickets opened
 * from them, at debug log level. Everything the API shows — every vendor payload
 * (customers, connections, routers, PPP secrets, OLTs, ONUs), diagnosis evidence, ticket
 * timelines, audit entries — and every log line is scanned for the secrets in play (vendor
 * credentials, PPP passwords, session and API-key tokens, password hashes, the ISPCube
 * session token) and for anything secret-shaped: a password/token/key field holding a value.
 */
import type { Emerald } from '../../server/src/boot.ts';
import { startTestEmerald } from '../emerald.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../server/src/demo/owned.ts';
import { DEMO_CREDENTIALS, DEMO_TELEGRAM_TOKEN } from '../../server/src/demo/simulators.ts';
import { createLogger } from '../../server/src/logger.ts';
import { until } from '../ws.ts';

let emerald: Emerald;
const logs: string[] = [];
const tokens: string[] = [];

beforeAll(async () => {
  emerald = await startTestEmerald(
    { EMERALD_DEMO: 'on', DEMO_SUBSCRIBERS: '120', DEMO_WEATHER: 'true', DEMO_WEATHER_RATE: '60', LOG_LEVEL: 'debug' },
    { buildClient: false, log: createLogger('debug', { destination: { write: (line: string) => void logs.push(line) } }) },
  );
});
afterAll(async () => {
  await emerald?.stop();
});

async function gql<T = Record<string, any>>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${emerald.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown[] };
  expect(body.errors ?? []).toEqual([]);
  return body.data;
}

async function signIn(username: string): Promise<string> {
  const res = await fetch(`${emerald.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `mutation { login(username: "${username}", password: "${DEMO_PASSWORD}", returnToken: true) { ... on LoginSuccess { session { token } } } }`,
    }),
  });
  const token = ((await res.json()) as { data: { login: { session: { token: string } } } }).data.login.session.token;
  tokens.push(token);
  return token;
}

/** Values in a JSON text stored under a secret-like key (a password, token, secret or key), redaction aside. */
function secretShaped(text: string): string[] {
  return [
    ...text.matchAll(
      /"([A-Za-z_-]*(?:pass(?:word)?|secret|token|api[_-]?key|apikey|authorization|cookie)[A-Za-z_-]*)"\s*:\s*"([^"]{3,})"/gi,
    ),
  ]
    .filter(([, , value]) => value !== '[redacted]')
    .map(([m]) => m);
}

describe('secret hygiene over a full demo run', () => {
  it('shows and logs no secret, anywhere', async () => {
    const admin = await signIn('admin');
    const support = await signIn('soporte');
    const key = await gql<{ createApiKey: { created: { token: string } } }>(
      admin,
      'mutation { createApiKey(input: { name: "hygiene", scopes: [READ] }) { ... on CreateApiKeySuccess { created { token } } } }',
    );
    tokens.push(key.createApiKey.created.token);

    // Full syncs of every vendor, through the API as an operator would ask for them.
    for (const source of ['ISPCUBE', 'ROUTEROS', 'SMARTOLT']) {
      await gql(admin, `mutation { requestSync(input: { source: ${source} }) { __typename } }`);
    }
    await until(
      'the syncs',
      async () => {
        const runs = await gql<{ syncRuns: { nodes: { status: string }[] } }>(
          admin,
          '{ syncRuns(first: 100, status: [QUEUED, RUNNING]) { nodes { status } } }',
        );
        return runs.syncRuns.nodes.length === 0;
      },
      60_000,
    );

    // Diagnoses with live checks, and tickets opened from them (evidence in their timelines).
    const connections = await gql<{ customers: { nodes: { connections: { id: string }[] }[] } }>(
      support,
      '{ customers(first: 12) { nodes { connections { id } } } }',
    );
    const ids = connections.customers.nodes.flatMap((c) => c.connections.map((x) => x.id)).slice(0, 12);
    expect(ids.length).toBeGreaterThan(5);
    const shown: unknown[] = [];
    for (const [i, id] of ids.entries()) {
      shown.push(
        await gql(
          support,
          'query($id: ID!) { diagnose(connectionId: $id) { ... on DiagnoseSuccess { diagnosis { verdict evidence { check result value detail source note } } } } }',
          { id },
        ),
      );
      if (i < 4)
        shown.push(
          await gql(
            support,
            'mutation($id: ID!) { createTicketFromDiagnosis(input: { connectionId: $id }) { ... on CreateTicketFromDiagnosisSuccess { ticket { id } } } }',
            { id },
          ),
        );
    }
    for (const query of [
      '{ customers(first: 100) { nodes { vendorPayload connections { vendorPayload } } } }',
      '{ routers(first: 20) { nodes { vendorPayload secrets(first: 100) { nodes { vendorPayload } } } } }',
      '{ olts { vendorPayload } onus(first: 100) { nodes { vendorPayload } } }',
      '{ tickets(first: 20) { nodes { timeline(first: 20) { nodes { body data } } } } }',
      '{ auditEntries(first: 100) { nodes { before after } } notificationDeliveries(first: 50) { nodes { address lastError } } }',
    ])
      shown.push(await gql(admin, query));
    const api = JSON.stringify(shown);
    expect(api.length).toBeGreaterThan(50_000);

    const db = emerald.services.db.pool;
    const known = [
      DEMO_PASSWORD,
      DEMO_CREDENTIALS.ispcube.apiKey,
      DEMO_CREDENTIALS.ispcube.password,
      DEMO_CREDENTIALS.smartoltToken,
      DEMO_CREDENTIALS.routeros.password!,
      DEMO_TELEGRAM_TOKEN,
      ...tokens,
      ...(await db.query<{ h: string }>('SELECT password_hash AS h FROM users')).rows.map((r) => r.h),
      ...(await db.query<{ t: string }>('SELECT token AS t FROM vendor_tokens')).rows.map((r) => r.t),
      ...emerald.simulators!.world.data.secrets.map((s) => s.password).filter((p) => p.length >= 6),
    ];
    expect(known.length).toBeGreaterThan(100);
    const everyLine = logs.join('');
    expect(logs.length).toBeGreaterThan(50);
    for (const [where, text] of [
      ['the API', api],
      ['the logs', everyLine],
    ] as const) {
      const leaked = known.filter((secret) => text.includes(secret));
      expect(leaked, `secrets in ${where}`).toEqual([]);
      expect(secretShaped(text), `secret-shaped values in ${where}`).toEqual([]);
      expect(text, `password hashes in ${where}`).not.toMatch(/scrypt\$/);
    }
  });
});
