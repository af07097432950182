/** Launch the Chromium the browser project found (test/browser/setup.ts). */
import { type Browser, chromium } from 'playwright-core';
import { inject } from 'vitest';

export function launchChromium(): Promise<Browser> {
  const found = inject('chromium');
  return chromium.launch({ executablePath: found.executablePath, args: found.args });
}
