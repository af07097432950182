/**
 * The HTTP side of Emerald on one port: GraphQL over HTTP (graphql-yoga) and over
 * WebSocket (graphql-ws) at /graphql, GraphiQL for developers, and the built monitor.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createYoga, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { execute, GraphQLError, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { sharedSubscribe } from '../graphql/sharedExecution.ts';
import { AddressThrottle } from '../auth/throttle.ts';
import { resolveActor } from '../auth/tokens.ts';
import { projectRoot } from '../config.ts';
import { StartupError } from '../startupError.ts';
import type { Context } from '../graphql/context.ts';
import { schema as defaultSchema } from '../graphql/schema/index.ts';
import { graphiqlExamples } from './graphiqlExamples.ts';
import { createStaticHandler } from './static.ts';
import type { Services } from '../services.ts';

export interface AppOptions {
  schema?: GraphQLSchema;
  /** Folder with the built monitor; null serves only the API. */
  clientDir?: string | null;
}

export interface RunningApp {
  url: string;
  port: number;
  server: http.Server;
  stop(): Promise<void>;
}

export interface App {
  server: http.Server;
  /** Serve one request in process (tests): same path as HTTP. */
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  start(port: number, host?: string): Promise<RunningApp>;
}

/** Limits enforced before execution, besides complexity/depth/breadth (builder.ts). */
export const ARMOR_LIMITS = { maxAliases: 30, maxTokens: 5000, maxDirectives: 20 } as const;

const wsLimitRules = [
  ...specifiedRules,
  maxAliasesRule({ n: ARMOR_LIMITS.maxAliases, exposeLimits: true }),
  maxDirectivesRule({ n: ARMOR_LIMITS.maxDirectives, exposeLimits: true }),
];

/**
 * A WebSocket operation's limit errors (tokens, aliases, directives), or undefined to let
 * graphql-ws go on. Returned errors become the operation's `error` message; nothing runs.
 */
export function wsLimitErrors(schema: GraphQLSchema, query: string): readonly GraphQLError[] | undefined {
  try {
    const errors = validate(schema, parse(query, { maxTokens: ARMOR_LIMITS.maxTokens }), wsLimitRules);
    return errors.length > 0 ? errors : undefined;
  } catch (error) {
    // Syntax errors, and armor's rules, which throw their rejection.
    if (error instanceof GraphQLError) return [error];
    throw error;
  }
}

interface ServerContext {
  services: Services;
  remoteAddress?: string;
  setCookies: string[];
}

function clientIp(forwarded: string | null | undefined, fallback: string | undefined): string | null {
  return forwarded?.split(',')[0]?.trim() || fallback || null;
}

/**
 * Demo mode only: the simulators' control API (fibre cut, power cut, mass disconnect…)
 * under /sim/, for NOC staff and admins (session cookie or a write API key).
 */
async function serveSimControl(services: Services, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const send = (status: number, body: unknown): void => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-store');
    res.end(JSON.stringify(body));
  };
  try {
    if (!services.demo) return send(404, { ok: false, error: 'the simulators run only in demo mode' });
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

export function buildApp(services: Services, options: AppOptions = {}): App {
  const schema = options.schema ?? defaultSchema;
  const production = services.config.env === 'production';
  const loginThrottle = new AddressThrottle();

  // Set-Cookie from resolvers (login/logout) onto the HTTP response.
  const cookies: Plugin<Record<string, unknown>, ServerContext> = {
    onResponse({ response, serverContext }) {
      for (const c of serverContext?.setCookies ?? []) response.headers.append('Set-Cookie', c);
    },
  };

  // Internal errors: log them with the request id, which the masked message carries.
  // Runs before Yoga's masking (its plugin is always last).
  const logUnexpected: Plugin<Context> = {
    onExecute() {
      return {
        onExecuteDone({ result, args }) {
          const ctx = args.contextValue;
          const errors = 'errors' in result ? (result.errors ?? []) : [];
          for (const e of errors) {
            const original = e.originalError;
            if (original && !(original instanceof GraphQLError)) {
              ctx.log.error({ err: original, path: e.path?.join('.') }, 'unexpected error while resolving');
              (e as { extensions: Record<string, unknown> }).extensions = { ...e.extensions, requestId: ctx.requestId };
            }
          }
        },
      };
    },
  };

  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: {
      title: 'Emerald GraphQL',
      defaultEditorToolsVisibility: true,
      defaultQuery: graphiqlExamples,
      shouldPersistHeaders: false,
      subscriptionsProtocol: 'WS',
    },
    logging: {
      debug: (...args) => services.log.debug(args.map(String).join(' ')),
      info: (...args) => services.log.info(args.map(String).join(' ')),
      warn: (...args) => services.log.warn(args.map(String).join(' ')),
      error: (...args) => services.log.error(args.map(String).join(' ')),
    },
    plugins: [
      cookies,
      logUnexpected as Plugin,
      EnvelopArmorPlugin({
        maxAliases: { n: ARMOR_LIMITS.maxAliases, exposeLimits: true },
        maxTokens: { n: ARMOR_LIMITS.maxTokens, exposeLimits: true },
        maxDirectives: { n: ARMOR_LIMITS.maxDirectives, exposeLimits: true },
        maxDepth: { enabled: false }, // the complexity plugin limits depth
        costLimit: { enabled: false }, // the complexity plugin prices lists by page size
        blockFieldSuggestion: { enabled: production },
      }),
    ],
    maskedErrors: {
      isDev: !production,
      maskError(rawError, message) {
        const error = rawError as GraphQLError;
        // Deliberate errors (auth, bad input, limits) are GraphQLErrors: shown as they are.
        if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) {
          return error.originalError instanceof GraphQLError && !error.path ? error.originalError : error;
        }
        const original = error.originalError ?? error;
        const requestId = (error.extensions as { requestId?: string } | undefined)?.requestId;
        return new GraphQLError(production ? `${message} (request ${requestId ?? 'unknown'})` : (original as Error).message, {
          nodes: error.nodes,
          path: error.path,
          extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
        });
      },
    },
    context: async ({ request, services: s, remoteAddress, setCookies }: YogaInitialContext & ServerContext): Promise<Context> => {
      const requestId = request.headers.get('x-request-id')?.slice(0, 100) ?? randomUUID();
      const actor = await resolveActor(s.db, {
        cookie: request.headers.get('cookie'),
        authorization: request.headers.get('authorization'),
      });
      return {
        ...s,
        log: s.log.child({ requestId, user: actor?.username }),
        actor,
        requestId,
        ip: clientIp(request.headers.get('x-forwarded-for'), remoteAddress),
        userAgent: request.headers.get('user-agent'),
        setCookies,
        loginThrottle,
      };
    },
  });

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void yoga.handle(req, res, { services, remoteAddress: req.socket.remoteAddress, setCookies: [] });
  };

  const serveStatic =
    options.clientDir === null ? null : createStaticHandler(options.clientDir ?? path.join(projectRoot, 'client', 'dist'));

  // Idle keep-alive connections stay open longer than the clients' and proxies' own idle
  // timeouts (browsers, load balancers: ~60 s): with Node's default 5 s, a request sent on
  // a connection the server is just closing fails with ECONNRESET.
  const server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, (req, res) => {
    const url = req.url ?? '/';
    if (url === '/graphql' || url.startsWith('/graphql?') || url.startsWith('/graphql/')) {
      handle(req, res);
      return;
    }
    if (url.startsWith('/sim/')) {
      void serveSimControl(services, req, res);
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
  const wsServer = useServer<Record<string, unknown>, { actor?: Context['actor'] }>(
    {
      schema,
      execute,
      subscribe: sharedSubscribe,
      // The same alias, directive and token limits as over HTTP (graphql-armor's envelop
      // plugins only guard yoga's pipeline); the complexity limits run inside the schema.
      onSubscribe: (_ctx, _id, payload) => wsLimitErrors(schema, payload.query),
      // Authentication happens in connection_init: the session cookie of the upgrade
      // request, or `authorization: Bearer …` in the init payload.
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const authorization =
          typeof params.authorization === 'string'
            ? params.authorization
            : typeof params.Authorization === 'string'
              ? params.Authorization
              : null;
        const actor = await resolveActor(services.db, { cookie: ctx.extra.request.headers.cookie ?? null, authorization });
        if (!actor) return false; // graphql-ws closes with 4403 Forbidden
        ctx.extra.actor = actor;
        return true;
      },
      context: async (ctx): Promise<Context> => ({
        ...services,
        actor: ctx.extra.actor ?? null,
        requestId: randomUUID(),
        ip: clientIp(String(ctx.extra.request.headers['x-forwarded-for'] ?? ''), ctx.extra.request.socket.remoteAddress),
        userAgent: ctx.extra.request.headers['user-agent'] ?? null,
        setCookies: [],
        loginThrottle,
      }),
    },
    wss,
  );

  const start = (port: number, host = '127.0.0.1'): Promise<RunningApp> =>
    new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new StartupError(
                'PORT_IN_USE',
                `Port ${port} (PORT) is already in use on ${host}; stop what uses it or set PORT to another port`,
              )
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

  const fetchInProcess = async (input: string, init?: RequestInit): Promise<Response> =>
    yoga.fetch(new URL(input, 'http://emerald.test').toString(), init ?? {}, { services, remoteAddress: '127.0.0.1', setCookies: [] });

  return { server, fetch: fetchInProcess, start };
}
