/**
 * A new ISP's first day, as the NOC sees it: Emerald started with EMERALD_DEMO=off on an
 * empty database, pointed at a (slow) ISPCube and the other vendors. While the mirror
 * fills, the dashboard shows the inventory runs and their state, pushed live; when the
 * network is in, the notice goes and the counts are there, without a reload.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/src/auth/password.ts';
import type { Emerald } from '../../server/src/boot.ts';
import { startTestEmerald } from '../emerald.ts';
import { createTestDatabase } from '../db.ts';
import { startVendorWorld, type VendorWorld } from '../vendorWorld.ts';
import { launchChromium } from './launch.ts';

let vw: VendorWorld;
let emerald: Emerald | undefined;
let browser: Browser;

beforeAll(async () => {
  vw = await startVendorWorld({ subscribers: 300, seed: 8 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await emerald?.stop();
});

describe('first start', () => {
  it('shows the first inventory filling the mirror, then the network', async () => {
    const database = await createTestDatabase();
    await database.db.pool.query(
      `INSERT INTO users (username, name, role, password_hash, updated_at) VALUES ('guardia', 'Guardia NOC', 'NOC', $1, now())`,
      [await hashPassword('guardia-de-noche-2026')],
    );
    // ISPCube answers the connection list slowly: the first inventory takes a while.
    vw.ispcube.faults.connectionsLatencyMs = 8000;
    try {
      emerald = await startTestEmerald({ ...vw.env, DATABASE_URL: database.url, EMERALD_DEMO: 'off' });
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'es-AR' });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(emerald.url!);
      await page.getByLabel('Usuario').fill('guardia');
      await page.getByLabel('Contraseña').fill('guardia-de-noche-2026');
      await page.getByRole('button', { name: 'Ingresar' }).click();

      const notice = page.getByTestId('first-sync');
      await notice.waitFor({ timeout: 15_000 });
      await expect.poll(() => notice.innerText()).toMatch(/ISPCUBE · inventario\s*en curso/i);
      expect(await notice.innerText()).toContain('Emerald está leyendo ISPCube');

      // The inventory completes (routers, OLTs and their ONUs follow): the notice goes by itself.
      await notice.waitFor({ state: 'detached', timeout: 40_000 });
      const onus = (await database.db.pool.query(`SELECT count(*)::int AS n FROM onus WHERE status <> 'UNKNOWN'`)).rows[0].n;
      expect(onus).toBe(vw.world.data.onus.length);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      vw.ispcube.faults.connectionsLatencyMs = 0;
    }
  });
});
