/**
 * PostGraphile v5 (amber preset, no auth) on a database, as a team would run it for
 * "GraphQL over our Postgres": the peer of bench/peer.ts. Its own process.
 *   node --import tsx bench/peer/postgraphile.ts <database url> <port>
 * PostGraphile 5 declares Node ≥ 22; on Node 20 the one missing API it uses
 * (Promise.withResolvers) is polyfilled before it loads.
 */
import http from 'node:http';

type Resolvers<T> = { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };
const P = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
P.withResolvers ??= <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
};

const [url, port] = process.argv.slice(2);
const { postgraphile } = await import('postgraphile');
const { PostGraphileAmberPreset } = await import('postgraphile/presets/amber');
const { makePgService } = await import('postgraphile/adaptors/pg');
const { grafserv } = await import('postgraphile/grafserv/node');

const pgl = postgraphile({
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: url!, schemas: ['public'], poolConfig: { max: 20 } } as never)],
  grafserv: { graphqlPath: '/graphql', watch: false },
  schema: { pgIgnoreIndexes: true } as never,
});
const serv = pgl.createServ(grafserv);
const server = http.createServer({ keepAliveTimeout: 65_000 });
serv.addTo(server);
server.listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
