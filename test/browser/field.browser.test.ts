/**
 * Field work in a real browser: the monitor on a 390 px phone (the header fits, the
 * technician's day is there whatever the hour the demo started), and the map — points on a
 * plain background (no basemap reachable), an incident's area appearing with a scripted
 * fibre cut and leaving when it is repaired, a technician's route, search → show on map.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emerald } from '../../server/src/boot.ts';
import { startTestEmerald } from '../emerald.ts';
import { launchChromium } from './launch.ts';
import { browserSession } from './session.ts';

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-results', 'screenshots');
let emerald: Emerald;
let browser: Browser;
const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  emerald = await startTestEmerald({
    EMERALD_DEMO: 'on',
    DEMO_SUBSCRIBERS: '400',
    SMARTOLT_STATUS_INTERVAL_SECONDS: '5',
    PPP_SWEEP_INTERVAL_SECONDS: '30',
    // No basemap: the map must work on its own (as it does when tiles are unreachable).
    MAP_STYLE_URL: 'off',
    INCIDENT_CLEAR_HOLD_SECONDS: '5',
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

/** Header controls that stick out of the viewport (their right edge past its width). */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('header button, header a, header [data-testid]')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // hidden on phones
      if (r.right > window.innerWidth + 0.5 || r.left < -0.5)
        out.push(el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? el.textContent ?? '?');
    }
    if (document.documentElement.scrollWidth > window.innerWidth) out.push(`page ${document.documentElement.scrollWidth}px wide`);
    return out;
  });
}

describe('on a phone', () => {
  it("fits the header, and the demo technician's day has visits", async () => {
    const { context, page } = await signIn('tecnico', PHONE);
    await page.getByTestId('my-work').waitFor();
    await expect.poll(() => page.getByTestId('work-order').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(await overflowing(page)).toEqual([]);
    // Language and theme are in the user menu on a phone.
    await page.getByTestId('user-menu').click();
    await page.getByTestId('lang-switch-menu').click();
    await page.getByText('My work today').first().waitFor();
    await shot(page, 'phone-my-work');
    await context.close();

    const noc = await signIn('noc', PHONE);
    await noc.page.getByTestId('count-los').waitFor();
    expect(await overflowing(noc.page)).toEqual([]);
    // Search is one tap away.
    await noc.page.getByRole('link', { name: 'Buscar' }).first().click();
    await noc.page.waitForURL(/\/search$/);
    await shot(noc.page, 'phone-noc-search');
    await noc.context.close();
  });
});

describe('map', () => {
  it('shows the network on a plain background, draws a fibre cut as an area and removes it when repaired', async () => {
    const { context, page } = await signIn('noc');
    await page.goto(`${emerald.url}/map`);
    const map = page.getByTestId('map');
    await expect.poll(() => map.getAttribute('data-total'), { timeout: 15_000 }).not.toBe('');
    expect(await map.getAttribute('data-basemap')).toBe('none');
    const total = Number(await map.getAttribute('data-total'));
    const located = Number((await emerald.services.db.pool.query(`SELECT count(*)::int AS n FROM map_points`)).rows[0].n);
    expect(total).toBe(located);
    // 400 subscribers fit as points: one marker per connection, coloured by state.
    await expect.poll(() => page.locator('path.map-point').count(), { timeout: 10_000 }).toBe(total);
    const losBefore = await page.locator('path.map-point.state-LOS').count();
    expect(await page.locator('path.incident-area').count()).toBe(0);
    await shot(page, 'map');

    // A fibre cut on the busiest port: the incident's area appears, without reloading.
    const port = emerald
      .simulators!.world.ponPorts()
      .sort((a, b) => b.onus.filter((o) => o.status === 'Online').length - a.onus.filter((o) => o.status === 'Online').length)[0]!;
    const res = await page.request.post(`${emerald.url}/sim/fibre-cut`, { data: { olt: port.oltId, board: port.board, port: port.port } });
    const cut = ((await res.json()) as { affected: number }).affected;
    await expect.poll(() => page.locator('path.incident-area').count(), { timeout: 40_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('map-incident').first().getAttribute('data-located'), { timeout: 30_000 }).not.toBe('0');
    // Every affected customer with coordinates is LOS on the map, and its marker's centre is
    // inside the drawn area (checked in screen space, on the area's bounding box).
    const affected = Number(await page.getByTestId('map-incident').first().getAttribute('data-located'));
    expect(affected).toBeGreaterThan(cut / 2);
    const insideArea = () =>
      page.evaluate(() => {
        const area = document.querySelector('path.incident-area')?.getBoundingClientRect();
        if (!area) return -1;
        return [...document.querySelectorAll('path.map-point.state-LOS')]
          .map((p) => p.getBoundingClientRect())
          .map((r) => [(r.left + r.right) / 2, (r.top + r.bottom) / 2] as const)
          .filter(([x, y]) => x >= area.left && x <= area.right && y >= area.top && y <= area.bottom).length;
      });
    await expect.poll(insideArea, { timeout: 30_000 }).toBeGreaterThanOrEqual(affected);
    expect(await page.locator('path.map-point.state-LOS').count()).toBeGreaterThanOrEqual(losBefore + affected);
    await shot(page, 'map-fibre-cut');

    // Repaired: the area goes away once the incident clears.
    await page.request.post(`${emerald.url}/sim/restore-port`, { data: { olt: port.oltId, board: port.board, port: port.port } });
    // The ONUs come back at the next status polls, then the incident clears after its hold…
    await expect
      .poll(
        async () =>
          (await emerald.services.db.pool.query(`SELECT count(*)::int AS n FROM incidents WHERE status IN ('SUSPECTED', 'OPEN')`)).rows[0]
            .n,
        {
          timeout: 90_000,
          interval: 1000,
        },
      )
      .toBe(0);
    // …and the map drops its area by subscription, without a reload.
    await expect.poll(() => page.locator('path.incident-area').count(), { timeout: 15_000 }).toBe(0);
    await context.close();
  });

  it("draws a technician's day as a numbered route, and takes a search result to the map", async () => {
    const { context, page } = await signIn('soporte');
    await page.goto(`${emerald.url}/map`);
    await page.getByTestId('route-technician').click();
    await page.getByRole('option', { name: 'Tomás Técnico' }).click();
    const planned = Number(
      (
        await emerald.services.db.pool.query(
          `SELECT count(*)::int AS n FROM work_orders w JOIN users u ON u.id = w.technician_id JOIN tickets t ON t.id = w.ticket_id
            JOIN connections c ON c.id = t.connection_id
           WHERE u.username = 'tecnico' AND c.latitude IS NOT NULL
             AND w.scheduled_start >= date_trunc('day', now()) AND w.scheduled_start < date_trunc('day', now()) + interval '1 day'`,
        )
      ).rows[0].n,
    );
    expect(planned).toBeGreaterThanOrEqual(3);
    await expect.poll(() => page.getByTestId('route-stop').count(), { timeout: 10_000 }).toBe(planned);
    expect(await page.locator('path.route-line').count()).toBe(1);
    expect(await page.getByTestId('route-list').locator('li').count()).toBe(planned);
    await shot(page, 'map-route');

    // Search → show on map: the map centres on that customer.
    const conn = (
      await emerald.services.db.pool.query<{ user: string }>(
        `SELECT c.pppoe_username AS user FROM connections c WHERE c.latitude IS NOT NULL AND c.pppoe_username IS NOT NULL ORDER BY c.id LIMIT 1`,
      )
    ).rows[0]!;
    await page.goto(`${emerald.url}/search`);
    await page.getByTestId('search-page-input').fill(conn.user.slice(0, 4));
    await page.getByTestId('show-on-map').first().click();
    await page.waitForURL(/\/map\?connection=/);
    await page.locator('path.map-focus').waitFor({ timeout: 10_000 });
    await context.close();
  });
});

describe('offline', () => {
  it('completes a visit without coverage — photo, signature, ONU from the van — and it all lands once when back online', async () => {
    const db = emerald.services.db.pool;
    const { context, page } = await signIn('tecnico', PHONE);
    await page.getByTestId('my-work').waitFor();
    const visit = (
      await db.query<{ id: number }>(
        `SELECT w.id FROM work_orders w JOIN users u ON u.id = w.technician_id
          WHERE u.username = 'tecnico' AND w.status = 'SCHEDULED'
            AND w.scheduled_start >= date_trunc('day', now()) AND w.scheduled_start < date_trunc('day', now()) + interval '1 day'
          ORDER BY w.scheduled_start LIMIT 1`,
      )
    ).rows[0]!;
    const card = () => page.getByTestId('work-order').filter({ hasText: `OT #${visit.id} ` });
    await card().getByRole('button', { name: 'Iniciar' }).click();
    await card().getByTestId('complete-work-order').waitFor();
    await expect
      .poll(async () => (await db.query(`SELECT status::text FROM work_orders WHERE id = $1`, [visit.id])).rows[0].status)
      .toBe('IN_PROGRESS');
    const van = (await db.query<{ id: number }>(`SELECT id FROM stock_locations WHERE name = 'Camioneta de Tomás'`)).rows[0]!.id;
    const connectors = (await db.query<{ id: number }>(`SELECT id FROM materials WHERE code = 'CONN-SCAPC'`)).rows[0]!.id;
    const level = async () =>
      Number(
        (await db.query(`SELECT quantity FROM stock_levels WHERE location_id = $1 AND material_id = $2`, [van, connectors])).rows[0]
          .quantity,
      );
    const before = await level();

    // Coverage gone.
    await context.setOffline(true);
    await expect.poll(() => page.getByTestId('offline-banner').getAttribute('data-online')).toBe('false');
    await card().getByTestId('complete-work-order').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('measured-signal').fill('-18.7');
    await dialog.getByTestId('installed-serial').click();
    const option = page.getByRole('option').first();
    const serial = (await option.innerText()).split(' · ')[0]!.trim();
    await option.click();
    await dialog.getByTestId(`used-${connectors}`).fill('2');
    // A photo as a phone camera would give it: a real image, larger than what is sent.
    const photo = await page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 2400;
      c.height = 1800;
      const g = c.getContext('2d')!;
      g.fillStyle = '#2b8a3e';
      g.fillRect(0, 0, 2400, 1800);
      g.fillStyle = '#ffd43b';
      g.fillRect(600, 400, 1200, 900);
      return c.toDataURL('image/png').split(',')[1]!;
    });
    await dialog
      .locator('input[type="file"]')
      .setInputFiles({ name: 'caja.png', mimeType: 'image/png', buffer: Buffer.from(photo, 'base64') });
    await dialog.getByText('1 foto(s)').waitFor();
    await dialog.getByTestId('signed-by').fill('Marta Gómez');
    await dialog.getByTestId('signature-pad').scrollIntoViewIfNeeded();
    const pad = await dialog.getByTestId('signature-pad').boundingBox();
    await page.mouse.move(pad!.x + 20, pad!.y + 40);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(pad!.x + 20 + i * 25, pad!.y + 40 + (i % 2) * 50, { steps: 2 });
    await page.mouse.up();
    await expect.poll(() => dialog.getByTestId('signature-pad').getAttribute('data-signed')).toBe('true');
    await dialog.getByTestId('confirm-complete').click();
    await card().getByTestId('pending-sync').waitFor();
    expect(await page.getByTestId('offline-banner').getAttribute('data-pending')).toBe('1');
    await shot(page, 'phone-offline-pending');
    // Nothing reached the server.
    expect((await db.query(`SELECT status::text FROM work_orders WHERE id = $1`, [visit.id])).rows[0].status).toBe('IN_PROGRESS');
    expect((await db.query(`SELECT count(*)::int AS n FROM attachments WHERE work_order_id = $1`, [visit.id])).rows[0].n).toBe(0);

    // Back online over a flaky link: the first upload and the first completion reach the server
    // but their answers are lost. The phone sends them again; each must land once.
    let lostUpload = false;
    let lostCompletion = false;
    await page.route('**/files?*', async (route) => {
      if (lostUpload) return route.continue();
      lostUpload = true;
      await route.fetch();
      await route.abort('failed');
    });
    await page.route('**/graphql', async (route) => {
      if (lostCompletion || !route.request().postData()?.includes('OutboxComplete')) return route.continue();
      lostCompletion = true;
      await route.fetch();
      await route.abort('failed');
    });
    await context.setOffline(false);
    await expect
      .poll(
        async () => {
          await page.evaluate(() => window.dispatchEvent(new Event('online')));
          return page.getByTestId('pending-sync').count();
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(0);
    expect(lostUpload && lostCompletion).toBe(true);

    const wo = (
      await db.query(`SELECT status::text, measured_rx_power, installed_onu_serial, signed_by FROM work_orders WHERE id = $1`, [visit.id])
    ).rows[0];
    expect(wo).toEqual({ status: 'COMPLETED', measured_rx_power: -18.7, installed_onu_serial: serial, signed_by: 'Marta Gómez' });
    const files = (
      await db.query<{ kind: string; content_type: string }>(
        `SELECT kind::text, content_type FROM attachments WHERE work_order_id = $1 ORDER BY kind`,
        [visit.id],
      )
    ).rows;
    expect(files).toEqual([
      { kind: 'PHOTO', content_type: 'image/jpeg' },
      { kind: 'SIGNATURE', content_type: 'image/png' },
    ]);
    // Resized on the phone: at most 1600 px wide, a JPEG far smaller than the 2400 px original.
    const sent = (await db.query<{ size: number }>(`SELECT size FROM attachments WHERE work_order_id = $1 AND kind = 'PHOTO'`, [visit.id]))
      .rows[0]!;
    expect(sent.size).toBeLessThan(200_000);
    const moves = (
      await db.query<{ kind: string; n: number; q: string }>(
        `SELECT kind::text, count(*)::int AS n, sum(quantity)::text AS q FROM stock_moves WHERE work_order_id = $1 GROUP BY 1 ORDER BY 1`,
        [visit.id],
      )
    ).rows;
    expect(moves).toEqual([
      { kind: 'CONSUME', n: 1, q: '2.00' },
      { kind: 'INSTALL', n: 1, q: '1.00' },
    ]);
    expect(await level()).toBe(before - 2);
    expect((await db.query(`SELECT status::text FROM stock_items WHERE serial = $1`, [serial])).rows[0].status).toBe('INSTALLED');
    await expect.poll(() => card().innerText()).toMatch(/Completada/i);
    await shot(page, 'phone-offline-synced');
    await context.close();
  });
});

describe('stock and attachments', () => {
  it('moves stock to a van from the stock screen, warns of low stock, shows a unit’s history, and attaches a photo to a ticket', async () => {
    const db = emerald.services.db.pool;
    const { context, page } = await signIn('soporte');
    await page.goto(`${emerald.url}/stock`);
    // Teresa's van is short of patch cords (3, minimum 5): the notice says so.
    await expect.poll(() => page.getByTestId('low-stock').innerText()).toMatch(/Camioneta de Teresa: Patch cord SC\/APC 3 m 3/);
    // The warehouse (first, selected) sends 5 connectors to Tomás's van.
    await page.getByTestId('stock-location').getByText('Depósito central').waitFor();
    const level = async (van: string) =>
      Number(
        (
          await db.query(
            `SELECT l.quantity FROM stock_levels l JOIN stock_locations s ON s.id = l.location_id JOIN materials m ON m.id = l.material_id
              WHERE s.name = $1 AND m.code = 'CONN-SCAPC'`,
            [van],
          )
        ).rows[0].quantity,
      );
    const before = await level('Camioneta de Tomás');
    await page.getByTestId('stock-transfer').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Material').click();
    await page.getByRole('option', { name: /Conector rápido SC\/APC/ }).click();
    await dialog.getByLabel('Hacia').click();
    await page.getByRole('option', { name: 'Camioneta de Tomás' }).click();
    await dialog.getByLabel('Cantidad').fill('5');
    await dialog.getByLabel('Motivo (remito, pedido…)').fill('Reposición');
    await dialog.getByTestId('stock-confirm').click();
    await expect.poll(() => level('Camioneta de Tomás')).toBe(before + 5);
    await page.getByText('Camioneta de Tomás').first().click();
    await expect
      .poll(() => page.locator('[data-testid="stock-level"][data-code="CONN-SCAPC"]').getAttribute('data-quantity'))
      .toBe(String(before + 5));
    // A van for a whole team.
    await page.getByRole('button', { name: 'Nuevo depósito o camioneta' }).click();
    const create = page.getByRole('dialog');
    await create.getByLabel('Nombre').fill('Camioneta Infraestructura');
    await create.getByLabel('O de la cuadrilla').click();
    await page.getByRole('option', { name: 'Cuadrilla Infraestructura' }).click();
    await create.getByRole('button', { name: 'Guardar' }).click();
    await expect
      .poll(
        async () =>
          (
            await db.query(
              `SELECT l.kind::text, t.name FROM stock_locations l JOIN teams t ON t.id = l.team_id WHERE l.name = 'Camioneta Infraestructura'`,
            )
          ).rows,
      )
      .toEqual([{ kind: 'VAN', name: 'Cuadrilla Infraestructura' }]);
    await page.getByTestId('stock-locations').getByText('Camioneta Infraestructura').waitFor();
    // Any unit's history, from its serial.
    const serial = (await db.query(`SELECT serial FROM stock_items ORDER BY id LIMIT 1`)).rows[0].serial as string;
    await page.getByTestId('stock-serial').fill(serial.toLowerCase());
    await expect.poll(() => page.getByTestId('stock-move').count()).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('stock-move').first().getAttribute('data-kind')).toMatch(/RECEIVE|TRANSFER|INSTALL/);
    await shot(page, 'stock');

    // A photo attached to a ticket from its page, shown as a thumbnail read back through /files.
    const ticket = (await db.query(`SELECT id FROM tickets ORDER BY id LIMIT 1`)).rows[0].id as number;
    await page.goto(`${emerald.url}/tickets/${encodeURIComponent(Buffer.from(`Ticket:${ticket}`).toString('base64'))}`);
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('attach-file').click();
    const png = await page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 80;
      c.height = 60;
      c.getContext('2d')!.fillRect(10, 10, 40, 30);
      return c.toDataURL('image/png').split(',')[1]!;
    });
    await (await chooser).setFiles({ name: 'poste.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
    const thumb = page.getByTestId('attachments').locator('img');
    await thumb.first().waitFor();
    await expect.poll(() => thumb.first().evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    expect((await db.query(`SELECT kind::text, content_type FROM attachments WHERE ticket_id = $1`, [ticket])).rows).toEqual([
      { kind: 'PHOTO', content_type: 'image/jpeg' },
    ]);
    await context.close();
  });
});
