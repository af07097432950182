/**
 * GraphQL over WebSocket (graphql-ws) on /graphql, with the limits a public socket needs:
 * - the upgrade is refused from foreign origins (the cookie would otherwise authenticate a
 *   page on another site);
 * - messages are capped at MAX_PAYLOAD bytes, and a socket that has not authenticated within
 *   INIT_TIMEOUT_MS is closed;
 * - subscriptions per socket and per user are capped (WS_MAX_SUBSCRIPTIONS_*);
 * - who is connected is not fixed at connect time: on sign-out, deactivation, a role or
 *   team change and API-key revocation (an `auth` event from any process), and when the
 *   session or key expires, the user's sockets are re-checked and closed — 4401 when the
 *   access ended (clients stop), 4410 when it changed (clients reconnect with the new one).
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { type DocumentNode, execute, GraphQLError, type GraphQLSchema } from 'graphql';
import type { Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Credentials, resolveActor } from '../auth/tokens.ts';
import type { AddressThrottle } from '../auth/throttle.ts';
import type { Context } from '../graphql/context.ts';
import { FanOut } from '../graphql/fanOut.ts';
import { sharedSubscribe } from '../graphql/sharedExecution.ts';
import type { Actor, Services } from '../services.ts';
import type { ClientAddress } from './clientAddress.ts';
import { originAllowed } from './security.ts';

/** Largest client message: a subscription document with variables fits in a few kB. */
export const MAX_PAYLOAD = 64 * 1024;
/** A socket must send connection_init (and authenticate) within this time. */
export const INIT_TIMEOUT_MS = 5_000;
/** Close code when the access ended (signed out, deactivated, key revoked, expired): graphql-ws' Unauthorized, clients stop. */
export const ACCESS_ENDED = 4401;
/** Close code when the access changed (role, team, scopes): clients reconnect and get the new rights. */
export const ACCESS_CHANGED = 4410;

type Extra = {
  socket: WebSocket;
  request: http.IncomingMessage;
  actor?: Actor;
  credentials?: Credentials;
  /** Ids of this socket's running subscriptions (set up at connection_init). */
  operations?: Set<string>;
  expiry?: NodeJS.Timeout;
};

type Ctx = WsContext<Record<string, unknown> | undefined, Extra>;

export interface WebSocketOptions {
  services: Services;
  schema: GraphQLSchema;
  clientIp: ClientAddress;
  loginThrottle: AddressThrottle;
  /** The alias/token/directive limits applied over HTTP, for the same documents here. */
  /** The operation parsed and validated (limits included), or its errors; cached per text. */
  checkOperation: (query: string) => { document: DocumentNode } | { errors: readonly GraphQLError[] };
}

export interface GraphQLWebSocket {
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Open sockets; subscriptions accepted; their event streams open (a subscription is live
   * once its stream is); fan-out groups (tests, metrics).
   */
  stats(): { sockets: number; subscriptions: number; streams: number; groups: number };
  close(): Promise<void>;
}

const tooMany = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } });

const sameAccess = (a: Actor, b: Actor): boolean =>
  a.role === b.role &&
  a.teamId === b.teamId &&
  a.scopes.read === b.scopes.read &&
  a.scopes.write === b.scopes.write &&
  a.userId === b.userId;

export function graphqlWebSocket(options: WebSocketOptions): GraphQLWebSocket {
  const { services, schema } = options;
  const { maxSubscriptionsPerSocket, maxSubscriptionsPerUser } = services.config.ws;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  const fanOut = new FanOut({ onFallBehind: () => services.metrics?.subscriptionFellBehind() });
  /** Authenticated sockets by user. */
  const byUser = new Map<number, Set<Ctx>>();
  const subscriptionsOf = (userId: number): number => {
    let n = 0;
    for (const c of byUser.get(userId) ?? []) n += c.extra.operations?.size ?? 0;
    return n;
  };

  const forget = (ctx: Ctx): void => {
    clearTimeout(ctx.extra.expiry);
    const userId = ctx.extra.actor?.userId;
    if (userId === undefined) return;
    const set = byUser.get(userId);
    set?.delete(ctx);
    if (set?.size === 0) byUser.delete(userId);
  };
  const end = (ctx: Ctx, code: number, reason: string): void => {
    forget(ctx);
    ctx.extra.socket.close(code, reason);
  };

  /** Re-check a socket's credentials now; close it when its access ended or changed. */
  const recheck = async (ctx: Ctx): Promise<void> => {
    const before = ctx.extra.actor;
    if (!before || !ctx.extra.credentials) return;
    const now = await resolveActor(services.db, ctx.extra.credentials).catch(() => before);
    if (!now) end(ctx, ACCESS_ENDED, 'Signed out: sign in again');
    else if (!sameAccess(before, now)) end(ctx, ACCESS_CHANGED, 'Access changed: reconnect');
  };
  const recheckUser = (userId: number | null): void => {
    const targets = userId === null ? [...byUser.values()].flatMap((s) => [...s]) : [...(byUser.get(userId) ?? [])];
    for (const ctx of targets) void recheck(ctx);
  };
  const unsubscribeAuth = services.bus?.onAuthChange(recheckUser);

  const server = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema,
      execute,
      subscribe: sharedSubscribe,
      connectionInitWaitTimeout: INIT_TIMEOUT_MS,
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
        const credentials: Credentials = { cookie: ctx.extra.request.headers.cookie ?? null, authorization };
        const actor = await resolveActor(services.db, credentials);
        if (!actor) return false; // graphql-ws closes with 4403 Forbidden
        ctx.extra.actor = actor;
        ctx.extra.credentials = credentials;
        ctx.extra.operations = new Set();
        // Counted out the moment the socket closes (graphql-ws' own callbacks come after its cleanup).
        ctx.extra.socket.once('close', () => forget(ctx));
        let set = byUser.get(actor.userId);
        if (!set) byUser.set(actor.userId, (set = new Set()));
        set.add(ctx);
        if (actor.expiresAt) {
          const ms = Math.min(actor.expiresAt.getTime() - Date.now() + 50, 2_147_000_000);
          ctx.extra.expiry = setTimeout(() => void recheck(ctx), Math.max(0, ms));
          ctx.extra.expiry.unref();
        }
        return true;
      },
      onSubscribe: (ctx, id, payload) => {
        const checked = options.checkOperation(payload.query);
        if ('errors' in checked) return checked.errors;
        const operations = ctx.extra.operations ?? new Set<string>();
        const userId = ctx.extra.actor?.userId;
        if (operations.size >= maxSubscriptionsPerSocket)
          return [tooMany(`At most ${maxSubscriptionsPerSocket} subscriptions per connection`)];
        if (userId !== undefined && subscriptionsOf(userId) >= maxSubscriptionsPerUser) {
          return [tooMany(`At most ${maxSubscriptionsPerUser} subscriptions per user, over all their connections`)];
        }
        operations.add(id);
        // Already parsed and validated: graphql-ws runs it as given (the context comes from `context`).
        return { schema, document: checked.document, operationName: payload.operationName, variableValues: payload.variables };
      },
      onComplete: (ctx, id) => {
        ctx.extra.operations?.delete(id);
      },
      onError: (ctx, id) => {
        ctx.extra.operations?.delete(id);
      },
      onClose: (ctx) => forget(ctx),
      onDisconnect: (ctx) => forget(ctx),
      context: (ctx, id): Context => ({
        ...services,
        actor: ctx.extra.actor ?? null,
        requestId: randomUUID(),
        ip: options.clientIp(ctx.extra.request.socket.remoteAddress, String(ctx.extra.request.headers['x-forwarded-for'] ?? '')),
        userAgent: ctx.extra.request.headers['user-agent'] ?? null,
        setCookies: [],
        loginThrottle: options.loginThrottle,
        outlet: { id, socket: ctx.extra.socket, fanOut },
      }),
    },
    wss,
  );

  return {
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/graphql') {
        socket.destroy();
        return;
      }
      if (!originAllowed(req.headers.origin, req.headers.host, services.config.http.allowedOrigins)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nForeign origin\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    stats: () => {
      const { streams, groups } = fanOut.stats();
      return {
        sockets: wss.clients.size,
        subscriptions: [...byUser.keys()].reduce((n, userId) => n + subscriptionsOf(userId), 0),
        streams,
        groups,
      };
    },
    async close() {
      unsubscribeAuth?.();
      await server.dispose();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
