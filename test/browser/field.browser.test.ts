/**
 * Field work in a real browser: the monitor on a 390 px phone (the header fits, the
 * technician's day is there whatever the hour the demo started), and the map — points on a
 * plain background (no basemap reachable), an incident's area appearing with a scripted
 * fibre cut and leaving when it is repaired, a technician's route, search → show on map.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emerald } from '../../server/src/boot.ts';
import { startTestEmerald } from '../emerald.ts';
import { launchChromium } from './launch.ts';

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

const unexpected: string[] = [];
afterEach(() => {
  const seen = unexpected.splice(0);
  expect(seen, 'page or GraphQL errors during the test').toEqual([]);
});

async function signIn(username: string, viewport = { width: 1366, height: 768 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'es-AR', isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  const page = await context.newPage();
  page.on('pageerror', (e) => unexpected.push(`[page error] ${e.message}`));
  page.on('response', async (r) => {
    if (!new URL(r.url()).pathname.endsWith('/graphql')) return;
    const body = (await r.json().catch(() => null)) as { errors?: { message: string; extensions?: { code?: string } }[] } | null;
    for (const e of body?.errors ?? []) if (e.extensions?.code !== 'UNAUTHENTICATED') unexpected.push(`[graphql error] ${e.message}`);
  });
  await page.goto(emerald.url!);
  await page.getByLabel('Usuario').fill(username);
  await page.getByLabel('Contraseña').fill('emerald-demo');
  await page.getByRole('button', { name: 'Ingresar' }).click();
  await page.getByTestId('user-menu').waitFor();
  return { context, page };
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });

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
    await expect.poll(() => page.locator('path.incident-area').count(), { timeout: 60_000 }).toBe(0);
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
