/**
 * The monitor in a real browser (Debian Chromium driven by playwright-core) against a real
 * Emerald in demo mode: the simulated ISP behind it, the built client served by the API.
 * Screenshots of each main screen go to test-results/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './launch.ts';
import { browserSession } from './session.ts';
import type { Emerald } from '../../server/src/boot.ts';
import { startTestEmerald } from '../emerald.ts';

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-results', 'screenshots');
let emerald: Emerald;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  emerald = await startTestEmerald({
    EMERALD_DEMO: 'on',
    DEMO_SUBSCRIBERS: '400',
    SMARTOLT_STATUS_INTERVAL_SECONDS: '5',
    PPP_SWEEP_INTERVAL_SECONDS: '30',
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await emerald?.stop();
});

const { signIn, shot } = browserSession(
  () => browser,
  () => emerald.url!,
);

/** Support creates a work order through the API (as a script would); returns its number. */
async function createWorkOrder(input: Record<string, unknown>): Promise<number> {
  const login = await fetch(`${emerald.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query:
        'mutation { login(username: "soporte", password: "emerald-demo", returnToken: true) { ... on LoginSuccess { session { token } } } }',
    }),
  });
  const token = ((await login.json()) as { data: { login: { session: { token: string } } } }).data.login.session.token;
  const created = await fetch(`${emerald.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query:
        'mutation($input: CreateWorkOrderInput!) { createWorkOrder(input: $input) { __typename ... on CreateWorkOrderSuccess { workOrder { number } } ... on Error { message } } }',
      variables: { input },
    }),
  });
  const result = ((await created.json()) as { data: { createWorkOrder: { workOrder?: { number: number }; message?: string } } }).data
    .createWorkOrder;
  expect(result.workOrder, result.message).toBeTruthy();
  return result.workOrder!.number;
}

/** `YYYY-MM-DD` of today + `offset` days in local time (the browser's and this process's zone). */
function localDay(offset: number): string {
  const d = new Date();
  const at = new Date(d.getFullYear(), d.getMonth(), d.getDate() + offset);
  return `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, '0')}-${String(at.getDate()).padStart(2, '0')}`;
}

describe('support', () => {
  it('finds a customer by part of the DNI, opens it and sees the diagnosis with evidence; opens a ticket from it', async () => {
    const { context, page } = await signIn('soporte');
    const row = (
      await emerald.services.db.pool.query<{ doc: string; name: string }>(
        `SELECT cu.doc_number AS doc, cu.name FROM customers cu JOIN connections c ON c.customer_id = cu.id JOIN onus o ON o.connection_id = c.id
         WHERE cu.doc_number IS NOT NULL AND length(cu.doc_number) >= 8 AND o.status = 'ONLINE'
         GROUP BY cu.id HAVING count(c.id) = 1 ORDER BY cu.id LIMIT 1`,
      )
    ).rows[0]!;
    const partial = row.doc.replace(/\D/g, '').slice(0, 6);
    await page.getByTestId('search-box').fill(partial);
    const result = page.getByTestId('search-results').getByText(row.name);
    await result.waitFor();
    await shot(page, 'search');
    await result.click();
    await page.getByTestId('diagnosis-summary').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('evidence').locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
    const evidence = await page.getByTestId('evidence').innerText();
    // In Spanish, with dates and values formatted for the reader (no raw ISO timestamps).
    expect(evidence).toMatch(/ESTADO DE LA ONU/);
    expect(evidence).toMatch(/SESIÓN PPPOE/);
    expect(evidence).toMatch(/(Online|LOS|Offline|Sin energía) desde \d{1,2}\/\d{1,2}\/\d{2,4}/);
    expect(evidence).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
    expect(await page.getByTestId('verdict').getAttribute('data-verdict')).toBeTruthy();
    await shot(page, 'connection');

    await page.getByTestId('ticket-from-diagnosis').click();
    await page.getByText(/Ticket #\d+ abierto/).waitFor();
    await page.goto(`${emerald.url}/tickets`);
    const ticketRow = page.getByTestId('ticket-row').filter({ hasText: row.name }).first();
    await ticketRow.waitFor();
    await shot(page, 'tickets');
    await ticketRow.getByRole('link').first().click();
    await page.locator('[data-kind="SYSTEM_EVIDENCE"]').waitFor();
    expect(await page.locator('[data-kind="SYSTEM_EVIDENCE"]').innerText()).toMatch(/ONU_STATUS/);
    await shot(page, 'ticket');
    await context.close();
  });

  it('disconnects a stuck session from the connection view: says exactly what will happen, asks why, records it', async () => {
    const { context, page } = await signIn('soporte');
    const conn = (
      await emerald.services.db.pool.query<{ id: number; username: string }>(
        `SELECT c.id, c.pppoe_username AS username FROM connections c JOIN ppp_sessions s ON s.connection_id = c.id
         JOIN customers cu ON cu.id = c.customer_id WHERE cu.status = 'ENABLED' ORDER BY c.id LIMIT 1`,
      )
    ).rows[0]!;
    await page.goto(`${emerald.url}/connections/${encodeURIComponent(encodeGlobalID('Connection', String(conn.id)))}`);
    await page.getByTestId('device-actions').waitFor();
    await page.getByTestId('action-DISCONNECT_SESSION').click();
    const text = await page.getByTestId('action-confirm-text').innerText();
    expect(text).toContain(`Se cortará la sesión PPPoE de ${conn.username}`);
    expect(text).toMatch(/vuelva a conectarse solo/);
    // No reason, no action.
    expect(await page.getByTestId('action-confirm-button').isDisabled()).toBe(true);
    await page.getByTestId('action-reason').fill('cliente sin navegación');
    await page.getByTestId('action-confirm-button').click();
    await page.getByText('Acción ejecutada').waitFor();
    const history = page.getByTestId('device-action-history');
    await history.getByText('soporte: cliente sin navegación').waitFor();
    await shot(page, 'device-action');
    const audit = await emerald.services.db.pool.query(`SELECT 1 FROM audit_entries WHERE action = 'device.disconnect_session'`);
    expect(audit.rowCount).toBe(1);
    // The ONU list's export carries its filters and downloads a CSV.
    await page.goto(`${emerald.url}/onus?status=ONLINE`);
    const href = await page.getByTestId('export-onus').getAttribute('href');
    expect(decodeURIComponent(href!)).toContain('"status":["ONLINE"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-onus').click()]);
    expect(download.suggestedFilename()).toMatch(/^emerald-onus-.*\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe(
      '\uFEFFserial,external_id,name,olt,pon_port,type,zone,status,status_since,rx_power_dbm,signal,pppoe_username,customer',
    );
    expect(
      new Set(
        csv
          .split('\r\n')
          .slice(1, -1)
          .map((l) => l.split(',')[7]),
      ),
    ).toEqual(new Set(['ONLINE']));
    await context.close();
  });

  it('resolves two tickets at once from the list', async () => {
    const { context, page } = await signIn('soporte');
    await page.goto(`${emerald.url}/tickets`);
    const rows = page.getByTestId('ticket-row');
    await rows.nth(1).waitFor();
    const numbers = [
      Number(await rows.nth(0).getByRole('link').first().innerText()),
      Number(await rows.nth(1).getByRole('link').first().innerText()),
    ];
    await rows.nth(0).getByRole('checkbox').check();
    await rows.nth(1).getByRole('checkbox').check();
    await page.getByTestId('bulk-bar').getByText('2 seleccionados').waitFor();
    await page.getByTestId('bulk-resolve').click();
    await page.getByText('2 tickets actualizados').waitFor();
    const after = await emerald.services.db.pool.query<{ status: string }>(
      'SELECT status::text FROM tickets WHERE id = ANY($1) ORDER BY id',
      [numbers],
    );
    expect(after.rows.map((r) => r.status)).toEqual(['RESOLVED', 'RESOLVED']);
    // The list shows open tickets (the default): they are gone from it.
    await expect.poll(async () => page.getByRole('checkbox', { name: `#${numbers[0]}` }).count()).toBe(0);
    await context.close();
  });
});

describe('NOC', () => {
  it('sees a scripted fibre cut on the dashboard without reloading — counts, the port, the incident — and is notified while the tab is in the background', async () => {
    const { context, page } = await signIn('noc');
    // The tab is in the background: a new incident raises a (real) browser notification, recorded here.
    await context.grantPermissions(['notifications'], { origin: emerald.url! });
    await page.addInitScript(() => {
      const shown: { title: string; body: string }[] = [];
      (window as unknown as { __notifications: typeof shown }).__notifications = shown;
      const Real = window.Notification;
      window.Notification = new Proxy(Real, {
        construct(target, args: [string, NotificationOptions?]) {
          shown.push({ title: args[0], body: args[1]?.body ?? '' });
          return new target(...args);
        },
        // The permission as a user who allowed notifications (a headless shell always denies).
        get(target, prop, receiver) {
          if (prop === 'permission') return 'granted';
          if (prop === 'requestPermission') return async () => 'granted';
          return Reflect.get(target, prop, receiver);
        },
      });
      Object.defineProperty(document, 'visibilityState', { get: () => 'hidden' });
      document.hasFocus = () => false;
    });
    // What the server pushes over the WebSocket: the LOS count of every networkSummary message.
    const pushedLos: number[] = [];
    page.on('websocket', (ws) =>
      ws.on('framereceived', (frame) => {
        const message = (() => {
          try {
            return JSON.parse(String(frame.payload)) as { payload?: { data?: { networkSummary?: { onus?: { los?: number } } } } };
          } catch {
            return null;
          }
        })();
        const los = message?.payload?.data?.networkSummary?.onus?.los;
        if (typeof los === 'number') pushedLos.push(los);
      }),
    );
    await page.reload();
    await page.getByTestId('count-los').waitFor();
    await expect.poll(() => page.getByTestId('live-indicator').getAttribute('data-state'), { timeout: 15_000 }).toBe('up');
    expect(await page.getByTestId('browser-alerts').textContent()).toBe('Avisos activados');
    await page.getByTestId('port-legend').getByText('Incidente en curso').waitFor();
    const losBefore = Number((await page.getByTestId('count-los').innerText()).replace(/\D/g, ''));
    const incidentCellsBefore = await page.locator('[data-testid="pon-port"][data-health="INCIDENT"]').count();
    await shot(page, 'dashboard');
    // The PON port with the most ONUs online, in the simulator.
    const port = emerald
      .simulators!.world.ponPorts()
      .sort((a, b) => b.onus.filter((o) => o.status === 'Online').length - a.onus.filter((o) => o.status === 'Online').length)[0]!;
    const res = await page.request.post(`${emerald.url}/sim/fibre-cut`, { data: { olt: port.oltId, board: port.board, port: port.port } });
    expect(res.status()).toBe(200);
    const cut = ((await res.json()) as { affected: number }).affected;
    const navigations: string[] = [];
    page.on('framenavigated', (f) => f === page.mainFrame() && navigations.push(f.url()));
    // The PPPoE drops open a suspected incident at once; SmartOLT confirms the cut; the status poll
    // (every 5 s here) brings the LOS counts. All of it reaches the dashboard by subscription.
    await expect.poll(async () => page.getByTestId('incidents').innerText(), { timeout: 30_000 }).toMatch(/Corte de fibra/);
    await expect
      .poll(async () => Number((await page.getByTestId('count-los').innerText()).replace(/\D/g, '')), { timeout: 30_000 })
      .toBe(losBefore + cut);
    // The count came by the summary subscription (not only by a refetch after the incident).
    expect(pushedLos).toContain(losBefore + cut);
    await expect
      .poll(() => page.locator('[data-testid="pon-port"][data-health="INCIDENT"]').count(), { timeout: 20_000 })
      .toBe(incidentCellsBefore + 1);
    expect(await page.getByTestId('feed').locator('tr').count()).toBeGreaterThanOrEqual(Math.min(cut, 60));
    expect(navigations).toEqual([]);
    const shown = await page.evaluate(() => (window as unknown as { __notifications: { title: string; body: string }[] }).__notifications);
    expect(shown).toHaveLength(1);
    expect(shown[0]!.title).toMatch(/^Nuevo incidente: Fibra/);
    expect(shown[0]!.body).toMatch(/afectados$/);
    await shot(page, 'dashboard-fibre-cut');

    await page.goto(`${emerald.url}/onus?status=LOS`);
    await page.getByTestId('onu-row').first().waitFor();
    expect(await page.getByTestId('onu-count').innerText()).toMatch(new RegExp(`de ${losBefore + cut} ONUs`));
    await shot(page, 'onus');
    await page.request.post(`${emerald.url}/sim/restore-port`, { data: { olt: port.oltId, board: port.board, port: port.port } });
    await context.close();
  });

  it('takes an incident, follows its timeline, and resolves it', async () => {
    const { context, page } = await signIn('noc');
    // A cut of its own: the port with the second most ONUs online.
    const world = emerald.simulators!.world;
    const port = world
      .ponPorts()
      .sort((a, b) => b.onus.filter((o) => o.status === 'Online').length - a.onus.filter((o) => o.status === 'Online').length)[1]!;
    const title = `Corte de fibra ${world.data.olts.find((o) => o.id === port.oltId)!.name} ${port.board}/${port.port}`;
    await page.request.post(`${emerald.url}/sim/fibre-cut`, { data: { olt: port.oltId, board: port.board, port: port.port } });
    await page.getByRole('link', { name: 'Incidentes', exact: true }).click();
    const link = page.getByTestId('incident-list').getByRole('link', { name: new RegExp(title) });
    await link.waitFor({ timeout: 30_000 });
    await link.click();
    await page.getByTestId('incident-page').waitFor();
    expect(await page.getByTestId('incident-owner').innerText()).toBe('Nadie lo tomó todavía');
    // What Emerald recorded, in Spanish: the PPPoE drops and SmartOLT's confirmation — or, when the
    // status poll (every 5 s here) saw the LOS first, the ONUs of the port that went down.
    const timeline = page.getByTestId('incident-timeline');
    await expect
      .poll(() => timeline.innerText(), { timeout: 20_000 })
      .toMatch(/Causa confirmada[\s\S]*Confirmado con SmartOLT: \d+ LOS|Abierto[\s\S]*\d+ de \d+ ONUs del puerto caídas/);
    expect(await timeline.innerText()).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    await page.getByTestId('incident-note').fill('Cuadrilla Norte en camino');
    await page.getByTestId('incident-ack').click();
    await expect.poll(() => page.getByTestId('incident-owner').innerText()).toMatch(/^Tomado por Nicolás Operador NOC/);
    await timeline.getByText('Cuadrilla Norte en camino').waitFor();
    await shot(page, 'incident');
    await page.getByTestId('incident-resolution').fill('Empalme en la cámara 12');
    await page.getByTestId('incident-resolve').click();
    await expect.poll(() => page.getByTestId('incident-resolved').innerText()).toMatch(/^Resuelto: Nicolás Operador NOC/);
    await timeline.getByText('Empalme en la cámara 12').waitFor();
    expect(await page.getByTestId('incident-status').textContent()).toBe('Normalizado');
    await page.request.post(`${emerald.url}/sim/restore-port`, { data: { olt: port.oltId, board: port.board, port: port.port } });
    await context.close();
  });

  it('switches to English and back; dark theme', async () => {
    const { context, page } = await signIn('noc');
    await page.getByRole('link', { name: 'Tablero NOC' }).waitFor();
    await page.getByText('Sesiones PPPoE activas').waitFor();
    await page.getByTestId('lang-switch').click();
    await page.getByRole('link', { name: 'NOC dashboard' }).waitFor();
    await page.getByText('PPPoE sessions up').waitFor();
    await page.getByLabel('Toggle light/dark theme').click();
    await shot(page, 'dashboard-en-dark');
    await page.getByTestId('lang-switch').click();
    await page.getByRole('link', { name: 'Tablero NOC' }).waitFor();
    await context.close();
  });
});

describe('admin', () => {
  it('creates an API key whose secret is shown once, sees sync runs, and creates a user who can sign in', async () => {
    const { context, page } = await signIn('admin');
    await page.goto(`${emerald.url}/admin`);
    await page.getByTestId('sync-runs').locator('tr').first().waitFor();
    await shot(page, 'admin');
    await page.getByRole('tab', { name: 'Claves de API' }).click();
    await page.getByLabel('Nombre de la clave').fill('integración facturación');
    await page.getByRole('button', { name: 'Crear clave' }).click();
    const secret = page.getByRole('alert').getByText(/^emk_/);
    await secret.waitFor();
    const token = await secret.innerText();
    // The key works for the API, and the list shows only its prefix.
    const res = await fetch(`${emerald.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { username } }' }),
    });
    expect(((await res.json()) as { data: { me: { username: string } } }).data.me.username).toBe('admin');
    await page.reload();
    await page.getByRole('tab', { name: 'Claves de API' }).click();
    await page.getByText('integración facturación').waitFor();
    expect(await page.getByText(token).count()).toBe(0);

    // A new support agent, created from the users tab, can sign in.
    await page.getByRole('tab', { name: 'Usuarios' }).click();
    await page.getByRole('tabpanel').getByLabel('Usuario').fill('lucia');
    await page.getByLabel('Nombre completo').fill('Lucía Soporte');
    await page.getByRole('tabpanel').getByLabel('Contraseña').fill('una clave larga 2026');
    await page.getByRole('button', { name: 'Crear usuario' }).click();
    await page.getByTestId('users').getByText('Lucía Soporte').waitFor();
    await context.close();
    const lucia = await signIn('lucia', undefined, 'una clave larga 2026');
    expect(await lucia.page.getByTestId('user-menu').innerText()).toBe('Lucía Soporte');
    await lucia.context.close();
  });
  it('sets up a team, a ticket category with a reason in both languages, and retires a material, from the catalogues tab', async () => {
    const { context, page } = await signIn('admin');
    const db = emerald.services.db.pool;
    await page.goto(`${emerald.url}/admin`);
    await page.getByRole('tab', { name: 'Equipos y catálogos' }).click();
    const panel = page.getByRole('tabpanel');

    await panel.getByTestId('teams').getByLabel('Nombre').first().fill('Cuadrilla Centro');
    await panel.getByRole('button', { name: 'Crear equipo' }).click();
    const teamName = panel.getByTestId('teams').locator('table input[value="Cuadrilla Centro"]');
    // Rename in place: saved when the field is left (a handle: the value selector stops matching).
    await teamName.waitFor();
    const field = (await teamName.elementHandle())!;
    await field.fill('Cuadrilla Centro-Este');
    await field.press('Enter');
    await expect
      .poll(async () => (await db.query(`SELECT name FROM teams WHERE name LIKE 'Cuadrilla Centro%'`)).rows)
      .toEqual([{ name: 'Cuadrilla Centro-Este' }]);

    await panel.getByLabel('Nombre (español)').first().fill('Televisión');
    await panel.getByLabel('Nombre (inglés)').first().fill('TV');
    await panel.getByRole('button', { name: 'Crear categoría' }).click();
    const card = panel.getByTestId('category-Televisión');
    await card.waitFor();
    await card.getByLabel('Nuevo motivo: Televisión').fill('Sin señal de TV');
    await card.getByLabel('Nombre (inglés)').last().fill('No TV signal');
    await card.getByRole('button', { name: 'Agregar motivo' }).click();
    await card.locator('table input[value="Sin señal de TV"]').waitFor();
    const stored = await db.query(
      `SELECT c.name_en AS category, r.name, r.name_en FROM ticket_reasons r JOIN ticket_categories c ON c.id = r.category_id WHERE c.name = 'Televisión'`,
    );
    expect(stored.rows).toEqual([{ category: 'TV', name: 'Sin señal de TV', name_en: 'No TV signal' }]);

    const materials = panel.getByTestId('materials');
    await materials.getByLabel('Activo: GRAMPA').click();
    await expect.poll(async () => (await db.query(`SELECT active FROM materials WHERE code = 'GRAMPA'`)).rows[0].active).toBe(false);
    await expect.poll(() => materials.getByLabel('Activo: GRAMPA').isChecked()).toBe(false);
    const audit = await db.query(
      `SELECT action FROM audit_entries WHERE action IN ('team.create', 'team.update', 'ticketCategory.create', 'ticketReason.create', 'material.update') ORDER BY id`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'team.create',
      'team.update',
      'ticketCategory.create',
      'ticketReason.create',
      'material.update',
    ]);
    await shot(page, 'admin-catalogues');
    await context.close();
  });
});

describe('planning', () => {
  it('drags an unscheduled work order onto a technician and a day, then re-plans it from the form', async () => {
    const db = emerald.services.db.pool;
    const ticket = (
      await db.query<{ id: number }>(`SELECT id FROM tickets WHERE status = 'OPEN' AND connection_id IS NOT NULL ORDER BY id DESC LIMIT 1`)
    ).rows[0]!;
    const number = await createWorkOrder({
      ticketId: encodeGlobalID('Ticket', String(ticket.id)),
      type: 'INSTALL',
      notes: 'Instalación nueva',
    });
    const techs = (
      await db.query<{ id: number; username: string; name: string }>(
        `SELECT id, username, name FROM users WHERE username IN ('tecnico', 'tecnico2') ORDER BY username`,
      )
    ).rows;
    const [tecnico, tecnico2] = [techs.find((u) => u.username === 'tecnico')!, techs.find((u) => u.username === 'tecnico2')!];

    // Tall enough that both technicians' rows (each with a full demo day) are on screen for the drags.
    const { context, page } = await signIn('soporte', { width: 1366, height: 1800 });
    await page.goto(`${emerald.url}/work-orders`);
    const pending = page.getByTestId('unscheduled').locator(`[data-number="${number}"]`);
    await pending.waitFor();
    await shot(page, 'planning-board');
    const cell = (name: string, day: string) =>
      page.locator(`[data-testid="board-row"][data-technician="${name}"] [data-testid="board-cell"][data-day="${day}"]`);
    await pending.dragTo(cell(tecnico2.name, localDay(1)));
    await cell(tecnico2.name, localDay(1)).locator(`[data-number="${number}"]`).waitFor();
    expect(await page.getByTestId('unscheduled').locator(`[data-number="${number}"]`).count()).toBe(0);
    const storedPlan = async () => {
      const row = (
        await db.query<{ status: string; technician_id: number; scheduled_start: Date }>(
          `SELECT status::text, technician_id, scheduled_start FROM work_orders WHERE id = $1`,
          [number],
        )
      ).rows[0]!;
      const at = row.scheduled_start;
      const day = `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, '0')}-${String(at.getDate()).padStart(2, '0')}`;
      return {
        status: row.status,
        technician_id: row.technician_id,
        day,
        hm: `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`,
      };
    };
    // New cards start at 09:00 local time on the day they are dropped on.
    expect(await storedPlan()).toEqual({ status: 'SCHEDULED', technician_id: tecnico2.id, day: localDay(1), hm: '09:00' });

    // Moving it to another technician's day keeps the time of day.
    await cell(tecnico2.name, localDay(1))
      .locator(`[data-number="${number}"]`)
      .dragTo(cell(tecnico.name, localDay(2)));
    await cell(tecnico.name, localDay(2)).locator(`[data-number="${number}"]`).waitFor();
    expect(await storedPlan()).toEqual({ status: 'SCHEDULED', technician_id: tecnico.id, day: localDay(2), hm: '09:00' });

    // Without a mouse: the form.
    await cell(tecnico.name, localDay(2)).locator(`[data-number="${number}"]`).getByTestId('plan-work-order').click();
    await page.getByTestId('plan-technician').click();
    await page.getByRole('option', { name: new RegExp(`^${tecnico2.name}`) }).click();
    await page.getByTestId('plan-start').fill(`${localDay(3)}T14:30`);
    await page.getByTestId('confirm-plan').click();
    await cell(tecnico2.name, localDay(3)).locator(`[data-number="${number}"]`).waitFor();
    expect(await storedPlan()).toEqual({ status: 'SCHEDULED', technician_id: tecnico2.id, day: localDay(3), hm: '14:30' });
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await shot(page, 'planning-board-planned');
    await page.setViewportSize({ width: 1024, height: 768 });
    await shot(page, 'planning-board-tablet');
    await context.close();
  });

  it("re-plans a technician's whole week onto a colleague in one go", async () => {
    const db = emerald.services.db.pool;
    const techs = (
      await db.query<{ id: number; username: string; name: string }>(
        `SELECT id, username, name FROM users WHERE username IN ('tecnico', 'tecnico2')`,
      )
    ).rows;
    const [tecnico, tecnico2] = [techs.find((u) => u.username === 'tecnico')!, techs.find((u) => u.username === 'tecnico2')!];
    const { context, page } = await signIn('soporte');
    await page.goto(`${emerald.url}/work-orders`);
    const row = page.locator(`[data-testid="board-row"][data-technician="${tecnico2.name}"]`);
    await row.getByTestId('move-week').click();
    const ids = (
      await db.query<{ id: number }>(
        `SELECT id FROM work_orders WHERE technician_id = $1 AND status = 'SCHEDULED' AND scheduled_start >= date_trunc('day', now()) AND scheduled_start < date_trunc('day', now()) + interval '6 days'`,
        [tecnico2.id],
      )
    ).rows.map((r) => r.id);
    expect(ids.length).toBeGreaterThan(0);
    await page.getByTestId('move-week-to').click();
    await page.getByRole('option', { name: new RegExp(`^${tecnico.name}`) }).click();
    await page.getByTestId('move-week-confirm').click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await expect
      .poll(
        async () =>
          (
            await db.query<{ n: number }>('SELECT count(*)::int AS n FROM work_orders WHERE id = ANY($1) AND technician_id = $2', [
              ids,
              tecnico.id,
            ])
          ).rows[0]!.n,
      )
      .toBe(ids.length);
    await context.close();
  });
});

describe('technician', () => {
  it('sees only their own work orders and completes one with the measured signal', async () => {
    // Support plans a visit for tecnico today, through the API.
    const db = emerald.services.db.pool;
    const ticket = (
      await db.query<{ id: number }>(`SELECT id FROM tickets WHERE status = 'OPEN' AND connection_id IS NOT NULL ORDER BY id LIMIT 1`)
    ).rows[0]!;
    const tech = (await db.query<{ id: number }>(`SELECT id FROM users WHERE username = 'tecnico'`)).rows[0]!;
    const planned = await createWorkOrder({
      ticketId: encodeGlobalID('Ticket', String(ticket.id)),
      type: 'REPAIR',
      technicianId: encodeGlobalID('User', String(tech.id)),
      scheduledStart: new Date().toISOString(),
      durationMinutes: 60,
    });

    const { context, page } = await signIn('tecnico', { width: 1024, height: 768 });
    await page.getByTestId('my-work').waitFor();
    const mine = (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM work_orders w JOIN users u ON u.id = w.technician_id
         WHERE u.username = 'tecnico' AND w.scheduled_start >= date_trunc('day', now()) AND w.scheduled_start < date_trunc('day', now()) + interval '1 day'`,
      )
    ).rows[0]!.n;
    await expect.poll(() => page.getByTestId('work-order').count(), { timeout: 10_000 }).toBe(mine);
    const others = (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM work_orders w JOIN users u ON u.id = w.technician_id WHERE u.username = 'tecnico2'`,
      )
    ).rows[0]!.n;
    expect(others).toBeGreaterThan(0); // they exist, and are not shown
    expect(await page.getByRole('link', { name: 'Tablero NOC' }).count()).toBe(0);
    await shot(page, 'my-work');
    const number = String(planned);
    const card = page.getByTestId('work-order').filter({ hasText: `OT #${number} ` });
    await card.getByRole('button', { name: 'Iniciar' }).click();
    const started = page.getByTestId('work-order').filter({ hasText: `OT #${number}` });
    await started.getByTestId('complete-work-order').click();
    await page.getByTestId('measured-signal').fill('-19.8');
    await page.getByTestId('confirm-complete').click();
    await expect
      .poll(
        async () =>
          (
            await page
              .getByTestId('work-order')
              .filter({ hasText: `OT #${number}` })
              .innerText()
          )
            .toLowerCase()
            .includes('completada'),
        { timeout: 10_000 },
      )
      .toBe(true);
    await shot(page, 'my-work-done');
    const row = (
      await emerald.services.db.pool.query<{ status: string; measured_rx_power: number }>(
        `SELECT status::text, measured_rx_power FROM work_orders WHERE id = $1`,
        [Number(number)],
      )
    ).rows[0]!;
    expect(row).toEqual({ status: 'COMPLETED', measured_rx_power: -19.8 });
    await context.close();
  });
});
