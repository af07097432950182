/**
 * The monitor in Chromium against an API process on the 100k-subscriber demo data:
 *   - JavaScript the first screen loads (gzip), and the rest split into lazy chunks;
 *   - time from pressing "Ingresar" to a usable NOC dashboard (counts on screen);
 *   - long tasks (> 50 ms, and the worst) on the dashboard while 1,000 ONU status
 *     events arrive in 10 s (update + NOTIFY in the database, as syncs write them).
 *
 *   npm run bench:monitor -- [--subscribers 100000]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { notify } from '../server/src/events/topics.ts';
import { freePort } from '../server/src/db/embedded.ts';
import { findChromium } from '../test/browser/chromium.ts';
import { benchDatabase, runBench, summarize, writeResult } from './setup.ts';
import { withTransaction } from '../server/src/db/sql.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { subscribers: { type: 'string', default: '100000' } } });
const SUBSCRIBERS = Number(values.subscribers);

async function main(): Promise<void> {
  const { url, db } = await benchDatabase(SUBSCRIBERS);
  const port = await freePort();
  const server = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, EMERALD_PROCESSES: 'api', EMERALD_DEMO: 'off', PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => server.stdout!.on('data', (d: Buffer) => d.toString().includes('Emerald is running') && resolve()));
  const base = `http://127.0.0.1:${port}`;
  const found = await findChromium();
  const browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    const scripts = new Map<string, number>();
    page.on('response', async (res) => {
      if (!res.url().endsWith('.js')) return;
      const body = await res.body().catch(() => null);
      if (body) scripts.set(new URL(res.url()).pathname, gzipSync(body).length);
    });
    await page.goto(base);
    await page.getByLabel('Usuario').fill('noc');
    await page.getByLabel('Contraseña').fill('emerald-demo');
    const loginScripts = new Map(scripts);
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Ingresar' }).click();
    await page.getByTestId('count-online').waitFor();
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="count-online"]')?.textContent ?? ''));
    const loginToDashboardMs = Date.now() - t0;
    await page.getByTestId('pon-port').first().waitFor();
    const usableMs = Date.now() - t0;
    const firstScreenKb = [...scripts.values()].reduce((a, b) => a + b, 0) / 1024;

    // Long tasks while 1,000 status events arrive in 10 s.
    await page.evaluate(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: false });
    });
    await page.waitForFunction(() => document.querySelector('[data-testid="live-indicator"]')?.getAttribute('data-state') === 'up');
    const onus = (await db.pool.query<{ id: number }>(`SELECT id FROM onus WHERE gone_at IS NULL ORDER BY random() LIMIT 1000`)).rows.map(
      (r) => r.id,
    );
    const start = Date.now();
    for (let i = 0; i < 100; i++) {
      const batch = onus.slice(i * 10, i * 10 + 10);
      await withTransaction(db.pool, async (tx) => {
        await tx.query(
          `UPDATE onus SET status = CASE WHEN status = 'ONLINE' THEN 'LOS'::"OnuStatus" ELSE 'ONLINE'::"OnuStatus" END, status_changed_at = now() WHERE id = ANY($1::int[])`,
          [batch],
        );
        await notify(tx, { t: 'onu', ids: batch });
      });
      const wait = start + (i + 1) * 100 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    const feedRows = await page.getByTestId('feed').locator('tr').count();
    await page.screenshot({ path: path.join(root, 'bench', 'results', `monitor-${SUBSCRIBERS}.png`) });
    // Undo the flips.
    await db.pool.query(`UPDATE onus SET status = 'ONLINE' WHERE id = ANY($1::int[]) AND status = 'LOS'`, [onus]);

    const result = {
      date: new Date().toISOString(),
      subscribers: SUBSCRIBERS,
      javascriptGzipKb: {
        loginScreen: Math.round([...loginScripts.values()].reduce((a, b) => a + b, 0) / 1024),
        dashboardFirstScreen: Math.round(firstScreenKb),
        files: Object.fromEntries([...scripts].map(([k, v]) => [k.replace('/assets/', ''), Math.round(v / 1024)])),
        target: 350,
      },
      loginToCountsMs: loginToDashboardMs,
      loginToUsableDashboardMs: usableMs,
      storm: {
        events: onus.length,
        seconds: 10,
        longTasksOver50ms: longTasks.length,
        longTasksOver200ms: longTasks.filter((d) => d > 200).length,
        longTaskMs: summarize(longTasks),
        feedRowsShown: feedRows,
      },
    };
    writeResult(`monitor-${SUBSCRIBERS}`, result);
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    await db.close();
  }
}

await runBench(main);
