/**
 * What keeps a foreign web page from using a signed-in user's cookie, and the headers every
 * response carries.
 *
 * - Origins: a request's `Origin` is allowed when it is the server's own (same host as the
 *   request) or listed (PUBLIC_URL's origin and CORS_ORIGINS). Cookie-authenticated GraphQL
 *   requests and WebSocket upgrades from any other origin are refused outright; CORS
 *   answers only allowed origins, so browsers do not let other pages read responses.
 *   Requests without a session cookie (bearer tokens, API keys) are not a CSRF risk and
 *   work from anywhere.
 * - CSRF: GraphQL requests must be ones a browser preflights (a JSON body or a custom
 *   header; yoga's CSRF prevention plugin), so a plain form or image cannot trigger one.
 * - Headers (helmet): a Content-Security-Policy whose only third-party origin is the map's
 *   tile server (images only, from MAP_STYLE_URL), no framing,
 *   nosniff, a same-origin referrer policy; HSTS when Emerald is served over HTTPS.
 */
import type http from 'node:http';
import helmet from 'helmet';
import { SESSION_COOKIE, readCookie } from '../auth/tokens.ts';

/** Whether a browser request from `origin` may act with the user's cookie on this server. */
export function originAllowed(origin: string | undefined | null, host: string | undefined | null, allowed: readonly string[]): boolean {
  if (!origin) return true; // not sent by a browser, or a same-origin navigation
  if (origin === 'null') return false; // sandboxed frames, file: pages
  if (allowed.includes(origin)) return true;
  try {
    return !!host && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/** True when the request authenticates with the browser's session cookie (not a bearer token). */
export function usesSessionCookie(headers: http.IncomingHttpHeaders): boolean {
  return !/^Bearer\s/i.test(headers.authorization ?? '') && readCookie(headers.cookie ?? null, SESSION_COOKIE) !== null;
}

export type PageKind = 'app' | 'graphiql' | 'api';

/** helmet middlewares per kind of response: the monitor, GraphiQL, and JSON/API answers. */
/**
 * The origin a raster tile URL template loads from, as a CSP source: `{s}` subdomains become
 * a wildcard. Null for no basemap or a template that names no host.
 */
export function tileSource(tileUrl: string | null): string | null {
  if (!tileUrl) return null;
  const m = /^(https?:\/\/)([^/]+)/.exec(tileUrl);
  if (!m) return null;
  const host = m[2]!.replace(/\{s\}/g, '*');
  return /^[a-z0-9.*:[\]-]+$/i.test(host) ? `${m[1]}${host}` : null;
}

export function securityHeaders(options: {
  https: boolean;
  /** The map's basemap tiles (MAP_STYLE_URL), the one third-party origin the monitor may load images from. */
  tileUrl?: string | null;
}): Record<PageKind, (req: http.IncomingMessage, res: http.ServerResponse) => void> {
  const tiles = tileSource(options.tileUrl ?? null);
  const common = {
    frameguard: { action: 'deny' as const },
    referrerPolicy: { policy: 'same-origin' as const },
    crossOriginOpenerPolicy: { policy: 'same-origin' as const },
    crossOriginResourcePolicy: { policy: 'same-origin' as const },
    // Only over HTTPS: a browser that saw it on plain HTTP would refuse the next visit.
    strictTransportSecurity: options.https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    crossOriginEmbedderPolicy: false,
  };
  const csp = (directives: Record<string, string[]>) => ({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'object-src': ["'none'"],
        'frame-ancestors': ["'none'"],
        'form-action': ["'self'"],
        ...directives,
        // Upgrading only makes sense where Emerald itself is served over HTTPS.
        ...(options.https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
  });
  const run = (middleware: ReturnType<typeof helmet>) => (req: http.IncomingMessage, res: http.ServerResponse) =>
    middleware(req, res, () => {});
  return {
    app: run(
      helmet({
        ...common,
        ...csp({
          'script-src': ["'self'"],
          // Mantine sets style attributes; no style ever comes from elsewhere.
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:', 'blob:', ...(tiles ? [tiles] : [])],
          'font-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
          'worker-src': ["'self'", 'blob:'],
          'manifest-src': ["'self'"],
        }),
      }),
    ),
    graphiql: run(
      helmet({
        ...common,
        ...csp({
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
          // The editor's language workers are started from blobs the page itself builds.
          'worker-src': ["'self'", 'blob:'],
        }),
      }),
    ),
    api: run(helmet({ ...common, ...csp({ 'default-src': ["'none'"] }) })),
  };
}
