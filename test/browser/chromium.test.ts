import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BrowserNotFound, findChromium } from './chromium.ts';

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first, and says in one line when it is not a browser', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-chromium-'));
    const fake = path.join(dir, 'chrome');
    fs.writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
    expect(await findChromium({ CHROMIUM_PATH: fake })).toMatchObject({ executablePath: fake, source: 'CHROMIUM_PATH' });
    const missing = findChromium({ CHROMIUM_PATH: path.join(dir, 'nope') });
    await expect(missing).rejects.toBeInstanceOf(BrowserNotFound);
    await expect(missing).rejects.toThrow(/^CHROMIUM_PATH=.*nope is not an executable file$/);
  });

  it.runIf(process.platform === 'linux' && ['x64', 'arm64'].includes(process.arch))(
    'falls back to the Chromium bundled in an npm package, which launches and renders a page',
    async () => {
      const found = await findChromium({ EMERALD_BROWSER: 'bundled' });
      expect(found.source).toBe('bundled');
      const browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
      try {
        const page = await browser.newPage();
        await page.setContent('<p id="x">Emerald</p>');
        expect(await page.textContent('#x')).toBe('Emerald');
      } finally {
        await browser.close();
      }
    },
  );
});
