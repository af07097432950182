/**
 * What every browser test file does: sign a demo user in (in a fresh context, desktop or
 * phone), watching every page for errors — a page error, or a GraphQL error a screen
 * swallowed, which would otherwise only show as a missing element. Each test must end
 * with none (`expectNoErrors` in an afterEach).
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterEach, expect } from 'vitest';

export const screenshots = path.resolve(import.meta.dirname, '../..', 'test-results', 'screenshots');

export function browserSession(browser: () => Browser, url: () => string) {
  const unexpected: string[] = [];
  afterEach(() => {
    const seen = unexpected.splice(0);
    expect(seen, 'page or GraphQL errors during the test').toEqual([]);
  });
  async function signIn(
    username: string,
    viewport = { width: 1366, height: 768 },
    password = 'emerald-demo',
  ): Promise<{ context: BrowserContext; page: Page }> {
    const phone = viewport.width < 500;
    const context = await browser().newContext({ viewport, locale: 'es-AR', isMobile: phone, hasTouch: phone });
    const page = await context.newPage();
    page.on('pageerror', (e) => unexpected.push(`[page error] ${e.message}`));
    page.on('response', async (r) => {
      if (!new URL(r.url()).pathname.endsWith('/graphql')) return;
      const body = (await r.json().catch(() => null)) as { errors?: { message: string; extensions?: { code?: string } }[] } | null;
      for (const e of body?.errors ?? []) if (e.extensions?.code !== 'UNAUTHENTICATED') unexpected.push(`[graphql error] ${e.message}`);
    });
    await page.goto(url());
    await page.getByLabel('Usuario').fill(username);
    await page.getByLabel('Contraseña').fill(password);
    await page.getByRole('button', { name: 'Ingresar' }).click();
    await page.getByTestId('user-menu').waitFor();
    return { context, page };
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: false });
  return { signIn, shot, unexpected };
}
