/**
 * The GraphQL client: urql with graphcache (normalised by the schema, so a subscription
 * that brings an ONU's new status updates every screen that shows that ONU), Relay
 * pagination for long lists, and subscriptions over graphql-ws on the same /graphql.
 *
 * The live link reports its state (`onLink`); after a reconnection every active query is
 * refetched, because changes made while the link was down are not replayed.
 */
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { createClient as createWsClient } from 'graphql-ws';
import { Client, fetchExchange, mapExchange, subscriptionExchange } from 'urql';
import introspection from './gql/introspection.json';

type Link = 'connecting' | 'up' | 'down';

interface IntrospectedType {
  kind: string;
  name: string;
  fields?: { name: string }[];
}

/** Object types without an `id` are values inside their parent, not entities. */
const embedded = Object.fromEntries(
  (introspection.__schema.types as IntrospectedType[])
    .filter(
      (t) => t.kind === 'OBJECT' && !t.fields?.some((f) => f.name === 'id') && !['Query', 'Mutation', 'Subscription'].includes(t.name),
    )
    .map((t) => [t.name, () => null]),
);

export function createEmeraldClient(options: { onLink(state: Link): void; onUnauthenticated(): void; onReconnected(): void }): {
  client: Client;
  dispose(): void;
} {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  let everConnected = false;
  const ws = createWsClient({
    url: wsUrl,
    lazy: false,
    retryAttempts: Number.POSITIVE_INFINITY,
    // The session cookie travels with the upgrade request: nothing to send.
    connectionParams: {},
    retryWait: async (retries) => new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** retries) * (0.5 + Math.random() / 2))),
    shouldRetry: () => true,
    on: {
      connecting: () => options.onLink('connecting'),
      connected: () => {
        options.onLink('up');
        if (everConnected) options.onReconnected();
        everConnected = true;
      },
      closed: (event) => {
        options.onLink('down');
        // 4403: refused at connect; 4401: the session ended while connected (signed out, deactivated, expired).
        const code = (event as CloseEvent).code;
        if (code === 4403 || code === 4401) options.onUnauthenticated();
      },
    },
  });

  const client = new Client({
    url: '/graphql',
    fetchOptions: { credentials: 'same-origin' },
    // JSON POSTs only: the server refuses GraphQL requests a browser would not preflight (CSRF).
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    exchanges: [
      mapExchange({
        onResult(result) {
          if (result.error?.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) options.onUnauthenticated();
          return result;
        },
      }),
      cacheExchange({
        schema: introspection as never,
        keys: embedded,
        resolvers: {
          Query: { onus: relayPagination(), tickets: relayPagination() },
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, dispose: () => void ws.dispose() };
}
