/**
 * Which Chromium the browser tests (and `npm run bench:monitor`) drive, so that `npm test`
 * needs nothing but Node:
 *
 *   1. CHROMIUM_PATH, if set;
 *   2. a system Chrome or Chromium (Debian/Ubuntu packages, snap, macOS apps, or on PATH);
 *   3. Playwright's browser cache (`npx playwright install chromium` on a networked machine);
 *   4. the headless Chromium shipped in the `@sparticuz/chromium` devDependency (Linux x64
 *      and arm64), unpacked to the temporary folder on first use.
 *
 * EMERALD_BROWSER=bundled skips 2 and 3 (CI proves the fresh-machine path with it).
 * When none can be had, `BrowserNotFound` says so in one line.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Flags for every launch: quiet, offline, no sandbox (tests run as root in CI). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface FoundChromium {
  executablePath: string;
  args: string[];
  /** Where it came from, for the test log. */
  source: 'CHROMIUM_PATH' | 'system' | 'playwright-cache' | 'bundled';
}

export class BrowserNotFound extends Error {
  override readonly name = 'BrowserNotFound';
}

const SYSTEM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(): string | null {
  for (const name of PATH_NAMES) {
    try {
      const found = execFileSync('which', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (found && executable(found)) return found;
    } catch {
      // not there
    }
  }
  return null;
}

/** The newest Chromium (or headless shell) in Playwright's cache. */
function playwrightCache(): string | null {
  const roots = [
    process.env.PLAYWRIGHT_BROWSERS_PATH,
    path.join(os.homedir(), '.cache', 'ms-playwright'),
    path.join(os.homedir(), 'Library', 'Caches', 'ms-playwright'),
  ].filter((r): r is string => Boolean(r));
  for (const root of roots) {
    let dirs: string[];
    try {
      dirs = fs
        .readdirSync(root)
        .filter((d) => /^chromium(_headless_shell)?-\d+$/.test(d))
        .sort((a, b) => Number(b.split('-').pop()) - Number(a.split('-').pop()));
    } catch {
      continue;
    }
    for (const dir of dirs) {
      for (const rel of [
        'chrome-linux/chrome',
        'chrome-linux64/chrome',
        'chrome-headless-shell-linux64/chrome-headless-shell',
        'chrome-mac/Chromium.app/Contents/MacOS/Chromium',
      ]) {
        const file = path.join(root, dir, rel);
        if (executable(file)) return file;
      }
    }
  }
  return null;
}

async function bundled(): Promise<string | null> {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return null;
  try {
    const mod = (await import('@sparticuz/chromium')) as { default: { executablePath(): Promise<string> } };
    return await mod.default.executablePath();
  } catch {
    return null;
  }
}

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<FoundChromium> {
  const args = ['--headless', ...CHROMIUM_FLAGS];
  if (env.CHROMIUM_PATH) {
    if (!executable(env.CHROMIUM_PATH)) throw new BrowserNotFound(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file`);
    return { executablePath: env.CHROMIUM_PATH, args, source: 'CHROMIUM_PATH' };
  }
  if (env.EMERALD_BROWSER !== 'bundled') {
    const system = SYSTEM_PATHS.find(executable) ?? onPath();
    if (system) return { executablePath: system, args, source: 'system' };
    const cached = playwrightCache();
    if (cached) return { executablePath: cached, args, source: 'playwright-cache' };
  }
  const shipped = await bundled();
  // The bundled build is a headless shell, run without a zygote process.
  if (shipped) return { executablePath: shipped, args: ['--headless=shell', '--no-zygote', ...CHROMIUM_FLAGS], source: 'bundled' };
  throw new BrowserNotFound(
    `No Chromium for the browser tests: none on this system, in Playwright's cache, or bundled for ${process.platform}/${process.arch} (@sparticuz/chromium is Linux x64/arm64 only). Install Chrome or Chromium, or set CHROMIUM_PATH.`,
  );
}
