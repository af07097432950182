/**
 * Accessibility of every screen of the monitor, as axe-core measures WCAG 2.1 A and AA,
 * on a desktop and on a 390 px phone, in the real browser against the demo: no serious or
 * critical violation anywhere. The measured rules and nodes are printed for each screen.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emerald } from '../../server/src/boot.ts';
import { startTestEmerald } from '../emerald.ts';
import { launchChromium } from './launch.ts';

const axeSource = fs.readFileSync(
  createRequire(path.resolve(import.meta.dirname, '../../package.json')).resolve('axe-core/axe.min.js'),
  'utf8',
);
let emerald: Emerald;
let browser: Browser;
const ids: Record<string, string> = {};

beforeAll(async () => {
  emerald = await startTestEmerald({ EMERALD_DEMO: 'on', DEMO_SUBSCRIBERS: '300', MAP_STYLE_URL: 'off' });
  browser = await launchChromium();
  const db = emerald.services.db.pool;
  const one = async (sql: string) => String((await db.query(sql)).rows[0].id);
  const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
  ids.connection = gid(
    'Connection',
    await one(`SELECT c.id FROM connections c JOIN onus o ON o.connection_id = c.id ORDER BY c.id LIMIT 1`),
  );
  ids.customer = gid('Customer', await one('SELECT id FROM customers ORDER BY id LIMIT 1'));
  ids.ticket = gid('Ticket', await one(`SELECT ticket_id AS id FROM work_orders ORDER BY id LIMIT 1`));
  await db.query(
    `INSERT INTO incidents (kind, status, title, affected_count, opened_at, updated_at) VALUES ('FIBRE_CUT', 'OPEN', 'Corte de fibra (prueba)', 12, now(), now())`,
  );
  ids.incident = gid('Incident', await one('SELECT id FROM incidents ORDER BY id DESC LIMIT 1'));
});

afterAll(async () => {
  await browser?.close();
  await emerald?.stop();
});

interface Finding {
  id: string;
  impact: string | null;
  nodes: number;
  help: string;
  targets: string[];
}

async function audit(page: Page): Promise<Finding[]> {
  // Through the DevTools protocol: the page's own CSP (no inline scripts) stays as it is.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: Document,
            o: object,
          ): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.length,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
}

const SCREENS: { name: string; who: string; path: () => string; ready: string }[] = [
  { name: 'sign-in', who: '', path: () => '/', ready: 'form' },
  { name: 'NOC dashboard', who: 'noc', path: () => '/', ready: '[data-testid="count-los"]' },
  { name: 'incidents', who: 'noc', path: () => '/incidents', ready: 'main h1, main h2' },
  { name: 'incident', who: 'noc', path: () => `/incidents/${encodeURIComponent(ids.incident!)}`, ready: 'main h1, main h2' },
  { name: 'ONUs', who: 'noc', path: () => '/onus', ready: '[data-testid="onu-row"]' },
  { name: 'map', who: 'noc', path: () => '/map', ready: '[data-testid="map"][data-total]:not([data-total=""])' },
  { name: 'search', who: 'soporte', path: () => '/search', ready: '[data-testid="search-page-input"]' },
  {
    name: 'connection',
    who: 'soporte',
    path: () => `/connections/${encodeURIComponent(ids.connection!)}`,
    ready: '[data-testid="show-on-map"]',
  },
  { name: 'customer', who: 'soporte', path: () => `/customers/${encodeURIComponent(ids.customer!)}`, ready: 'main h1, main h2' },
  { name: 'tickets', who: 'soporte', path: () => '/tickets', ready: 'main table' },
  { name: 'ticket', who: 'soporte', path: () => `/tickets/${encodeURIComponent(ids.ticket!)}`, ready: '[data-testid="timeline"]' },
  { name: 'planning board', who: 'soporte', path: () => '/work-orders', ready: '[data-testid="board-row"]' },
  { name: 'stock', who: 'soporte', path: () => '/stock', ready: '[data-testid="stock-location"]' },
  { name: 'my work (technician)', who: 'tecnico', path: () => '/work-orders', ready: '[data-testid="work-order"]' },
  { name: 'my van (technician)', who: 'tecnico', path: () => '/stock', ready: '[data-testid="stock-location"]' },
  { name: 'alerts', who: 'admin', path: () => '/alerts', ready: 'main h1, main h2' },
  { name: 'administration', who: 'admin', path: () => '/admin', ready: 'main h1, main h2' },
  { name: 'my alerts', who: 'noc', path: () => '/my-alerts', ready: 'main h1, main h2' },
];

for (const viewport of [
  { label: 'desktop', width: 1366, height: 900 },
  { label: 'phone', width: 390, height: 844 },
]) {
  describe(`accessibility on a ${viewport.label}`, () => {
    it('has no serious or critical WCAG 2.1 AA violation on any screen', async () => {
      const report: Record<string, Finding[]> = {};
      const sessions = new Map<string, Page>();
      for (const screen of SCREENS) {
        let page = sessions.get(screen.who);
        if (!page) {
          const context = await browser.newContext({
            viewport,
            locale: 'es-AR',
            isMobile: viewport.width < 500,
            hasTouch: viewport.width < 500,
          });
          page = await context.newPage();
          if (screen.who) {
            await page.goto(emerald.url!);
            await page.getByLabel('Usuario').fill(screen.who);
            await page.getByLabel('Contraseña').fill('emerald-demo');
            await page.getByRole('button', { name: 'Ingresar' }).click();
            await page.getByTestId('user-menu').waitFor();
          }
          sessions.set(screen.who, page);
        }
        await page.goto(`${emerald.url}${screen.path()}`);
        await page.locator(screen.ready).first().waitFor({ timeout: 20_000 });
        await page.waitForTimeout(300); // transitions settle
        report[screen.name] = await audit(page);
      }
      for (const p of sessions.values()) await p.context().close();
      const summary = Object.entries(report).map(
        ([name, v]) => `${name}: ${v.map((f) => `${f.id}(${f.impact}) ×${f.nodes}`).join(', ') || 'none'}`,
      );
      process.stdout.write(`axe, ${viewport.label}:\n  ${summary.join('\n  ')}\n`);
      const serious = Object.entries(report).flatMap(([name, v]) =>
        v
          .filter((f) => f.impact === 'serious' || f.impact === 'critical')
          .map((f) => `${name}: ${f.id} ×${f.nodes} — ${f.help} — ${f.targets.join(' | ')}`),
      );
      expect(serious).toEqual([]);
    });
  });
}
