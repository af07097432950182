/**
 * The HTTP side of Emerald on one port: GraphQL over HTTP (graphql-yoga) and over
 * WebSocket (graphql-ws) at /graphql, GraphiQL for developers, and the built monitor.
 * The cross-site rules and headers are in security.ts, the socket limits in websocket.ts.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import {
  BREAK,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  visit,
} from 'graphql';
import { createYoga, isAsyncIterable, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import { AddressThrottle } from '../auth/throttle.ts';
import { resolveActor, SESSION_COOKIE, readCookie } from '../auth/tokens.ts';
import { createActorCache } from '../auth/actorCache.ts';
import { projectRoot } from '../config.ts';
import { type DatabaseErrorCode, databaseErrorCode } from '../db/errors.ts';
import { InvalidTransitionError, NotFoundError, ValidationError } from '../graphql/userErrors.ts';
import type { Context } from '../graphql/context.ts';
import { schema as defaultSchema } from '../graphql/schema/index.ts';
import type { Services } from '../services.ts';
import { StartupError } from '../startupError.ts';
import { logContext } from '../logger.ts';
import { readinessProbe } from '../ops/readiness.ts';
import { clientAddressResolver } from './clientAddress.ts';
import { GRAPHIQL_ASSETS, serveGraphiQLAsset, serveGraphiQLPage, serveGraphiQLSignIn, wantsGraphiQL } from './graphiql.ts';
import { originAllowed, securityHeaders } from './security.ts';
import { serveSimControl } from './simControl.ts';
import { createStaticHandler } from './static.ts';
import { type GraphQLWebSocket, graphqlWebSocket } from './websocket.ts';
import { serveExport } from './exports.ts';
import { serveFiles } from './files.ts';
import { fileStoreFor } from '../files/store.ts';
import { runCompiled } from '../graphql/compiled/compile.ts';

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
  websocket: GraphQLWebSocket;
  start(port: number, host?: string): Promise<RunningApp>;
}

/**
 * Largest GraphQL request body over HTTP. The largest legitimate one, a stock mutation
 * with 500 serials, is about 20 kB; files have their own endpoint (files.ts).
 */
export const MAX_GRAPHQL_BODY = 1024 * 1024;

const badBody = (status: number, code: string, message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { http: { status }, code } });
const bodyTooLarge = (): GraphQLError =>
  badBody(413, 'REQUEST_ENTITY_TOO_LARGE', `Request body too large: at most ${MAX_GRAPHQL_BODY} bytes`);

/**
 * The body limit, instead of yoga's own (which pipes every body through a stream
 * transform): a declared length is checked up front, and Node's HTTP parser then delivers
 * exactly that many bytes; only a body without one (chunked) is counted as it is read.
 */
const limitBody: Plugin = {
  onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
    const declared = request.headers.get('content-length');
    if (declared !== null) {
      if (!/^\d+$/.test(declared)) throw badBody(400, 'BAD_REQUEST', 'Content-Length header is invalid');
      if (Number(declared) > MAX_GRAPHQL_BODY) throw bodyTooLarge();
      return;
    }
    if (!requestParser || !request.body) return;
    const parser = requestParser;
    setRequestParser((req) => {
      let read = 0;
      const counted = req.body!.pipeThrough(
        // The stream and the transform must come from the same implementation (yoga does the same).
        new (req.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream)<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            read += chunk.byteLength;
            if (read > MAX_GRAPHQL_BODY) controller.error(bodyTooLarge());
            else controller.enqueue(chunk);
          },
        }),
      );
      return parser(
        new fetchAPI.Request(req.url, {
          method: req.method,
          headers: req.headers,
          signal: req.signal,
          body: counted,
          duplex: 'half',
        } as RequestInit),
      );
    });
  },
};

/** Limits enforced before execution, besides complexity/depth/breadth (builder.ts). */
export const ARMOR_LIMITS = { maxAliases: 30, maxTokens: 5000, maxDirectives: 20 } as const;

const wsLimitRules = [
  ...specifiedRules,
  maxAliasesRule({ n: ARMOR_LIMITS.maxAliases, exposeLimits: true }),
  maxDirectivesRule({ n: ARMOR_LIMITS.maxDirectives, exposeLimits: true }),
];

/**
 * A WebSocket operation parsed and validated (GraphQL's rules and the limits: tokens,
 * aliases, directives), or its errors, which become the operation's `error` message.
 * Remembered per query text, so a thousand screens subscribing with the same document
 * (a reconnect storm after a restart) parse and validate it once.
 */
export function wsCheckedOperation(schema: GraphQLSchema, query: string): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
  let perSchema = checkedOperations.get(schema);
  if (!perSchema) checkedOperations.set(schema, (perSchema = new Map()));
  const known = perSchema.get(query);
  if (known) return known;
  let checked: { document: DocumentNode } | { errors: readonly GraphQLError[] };
  try {
    const document = parse(query, { maxTokens: ARMOR_LIMITS.maxTokens });
    const errors = validate(schema, document, wsLimitRules);
    checked = errors.length > 0 ? { errors } : { document };
  } catch (error) {
    // Syntax errors, and armor's rules, which throw their rejection.
    if (!(error instanceof GraphQLError)) throw error;
    checked = { errors: [error] };
  }
  // Bounded: documents come from clients. Dropping the oldest only costs a parse again.
  if (perSchema.size >= 500) perSchema.delete(perSchema.keys().next().value!);
  perSchema.set(query, checked);
  return checked;
}
const checkedOperations = new WeakMap<GraphQLSchema, Map<string, { document: DocumentNode } | { errors: readonly GraphQLError[] }>>();

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,100}$/;

/** A fixed set of route labels for metrics (never the raw path: it is unbounded). */
export function routeLabel(pathname: string): string {
  if (pathname === '/graphql' || pathname.startsWith('/graphql/')) return 'graphql';
  if (pathname === '/healthz' || pathname === '/readyz' || pathname === '/metrics') return pathname.slice(1);
  if (pathname.startsWith('/sim/')) return 'sim';
  if (pathname.startsWith('/export/')) return 'export';
  if (pathname === '/files' || pathname.startsWith('/files/')) return 'files';
  if (pathname.startsWith('/assets/')) return 'assets';
  return 'app';
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7).trim() : '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

interface ServerContext {
  services: Services;
  remoteAddress?: string;
  setCookies: string[];
}

const introspects = new WeakMap<DocumentNode, boolean>();
/** Whether a document asks for the schema (`__schema` / `__type`; `__typename` is not introspection). */
function isIntrospection(document: DocumentNode): boolean {
  let found = introspects.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Field(node) {
        if (node.name.value === '__schema' || node.name.value === '__type') {
          found = true;
          return BREAK;
        }
        return undefined;
      },
    });
    introspects.set(document, found);
  }
  return found;
}

const DATABASE_MESSAGES: Record<DatabaseErrorCode, string> = {
  DATABASE_TIMEOUT: 'The database took too long to answer; try again or narrow the request',
  DATABASE_BUSY: 'The database is busy; try again in a moment',
  BAD_USER_INPUT: 'The input holds a value the database cannot store or compare',
};

/** The GraphQL extensions of an expected, typed failure (ValidationError, NotFoundError…), or null. */
function userErrorCode(error: unknown): Record<string, unknown> | null {
  if (error instanceof ValidationError) return { code: 'BAD_USER_INPUT', field: error.field, reason: error.code };
  if (error instanceof NotFoundError) return { code: 'NOT_FOUND', field: error.field };
  if (error instanceof InvalidTransitionError) return { code: 'INVALID_TRANSITION' };
  return null;
}

/** Whether a request's arguments hold a NUL character (PostgreSQL cannot store one in text). */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 20 || value === null || typeof value !== 'object') return false;
  return Object.values(value).some((v) => holdsNul(v, depth + 1));
}

const jsonError = (status: number, message: string, code: string): Response =>
  new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });

export function buildApp(services: Services, options: AppOptions = {}): App {
  const schema = options.schema ?? defaultSchema;
  const { config } = services;
  const production = config.env === 'production';
  const loginThrottle = new AddressThrottle();
  // Callers remembered per token for AUTH_CACHE_SECONDS, dropped at once on any access change.
  const actors = createActorCache(services.db, () => services.bus, config.http.authCacheSeconds * 1000);
  const clientIp = clientAddressResolver(config.http.trustProxy);
  const allowed = config.http.allowedOrigins;
  // Attachments: the configured store (a local folder by default, or S3).
  const files = services.files ?? fileStoreFor(config.files);
  const headers = securityHeaders({ https: (config.http.publicUrl ?? '').startsWith('https:'), tileUrl: config.map.tileUrl });

  // Set-Cookie from resolvers (login/logout) onto the HTTP response.
  const cookies: Plugin<Record<string, unknown>, ServerContext> = {
    onResponse({ response, serverContext }) {
      for (const c of serverContext?.setCookies ?? []) response.headers.append('Set-Cookie', c);
    },
  };

  // A page on another origin must not act with the user's cookie, whatever the browser does.
  const refuseForeignCookieRequests: Plugin = {
    onRequest({ request, endResponse }) {
      const cookie = readCookie(request.headers.get('cookie'), SESSION_COOKIE);
      const bearer = /^Bearer\s/i.test(request.headers.get('authorization') ?? '');
      if (cookie !== null && !bearer && !originAllowed(request.headers.get('origin'), request.headers.get('host'), allowed)) {
        endResponse(jsonError(403, 'Requests from this origin may not use the session cookie', 'FORBIDDEN_ORIGIN'));
      }
    },
  };

  // Text with NUL characters is refused up front: PostgreSQL cannot store or compare it.
  // A document is searched once (parsed documents are cached and reused), variables every time.
  const documentHoldsNul = new WeakMap<DocumentNode, boolean>();
  const refuseNul: Plugin = {
    onExecute({ args, setResultAndStopExecution }) {
      let found = holdsNul(args.variableValues);
      if (!found) {
        let inDocument = documentHoldsNul.get(args.document);
        if (inDocument === undefined) {
          inDocument = false;
          visit(args.document, {
            StringValue(node) {
              if (node.value.includes('\u0000')) {
                inDocument = true;
                return BREAK;
              }
              return undefined;
            },
          });
          documentHoldsNul.set(args.document, inDocument);
        }
        found = inDocument;
      }
      if (found) {
        setResultAndStopExecution({
          errors: [new GraphQLError('Text may not contain NUL characters', { extensions: { code: 'BAD_USER_INPUT' } })],
        });
      }
    },
  };

  // Introspection for signed-in callers only (INTROSPECTION=signed-in, the production default).
  const introspectionGate: Plugin<Context> = {
    onExecute({ args, setResultAndStopExecution }) {
      if (config.http.introspection === 'on' || args.contextValue.actor || !isIntrospection(args.document)) return;
      setResultAndStopExecution({
        errors: [new GraphQLError('Sign in to read the schema', { extensions: { code: 'UNAUTHENTICATED' } })],
      });
    },
  };

  // Internal errors: log them with the request id, which the masked message carries.
  // Runs before Yoga's masking (its plugin is always last).
  const measureOperations: Plugin<Context> = {
    onExecute({ args }) {
      const metrics = services.metrics;
      if (!metrics) return;
      const started = performance.now();
      const operation = getOperationAST(args.document, args.operationName);
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return;
          const seconds = (performance.now() - started) / 1000;
          metrics.graphqlOperation(
            operation?.name?.value ?? null,
            operation?.operation ?? 'unknown',
            seconds,
            Boolean(result.errors?.length),
          );
        },
      };
    },
  };

  const logUnexpected: Plugin<Context> = {
    onExecute() {
      return {
        onExecuteDone({ result, args }) {
          const ctx = args.contextValue;
          const errors = 'errors' in result ? (result.errors ?? []) : [];
          for (const e of errors) {
            const original = e.originalError;
            if (original && !(original instanceof GraphQLError) && !databaseErrorCode(original) && !userErrorCode(original)) {
              ctx.log.error({ err: original, path: e.path?.join('.') }, 'unexpected error while resolving');
              (e as { extensions: Record<string, unknown> }).extensions = { ...e.extensions, requestId: ctx.requestId };
            }
          }
        },
      };
    },
  };

  // Last, so the hooks above (metrics, error logging) see its results like any other.
  const compiledReads: Plugin<Context> = {
    async onExecute({ args, setResultAndStopExecution }) {
      if (!config.http.compiledReads) return;
      const data = await runCompiled({
        schema: args.schema,
        document: args.document,
        operationName: args.operationName,
        variables: args.variableValues as Record<string, unknown> | undefined,
        ctx: args.contextValue,
      });
      if (data) setResultAndStopExecution({ data });
    },
  };

  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // GraphiQL is served by Emerald itself (graphiql.ts), without a CDN.
    graphiql: false,
    // Only listed origins get CORS answers (same-origin requests need none).
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (!origin || !allowed.includes(origin)) return false;
      return {
        origin: [origin],
        credentials: true,
        methods: ['GET', 'POST'],
        allowedHeaders: ['content-type', 'authorization', 'x-request-id'],
      };
    },
    logging: {
      debug: (...args) => services.log.debug(args.map(String).join(' ')),
      info: (...args) => services.log.info(args.map(String).join(' ')),
      warn: (...args) => services.log.warn(args.map(String).join(' ')),
      error: (...args) => services.log.error(args.map(String).join(' ')),
    },
    plugins: [
      measureOperations,
      refuseForeignCookieRequests,
      // GraphQL requests must be preflighted ones (JSON body or a custom header).
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
      cookies,
      refuseNul,
      introspectionGate as Plugin,
      logUnexpected as Plugin,
      EnvelopArmorPlugin({
        maxAliases: { n: ARMOR_LIMITS.maxAliases, exposeLimits: true },
        maxTokens: { n: ARMOR_LIMITS.maxTokens, exposeLimits: true },
        maxDirectives: { n: ARMOR_LIMITS.maxDirectives, exposeLimits: true },
        maxDepth: { enabled: false }, // the complexity plugin limits depth
        costLimit: { enabled: false }, // the complexity plugin prices lists by page size
        blockFieldSuggestion: { enabled: production },
      }),
      compiledReads,
      limitBody,
    ],
    // limitBody replaces it.
    maxRequestBodySize: false,
    maskedErrors: {
      isDev: !production,
      maskError(rawError, message) {
        const error = rawError as GraphQLError;
        // Deliberate errors (auth, bad input, limits) are GraphQLErrors: shown as they are.
        if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) {
          const shown = error.originalError instanceof GraphQLError && !error.path ? error.originalError : error;
          // Every error carries a code: one raised on purpose without one (a malformed id, a
          // variable of the wrong type) is about the caller's input.
          if (shown.extensions?.code) return shown;
          return new GraphQLError(shown.message, {
            nodes: shown.nodes,
            source: shown.source,
            positions: shown.positions,
            path: shown.path,
            extensions: { ...shown.extensions, code: 'BAD_USER_INPUT' },
          });
        }
        const original = error.originalError ?? error;
        // Typed input errors raised outside a mutation's result union (a malformed id in a query).
        const user = userErrorCode(original);
        if (user) return new GraphQLError((original as Error).message, { nodes: error.nodes, path: error.path, extensions: user });
        // A database that is too slow or too busy is an answer the caller can act on.
        const db = databaseErrorCode(original);
        if (db) {
          return new GraphQLError(DATABASE_MESSAGES[db], { nodes: error.nodes, path: error.path, extensions: { code: db } });
        }
        const requestId = (error.extensions as { requestId?: string } | undefined)?.requestId;
        return new GraphQLError(production ? `${message} (request ${requestId ?? 'unknown'})` : (original as Error).message, {
          nodes: error.nodes,
          path: error.path,
          extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
        });
      },
    },
    context: async ({ request, services: s, remoteAddress, setCookies }: YogaInitialContext & ServerContext): Promise<Context> => {
      const requestId = logContext.getStore()?.requestId ?? request.headers.get('x-request-id')?.slice(0, 100) ?? randomUUID();
      const actor = await actors.resolve({
        cookie: request.headers.get('cookie'),
        authorization: request.headers.get('authorization'),
      });
      return {
        ...s,
        // Over HTTP every line already carries requestId (logContext, set by the server).
        log: s.log.child(logContext.getStore() ? { user: actor?.username } : { requestId, user: actor?.username }),
        actor,
        requestId,
        ip: clientIp(remoteAddress, request.headers.get('x-forwarded-for')),
        userAgent: request.headers.get('user-agent'),
        setCookies,
        loginThrottle,
      };
    },
  });

  const serveStatic =
    options.clientDir === null ? null : createStaticHandler(options.clientDir ?? path.join(projectRoot, 'client', 'dist'));

  const graphiqlAllowed = async (req: http.IncomingMessage): Promise<'yes' | 'sign-in' | 'no'> => {
    if (config.http.graphiql === 'off') return 'no';
    if (config.http.graphiql === 'on') return 'yes';
    const actor = await resolveActor(services.db, { cookie: req.headers.cookie ?? null, authorization: null });
    return actor ? 'yes' : 'sign-in';
  };

  const readiness = readinessProbe(services.db);

  /** Prometheus text; with `token`, only for `Authorization: Bearer <token>`. */
  const serveMetrics = async (req: http.IncomingMessage, res: http.ServerResponse, token: string | undefined): Promise<void> => {
    const metrics = services.metrics;
    if (token && !bearerMatches(req.headers.authorization, token)) {
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      res.end('metrics need Authorization: Bearer <METRICS_TOKEN>\n');
      return;
    }
    if (!metrics) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', metrics.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.end(await metrics.render());
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname.startsWith(GRAPHIQL_ASSETS)) {
      headers.api(req, res);
      if (config.http.graphiql !== 'off' && serveGraphiQLAsset(req, res)) return;
    } else if (pathname === '/graphql' || pathname.startsWith('/graphql/')) {
      if (wantsGraphiQL(req)) {
        const may = await graphiqlAllowed(req);
        if (may !== 'no') {
          headers.graphiql(req, res);
          if (may === 'yes') serveGraphiQLPage(req, res);
          else serveGraphiQLSignIn(res);
          return;
        }
      }
      headers.api(req, res);
      await yoga.handle(req, res, { services, remoteAddress: req.socket.remoteAddress, setCookies: [] });
      return;
    } else if (pathname.startsWith('/sim/')) {
      headers.api(req, res);
      await serveSimControl(services, req, res);
      return;
    } else if (pathname.startsWith('/export/')) {
      headers.api(req, res);
      const remoteAddress = req.socket.remoteAddress;
      await serveExport(services, req, res, async (body, h) => {
        const response = await yoga.fetch(
          'http://emerald.internal/graphql',
          { method: 'POST', headers: h, body: JSON.stringify(body) },
          { services, remoteAddress, setCookies: [] },
        );
        return response.json() as never;
      });
      return;
    } else if (pathname === '/files' || pathname.startsWith('/files/')) {
      headers.api(req, res);
      const remoteAddress = req.socket.remoteAddress;
      await serveFiles(services, files, req, res, async (body, h) => {
        const response = await yoga.fetch(
          'http://emerald.internal/graphql',
          { method: 'POST', headers: h, body: JSON.stringify(body) },
          { services, remoteAddress, setCookies: [] },
        );
        return response.json() as never;
      });
      return;
    } else if (pathname === '/healthz') {
      headers.api(req, res);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ ok: true }));
      return;
    } else if (pathname === '/readyz') {
      headers.api(req, res);
      const ready = await readiness();
      res.statusCode = ready.ok ? 200 : 503;
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-store');
      res.end(JSON.stringify(ready));
      return;
    } else if (pathname === '/metrics' && config.metrics.token) {
      headers.api(req, res);
      await serveMetrics(req, res, config.metrics.token);
      return;
    } else {
      headers.app(req, res);
      if (serveStatic?.(req, res)) return;
    }
    res.statusCode = 404;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(serveStatic ? 'Not found' : 'Not found (the monitor is not built: run npm run build)');
  };

  // Idle keep-alive connections stay open longer than the clients' and proxies' own idle
  // timeouts (browsers, load balancers: ~60 s): with Node's default 5 s, a request sent on
  // a connection the server is just closing fails with ECONNRESET.
  const server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, (req, res) => {
    // Every request gets an id (the caller's X-Request-Id when it is a sane one): it is sent
    // back, carried by every log line written while the request is handled, and named in
    // masked error messages.
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const pathname = new URL(req.url ?? '/', 'http://x').pathname;
      services.metrics?.httpRequest(routeLabel(pathname), req.method ?? 'GET', res.statusCode, seconds);
      const line = { requestId, method: req.method, path: pathname, status: res.statusCode, ms: Math.round(seconds * 1000) };
      const level = res.statusCode >= 500 ? 'warn' : res.statusCode >= 400 || seconds > 1 ? 'info' : 'debug';
      services.log[level](line, 'request');
    });
    logContext.run({ requestId }, () =>
      route(req, res).catch((error: unknown) => {
        services.log.error({ err: error, url: req.url }, 'request failed');
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      }),
    );
  });

  const websocket = graphqlWebSocket({
    services,
    schema,
    clientIp,
    loginThrottle,
    checkOperation: (query) => wsCheckedOperation(schema, query),
  });
  services.metrics?.setRealtime(() => websocket.stats());
  // Upgrades are routed here explicitly, so the HTTP server's own errors (e.g. port in
  // use) are not re-emitted on the WebSocket server.
  server.on('upgrade', (req, socket, head) => websocket.handleUpgrade(req, socket, head));

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
      // A deploy or a network blip reconnects every open monitor at once; Node's default
      // accept queue (511) resets part of such a storm (seen with 5,000 WebSocket clients).
      // The kernel caps this at net.core.somaxconn.
      server.listen({ port, host, backlog: 4096 }, async () => {
        server.removeAllListeners('error');
        // Metrics (with /healthz and /readyz) on their own port, for scrapers on an internal network.
        let metricsServer: http.Server | null = null;
        if (config.metrics.port !== undefined) {
          metricsServer = http.createServer((req, res) => {
            const pathname = new URL(req.url ?? '/', 'http://x').pathname;
            if (pathname !== '/metrics' && pathname !== '/healthz' && pathname !== '/readyz') {
              res.statusCode = 404;
              res.end();
              return;
            }
            const served = pathname === '/metrics' ? serveMetrics(req, res, config.metrics.token) : route(req, res);
            served.catch(() => {
              if (!res.headersSent) res.statusCode = 500;
              res.end();
            });
          });
          try {
            await new Promise<void>((ok, fail) => {
              metricsServer!.once('error', fail);
              metricsServer!.listen(config.metrics.port, config.metrics.host, () => ok());
            });
          } catch (error) {
            server.close();
            const code = (error as NodeJS.ErrnoException).code;
            reject(
              code === 'EADDRINUSE'
                ? new StartupError('PORT_IN_USE', `Port ${config.metrics.port} (METRICS_PORT) is already in use on ${config.metrics.host}`)
                : error,
            );
            return;
          }
        }
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
              actors.stop();
              await websocket.close();
              if (metricsServer) await new Promise<void>((r) => metricsServer!.close(() => r()));
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

  return { server, fetch: fetchInProcess, websocket, start };
}
