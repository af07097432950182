/**
 * GraphiQL on a management network without internet: Emerald serves every script and
 * stylesheet itself. The browser may reach 127.0.0.1 only; anything else is refused and
 * recorded. GraphiQL must render, sign in and run a query.
 */
import type { Emerald } from '../../server/src/boot.ts';
import { startTestEmerald } from '../emerald.ts';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './launch.ts';

let emerald: Emerald;
let browser: Browser;

beforeAll(async () => {
  emerald = await startTestEmerald({ EMERALD_DEMO: 'on', DEMO_SUBSCRIBERS: '60' }, { buildClient: false, liveSessions: false });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await emerald?.stop();
});

describe('GraphiQL without internet', () => {
  it('renders from Emerald alone and runs a query', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const blocked: string[] = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
      blocked.push(url.href);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${emerald.url}/graphql`);
    await page.locator('.graphiql-query-editor').waitFor({ timeout: 20_000 });
    /** Replace the operation, run it, and wait for `expected` in the response pane. */
    const run = async (operation: string, expected: string): Promise<void> => {
      const lines = page.locator('.graphiql-query-editor .monaco-editor .view-lines');
      const text = async () => (await lines.innerText()).replace(/\s+/g, '');
      // Select-all can land before the editor has focus: type until the editor holds exactly the operation.
      await expect
        .poll(
          async () => {
            // Focus Monaco's own input (a click can land on an overlay), then select everything.
            await page.locator('.graphiql-query-editor .monaco-editor textarea').first().focus();
            await page.keyboard.press('Control+Home');
            await page.keyboard.press('Control+Shift+End');
            await page.keyboard.press('Delete');
            await page.keyboard.insertText(operation);
            return text();
          },
          { timeout: 15_000, interval: 500 },
        )
        .toBe(operation.replace(/\s+/g, ''));
      // With several operations in the editor (the examples) the button opens a menu to
      // pick one; GraphiQL parses the edited text asynchronously, so wait until it sees one.
      const execute = page.locator('button.graphiql-execute-button:not([aria-haspopup])');
      await execute.waitFor({ timeout: 10_000 });
      await execute.click();
      await expect
        .poll(
          async () =>
            (
              await page
                .locator('.result-window')
                .innerText()
                .catch(() => '')
            ).replace(/\s+/g, ''),
          { timeout: 15_000 },
        )
        .toContain(expected);
    };
    // Sign in (the cookie), then a query that needs it.
    await run('mutation { login(username: "noc", password: "emerald-demo") { __typename } }', '"__typename":"LoginSuccess"');
    await run('query { me { username role } health { ok } }', '"me":{"username":"noc","role":"NOC"}');
    // The Docs panel works too: the schema came from Emerald (introspection), not from a CDN.
    await page.locator('[aria-label="Show Documentation Explorer"]').click();
    await page.getByText('Query', { exact: true }).first().waitFor();
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
