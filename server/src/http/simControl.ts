/** Demo mode's scripting API on Emerald itself, under /sim/ (NOC staff and admins only). */
import type http from 'node:http';
import { resolveActor } from '../auth/tokens.ts';
import type { Services } from '../services.ts';
import { originAllowed } from './security.ts';

/**
 * Demo mode only: the simulators' control API (fibre cut, power cut, mass disconnect…)
 * under /sim/, for NOC staff and admins (session cookie or a write API key).
 */
export async function serveSimControl(services: Services, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const send = (status: number, body: unknown): void => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-store');
    res.end(JSON.stringify(body));
  };
  try {
    if (!services.demo) return send(404, { ok: false, error: 'the simulators run only in demo mode' });
    if (!originAllowed(req.headers.origin, req.headers.host, services.config.http.allowedOrigins)) {
      return send(403, { ok: false, error: 'foreign origin' });
    }
    const actor = await resolveActor(services.db, { cookie: req.headers.cookie ?? null, authorization: req.headers.authorization ?? null });
    if (!actor) return send(401, { ok: false, error: 'sign in first' });
    if (!(actor.role === 'ADMIN' || actor.role === 'NOC') || !actor.scopes.write)
      return send(403, { ok: false, error: 'only NOC staff and admins can script the simulators' });
    // Browsers send cookies cross-site on simple POSTs: demand JSON, which needs a CORS preflight.
    if (req.method === 'POST' && !String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return send(415, { ok: false, error: 'send application/json' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 16_384) return send(413, { ok: false, error: 'body too large' });
      chunks.push(chunk as Buffer);
    }
    let body: unknown = null;
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      return send(400, { ok: false, error: 'body is not JSON' });
    }
    const out = services.demo.control({ method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://x').pathname, body });
    if (out.status === 200 && req.method === 'POST')
      services.log.info({ user: actor.username, action: req.url, body }, 'demo: simulator scripted');
    send(out.status, out.body);
  } catch (error) {
    services.log.error({ err: error }, 'simulator control failed');
    send(500, { ok: false, error: 'internal error' });
  }
}
