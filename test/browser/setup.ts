/**
 * Browser project setup: find a Chromium once (see chromium.ts) and hand it to the test
 * files. With none to be had, the run stops with one line saying why.
 */
import type { TestProject } from 'vitest/node';
import { BrowserNotFound, type FoundChromium, findChromium } from './chromium.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    chromium: FoundChromium;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  try {
    const found = await findChromium();
    process.stderr.write(`browser tests: Chromium from ${found.source} (${found.executablePath})\n`);
    project.provide('chromium', found);
  } catch (error) {
    if (error instanceof BrowserNotFound) {
      // One line, not a stack trace.
      const clean = new Error(error.message);
      clean.stack = `BrowserNotFound: ${error.message}`;
      throw clean;
    }
    throw error;
  }
}
