/**
 * Outage benchmark: how fast a cut reaches the NOC and the people on call, and what it
 * costs in SmartOLT calls, with the PRODUCTION poll intervals (ONU status every 360 s,
 * signal every 1800 s, PPPoE sweep every 300 s) — so the bulk poll cannot be what finds it.
 *
 * Emerald runs in this process in demo mode on a fresh database (the machine's PostgreSQL)
 * with a 10,000-subscriber world: API, worker, live RouterOS session listeners and the
 * simulators, exactly as `npm start`. A NOC WebSocket client subscribes to
 * `incidentChanged`; a webhook receiver on 127.0.0.1 is the alert channel.
 *
 *   1. weather: the demo's random life (ONU flaps, session bounces, signal drift) with port
 *      cuts turned off, for --weather-minutes at --weather-rate events a minute (default 30
 *      minutes at the demo's rate): every incident opened is a false one.
 *   2. cuts: --cuts scripted cuts on distinct PON ports (two fibre cuts for each power cut),
 *      one at a time: cut → incident pushed to the subscriber, cut → classified (FIBRE_CUT /
 *      POWER_OUTAGE), cut → webhook received.
 *
 * Reports p50/p95 of each, SmartOLT calls spent (and whether the hourly limit was ever
 * reached), and the false incidents. Targets: pushed p95 ≤ 10 s, classified p95 ≤ 30 s,
 * webhook p95 ≤ 15 s, never over budget, no false incident.
 *
 *   npm run bench:outage -- [--subscribers 10000] [--cuts 20] [--weather-minutes 30] [--weather-rate 1] [--label x]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { boot } from '../server/src/boot.ts';
import { loadConfig } from '../server/src/config.ts';
import { freePort } from '../server/src/db/embedded.ts';
import { withDatabaseName } from '../server/src/db/scratch.ts';
import { createLogger } from '../server/src/logger.ts';
import { startWeather } from '../simulators/weather.ts';
import { benchServer, runBench, summarize, writeResult } from './setup.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    cuts: { type: 'string', default: '20' },
    'weather-minutes': { type: 'string', default: '30' },
    'weather-rate': { type: 'string', default: '1' },
    /** Suffix of the result file (bench/results/outage-<subscribers>[-label].json). */
    label: { type: 'string', default: '' },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const CUTS = Number(values.cuts);
const WEATHER_MINUTES = Number(values['weather-minutes']);
const WEATHER_RATE = Number(values['weather-rate']);
const TARGETS = { pushedP95Ms: 10_000, classifiedP95Ms: 30_000, webhookP95Ms: 15_000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freshDatabase(): Promise<string> {
  const name = 'emerald_bench_outage';
  const admin = new pg.Client({ connectionString: benchServer });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return withDatabaseName(benchServer, name);
}

interface Seen {
  at: number;
  number: number;
  status: string;
  kind: string;
  port: string | null;
}

async function main(): Promise<void> {
  const databaseUrl = await freshDatabase();
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    EMERALD_DEMO: 'on',
    DEMO_SUBSCRIBERS: String(SUBSCRIBERS),
    DEMO_WEATHER: 'false',
    // Production defaults (demo mode would poll faster).
    SMARTOLT_STATUS_INTERVAL_SECONDS: '360',
    SMARTOLT_SIGNAL_INTERVAL_SECONDS: '1800',
    PPP_SWEEP_INTERVAL_SECONDS: '300',
    SMARTOLT_HOURLY_BUDGET: '1000',
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  });
  process.stderr.write(`booting Emerald (demo, ${SUBSCRIBERS} subscribers, production poll intervals)…\n`);
  const started = Date.now();
  const emerald = await boot(config, createLogger('warn', { pretty: false }), { buildClient: false });
  const sims = emerald.simulators!;
  const { world } = sims;
  const url = emerald.url!;
  process.stderr.write(`booted in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  // Webhook receiver: the time each incident's first webhook arrives.
  const hooks = new Map<number, number>();
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { incident: { number: number } };
      if (!hooks.has(body.incident.number)) hooks.set(body.incident.number, at);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const gql = async <T>(token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: T; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const signIn = async (username: string) =>
    (
      await gql<{ login: { session: { token: string } } }>(
        null,
        'mutation($u: String!) { login(username: $u, password: "emerald-demo", returnToken: true) { ... on LoginSuccess { session { token } } } }',
        { u: username },
      )
    ).login.session.token;
  const admin = await signIn('admin');
  const noc = await signIn('noc');
  const hook = await gql<{ createWebhook: { webhook: { id: string } } }>(
    admin,
    'mutation($u: String!) { createWebhook(input: { name: "bench", url: $u, secret: "bench-secret-0123456789" }) { ... on CreateWebhookSuccess { webhook { id } } } }',
    { u: hookUrl },
  );
  await gql(admin, 'mutation($i: NotificationRuleInput!) { createNotificationRule(input: $i) { __typename } }', {
    i: { name: 'bench', channels: ['WEBHOOK'], webhookIds: [hook.createWebhook.webhook.id] },
  });

  // The NOC's live view.
  const seen: Seen[] = [];
  const ws = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${noc}` },
  });
  ws.subscribe<{
    incidentChanged: {
      incidents: { number: number; status: string; kind: string; ponPort: { label: string; olt: { externalId: string } } | null }[];
    };
  }>(
    { query: 'subscription { incidentChanged { resync incidents { number status kind ponPort { label olt { externalId } } } } }' },
    {
      next: (m) => {
        const at = Date.now();
        for (const i of m.data?.incidentChanged.incidents ?? []) {
          seen.push({
            at,
            number: i.number,
            status: i.status,
            kind: i.kind,
            port: i.ponPort ? `${i.ponPort.olt.externalId}:${i.ponPort.label}` : null,
          });
        }
      },
      error: (e) => console.error('subscription error', e),
      complete: () => {},
    },
  );
  // Let the first polls and sweeps after start settle.
  process.stderr.write('warming up (first status polls and session sweeps)…\n');
  await sleep(30_000);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const budgetPeak = { calls: 0 };
  const budgetTimer = setInterval(() => {
    budgetPeak.calls = Math.max(budgetPeak.calls, sims.smartolt.callsThisHour());
  }, 1000);
  const callsAtStart = sims.smartolt.calls.length;

  // ── 1. weather alone ──
  const weatherStart = new Date();
  let weatherEvents = 0;
  if (WEATHER_MINUTES > 0) {
    process.stderr.write(`weather for ${WEATHER_MINUTES} min at ${WEATHER_RATE} events/min, no port cuts…\n`);
    const weather = startWeather(world, { ratePerMinute: WEATHER_RATE, cuts: false, onEvent: () => weatherEvents++ });
    await sleep(WEATHER_MINUTES * 60_000);
    weather.stop();
    await sleep(100_000); // the last flaps and bounces end, the last sessions come back
  }
  const falseIncidents = (
    await pool.query<{ id: number; kind: string; title: string }>('SELECT id, kind::text, title FROM incidents WHERE opened_at >= $1', [
      weatherStart,
    ])
  ).rows;
  const weatherCalls = sims.smartolt.calls.length - callsAtStart;

  // ── 2. scripted cuts ──
  const used = new Set<string>();
  const eligible = world
    .ponPorts()
    .filter((p) => p.onus.filter((o) => o.status === 'Online' && o.connectionId !== null && world.secretOf(o.connectionId)).length >= 10)
    .sort((a, b) => (a.oltId - b.oltId) * 100 + (a.board - b.board) * 10 + (a.port - b.port));
  // Spread over the OLTs: take ports round-robin by OLT.
  const byOlt = new Map<number, typeof eligible>();
  for (const p of eligible) byOlt.set(p.oltId, [...(byOlt.get(p.oltId) ?? []), p]);
  const order: typeof eligible = [];
  for (let round = 0; order.length < CUTS && round < 64; round++)
    for (const list of byOlt.values()) if (list[round] && order.length < CUTS) order.push(list[round]!);
  const cuts: {
    port: string;
    kind: 'FIBRE_CUT' | 'POWER_OUTAGE';
    units: number;
    firstStatus: string | null;
    classifiedAs: string | null;
    pushedMs: number | null;
    classifiedMs: number | null;
    webhookMs: number | null;
  }[] = [];
  const callsBeforeCuts = sims.smartolt.calls.length;
  for (const [n, port] of order.entries()) {
    const key = `${port.oltId}:${port.board}/${port.port}`;
    used.add(key);
    const kind = n % 3 === 2 ? 'POWER_OUTAGE' : 'FIBRE_CUT';
    const from = seen.length;
    const t0 = Date.now();
    const hit =
      kind === 'FIBRE_CUT' ? world.fibreCut(port.oltId, port.board, port.port) : world.powerFail(port.oltId, port.board, port.port, 0.8);
    const deadline = t0 + 90_000;
    let pushed: Seen | undefined;
    let classified: Seen | undefined;
    while (Date.now() < deadline && !(pushed && classified && hooks.has(classified.number))) {
      const mine = seen.slice(from).filter((s) => s.port === key);
      pushed ??= mine[0];
      classified ??= mine.find((s) => s.status === 'OPEN');
      await sleep(50);
    }
    const number = classified?.number ?? pushed?.number;
    const hookAt = number === undefined ? undefined : hooks.get(number);
    cuts.push({
      port: key,
      kind,
      units: hit.length,
      firstStatus: pushed?.status ?? null,
      classifiedAs: classified?.kind ?? null,
      pushedMs: pushed ? pushed.at - t0 : null,
      classifiedMs: classified ? classified.at - t0 : null,
      webhookMs: hookAt === undefined ? null : hookAt - t0,
    });
    process.stderr.write(`cut ${n + 1}/${order.length} ${kind} ${key} (${hit.length} ONUs): ${JSON.stringify(cuts.at(-1))}\n`);
    world.restorePort(port.oltId, port.board, port.port);
    await sleep(8_000);
  }
  clearInterval(budgetTimer);
  const cutCalls = sims.smartolt.calls.length - callsBeforeCuts;
  const rateLimited = sims.smartolt.calls.filter((c) => c.status === 429).length;

  const ms = (xs: (number | null)[]) => summarize(xs.filter((x): x is number => x !== null));
  const pushed = ms(cuts.map((c) => c.pushedMs));
  const classified = ms(cuts.map((c) => c.classifiedMs));
  const webhook = ms(cuts.map((c) => c.webhookMs));
  const result = {
    benchmark: 'outage',
    at: new Date().toISOString(),
    machine: 'this development machine (2 cores); Emerald, the simulators, PostgreSQL and the clients share it',
    subscribers: SUBSCRIBERS,
    pollIntervals: { onuStatusSeconds: 360, onuSignalSeconds: 1800, pppSweepSeconds: 300 },
    weather: {
      minutes: WEATHER_MINUTES,
      ratePerMinute: WEATHER_RATE,
      events: weatherEvents,
      falseIncidents: falseIncidents.length,
      incidents: falseIncidents,
      smartoltCalls: weatherCalls,
    },
    cuts: {
      count: cuts.length,
      missed: cuts.filter((c) => c.pushedMs === null).length,
      misclassified: cuts.filter((c) => c.classifiedAs !== null && c.classifiedAs !== c.kind).length,
      firstPushedAsSuspected: cuts.filter((c) => c.firstStatus === 'SUSPECTED').length,
      pushedMs: pushed,
      classifiedMs: classified,
      webhookMs: webhook,
      smartoltCalls: cutCalls,
      detail: cuts,
    },
    smartolt: { hourlyLimit: 1000, peakCallsInAnHour: budgetPeak.calls, rateLimitedResponses: rateLimited },
    targets: TARGETS,
    met: {
      pushed: pushed.p95 <= TARGETS.pushedP95Ms && cuts.every((c) => c.pushedMs !== null),
      classified: classified.p95 <= TARGETS.classifiedP95Ms && cuts.every((c) => c.classifiedMs !== null),
      webhook: webhook.p95 <= TARGETS.webhookP95Ms && cuts.every((c) => c.webhookMs !== null),
      budget: rateLimited === 0 && budgetPeak.calls <= 1000,
      noFalseIncidents: falseIncidents.length === 0,
    },
  };
  writeResult(`outage-${SUBSCRIBERS}${values.label ? `-${values.label}` : ''}`, result);
  await ws.dispose();
  await pool.end();
  receiver.close();
  await emerald.stop();
}

await runBench(main);
