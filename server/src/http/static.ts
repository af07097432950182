/**
 * Serves the built monitor (client/dist) from the API's origin. Hashed assets are cached
 * for a year; index.html never (so a deploy is picked up on reload). Unknown paths get
 * index.html so client-side routes work on reload. Text assets are gzipped once, in memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

interface Cached {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  immutable: boolean;
}

const inside = (folder: string, file: string): boolean => file === folder || file.startsWith(folder + path.sep);

export function createStaticHandler(root: string): (req: IncomingMessage, res: ServerResponse) => boolean {
  const cache = new Map<string, Cached>();
  const base = path.resolve(root);
  let resolvedBase: string | undefined;
  const realBase = (): string => {
    resolvedBase ??= fs.realpathSync(base);
    return resolvedBase;
  };

  const load = (file: string): Cached | null => {
    const hit = cache.get(file);
    if (hit) return hit;
    let body: Buffer;
    try {
      const stat = fs.statSync(file);
      if (!stat.isFile()) return null;
      body = fs.readFileSync(file);
    } catch {
      return null;
    }
    const ext = path.extname(file);
    const type = TYPES[ext] ?? 'application/octet-stream';
    const compressible = /^(text\/|application\/(json|manifest)|image\/svg)/.test(type) && body.length > 1024;
    const entry: Cached = {
      body,
      gzip: compressible ? gzipSync(body, { level: 9 }) : null,
      type,
      immutable: file.includes(`${path.sep}assets${path.sep}`),
    };
    cache.set(file, entry);
    return entry;
  };

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://x');
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return false;
    }
    let file = path.resolve(base, `.${pathname}`);
    // Inside the folder itself, not in a sibling that shares its prefix (dist → dist-old),
    // and not through a symbolic link that points out of it.
    if (!inside(base, file)) return false;
    if (fs.existsSync(file)) {
      try {
        if (!inside(realBase(), fs.realpathSync(file))) return false;
      } catch {
        return false;
      }
    }
    let entry = pathname.endsWith('/') ? null : load(file);
    if (!entry) {
      // Client-side route: serve the app shell (but not for missing assets).
      if (path.extname(pathname) && pathname !== '/index.html') return false;
      file = path.join(base, 'index.html');
      entry = load(file);
      if (!entry) return false;
    }
    const gzip = entry.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.statusCode = 200;
    res.setHeader('Content-Type', entry.type);
    res.setHeader('Cache-Control', entry.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (gzip) {
      res.setHeader('Content-Encoding', 'gzip');
      res.setHeader('Vary', 'Accept-Encoding');
    }
    const body = gzip ? entry.gzip! : entry.body;
    res.setHeader('Content-Length', body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
