/**
 * The monitor is served from client/dist. `npm install` builds it (postinstall); if it is
 * missing or older than its sources (a pull without reinstall), `npm start` rebuilds it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './config.ts';

export const clientDir = path.join(projectRoot, 'client', 'dist');

function newestMtime(dir: string): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

export function clientBuildIsCurrent(): boolean {
  const index = path.join(clientDir, 'index.html');
  if (!fs.existsSync(index)) return false;
  const built = fs.statSync(index).mtimeMs;
  const mtime = (file: string) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);
  const sources = Math.max(
    newestMtime(path.join(projectRoot, 'client', 'src')),
    newestMtime(path.join(projectRoot, 'client', 'public')),
    mtime(path.join(projectRoot, 'client', 'index.html')),
    mtime(path.join(projectRoot, 'client', 'vite.config.ts')),
  );
  return built >= sources;
}

export async function buildClient(): Promise<void> {
  const vite = await import('vite');
  // Prisma's generated client sets a global __dirname (its own folder); build plugins that
  // look for their package.json next to __dirname (vite-plugin-pwa) would look there.
  const g = globalThis as { __dirname?: string };
  const saved = g.__dirname;
  delete g.__dirname;
  try {
    await vite.build({ configFile: path.join(projectRoot, 'client', 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    if (saved !== undefined) g.__dirname = saved;
  }
}

export async function ensureClientBuilt(log: (message: string) => void): Promise<void> {
  if (clientBuildIsCurrent()) return;
  if (!fs.existsSync(path.join(projectRoot, 'client', 'vite.config.ts'))) return;
  log('building the monitor (client/dist is missing or older than its sources)…');
  const started = Date.now();
  await buildClient();
  log(`monitor built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
