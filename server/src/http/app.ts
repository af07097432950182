/**
 * The HTTP side of Emerald on one port: GraphQL over HTTP (graphql-yoga) and over
 * WebSocket (graphql-ws) at /graphql, GraphiQL for developers, and the built monitor.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createYoga, type YogaInitialContext } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { execute, subscribe, type GraphQLSchema } from 'graphql';
import { projectRoot } from '../config.ts';
import { StartupError } from '../errors.ts';
import type { Context, Services } from '../graphql/context.ts';
import { schema as defaultSchema } from '../graphql/schema/index.ts';
import { createStaticHandler } from './static.ts';

export interface AppOptions {
  schema?: GraphQLSchema;
  /** Folder with the built monitor; set to null to serve only the API. */
  clientDir?: string | null;
}

export interface RunningApp {
  url: string;
  port: number;
  server: http.Server;
  stop(): Promise<void>;
}

export interface App {
  yoga: ReturnType<typeof createYoga<{ services: Services }, Context>>;
  server: http.Server;
  start(port: number, host?: string): Promise<RunningApp>;
}

function clientIp(req: Request | undefined, fallback: string | undefined): string | null {
  const forwarded = req?.headers.get('x-forwarded-for');
  return forwarded?.split(',')[0]?.trim() || fallback || null;
}

export function buildApp(services: Services, options: AppOptions = {}): App {
  const schema = options.schema ?? defaultSchema;
  const production = services.config.env === 'production';

  const yoga = createYoga<{ services: Services; remoteAddress?: string }, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Emerald GraphQL', defaultEditorToolsVisibility: true },
    logging: {
      debug: (...args) => services.log.debug(args.map(String).join(' ')),
      info: (...args) => services.log.info(args.map(String).join(' ')),
      warn: (...args) => services.log.warn(args.map(String).join(' ')),
      error: (...args) => services.log.error(args.map(String).join(' ')),
    },
    maskedErrors: {
      isDev: !production,
      maskError(rawError, message) {
        const error = rawError as Error;
        const original = (error as { originalError?: unknown }).originalError;
        const requestId = (error as { extensions?: { requestId?: string } }).extensions?.requestId;
        services.log.error({ err: original ?? error, requestId }, 'unexpected error while resolving');
        return new (error.constructor as typeof Error)(production ? `${message} (request ${requestId ?? 'unknown'})` : String((original as Error)?.message ?? message));
      },
    },
    context: async ({ request, remoteAddress }: YogaInitialContext & { remoteAddress?: string }): Promise<Context> => {
      const requestId = request.headers.get('x-request-id') ?? randomUUID();
      return {
        ...services,
        log: services.log.child({ requestId }),
        actor: null,
        requestId,
        ip: clientIp(request, remoteAddress),
        userAgent: request.headers.get('user-agent'),
        setCookies: [],
      };
    },
  });

  const serveStatic = options.clientDir === null ? null : createStaticHandler(options.clientDir ?? path.join(projectRoot, 'client', 'dist'));

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/graphql')) {
      void yoga.handle(req, res, { services, remoteAddress: req.socket.remoteAddress });
      return;
    }
    if (url === '/healthz') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ ok: true }));
      return;
    }
    if (serveStatic?.(req, res)) return;
    res.statusCode = 404;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(serveStatic ? 'Not found' : 'Not found (the monitor is not built: run npm run build)');
  });

  // noServer: upgrades are routed here explicitly, and the HTTP server's own errors
  // (e.g. port in use) are not re-emitted on the WebSocket server.
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/graphql') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const wsServer = useServer(
    {
      schema,
      execute,
      subscribe,
      context: async (ctx) => ({
        ...services,
        actor: null,
        requestId: randomUUID(),
        ip: ctx.extra.request.socket.remoteAddress ?? null,
        userAgent: ctx.extra.request.headers['user-agent'] ?? null,
        setCookies: [],
      }),
    },
    wss,
  );

  const start = (port: number, host = '127.0.0.1'): Promise<RunningApp> =>
    new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new StartupError('PORT_IN_USE', `Port ${port} (PORT) is already in use on ${host}; stop what uses it or set PORT to another port`)
            : error,
        ),
      );
      server.listen(port, host, () => {
        server.removeAllListeners('error');
        const address = server.address() as AddressInfo;
        const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
        const url = `http://${shownHost}:${address.port}`;
        let stopped: Promise<void> | undefined;
        resolve({
          url,
          port: address.port,
          server,
          stop: () => {
            stopped ??= (async () => {
              await wsServer.dispose();
              await new Promise<void>((r) => wss.close(() => r()));
              await new Promise<void>((r) => {
                server.close(() => r());
                server.closeAllConnections();
              });
            })();
            return stopped;
          },
        });
      });
    });

  return { yoga, server, start };
}
