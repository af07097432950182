/** A tiny JSON HTTP server for the vendor simulators (node:http, port 0 by default). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface SimResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Extra delay before answering. */
  delayMs?: number;
}

export interface RunningHttpSim {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startHttpSim(
  handler: (req: SimRequest) => SimResponse | Promise<SimResponse>,
  options: { host?: string; port?: number } = {},
): Promise<RunningHttpSim> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://sim');
      let body: unknown = null;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      try {
        const out = await handler({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
        if (out.delayMs) await new Promise((r) => setTimeout(r, out.delayMs));
        const payload = typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
        res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
        res.end(payload);
      } catch (error) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(error) }));
      }
    });
  });
  server.keepAliveTimeout = 5000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
