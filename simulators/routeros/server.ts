/**
 * A RouterOS API server (TCP, optionally TLS) for one simulated router: the binary
 * protocol, modern and legacy (MD5 challenge) login, tagged concurrent commands, print
 * with .proplist and ? queries, listen streams with .dead, /cancel, !trap/!empty/!fatal,
 * and the menus Emerald uses. Faults can be switched on at run time.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { World, SessionEvent } from '../world/world.ts';
import { booleanWord, routerosActive, routerosDuration, routerosSecret } from '../world/views.ts';
import { encodeSentence, ProtocolError, SentenceDecoder } from '../../server/src/vendors/routerosWire.ts';
import { matchesQuery, parseCommand, type Command } from './protocol.ts';

export interface RouterOsFaults {
  /** Delay every reply by this many milliseconds. */
  latencyMs: number;
  /** Write replies in tiny fragments (1–7 bytes). */
  fragment: boolean;
  /** Answer the next command with random bytes instead of a reply. */
  garbageNext: boolean;
  /** Answer the next command with !fatal and close the connection. */
  fatalNext: boolean;
  /** Accept connections but never answer (a router that stopped responding). */
  hang: boolean;
}

export interface RouterOsSimOptions {
  world: World;
  routerId: number;
  user?: string;
  password?: string;
  host?: string;
  port?: number;
  /** Legacy (< 6.43) login: /login answers a challenge, the client replies with an MD5. */
  legacyLogin?: boolean;
  /** Reply !empty to a print with no rows (RouterOS ≥ 7.18). Default: from the router version. */
  emptyReplies?: boolean;
  tls?: { key: string | Buffer; cert: string | Buffer };
  faults?: Partial<RouterOsFaults>;
}

export interface RunningRouterOsSim {
  host: string;
  port: number;
  faults: RouterOsFaults;
  /** Open client connections. */
  connections(): number;
  /** Commands received (by name), for tests. */
  commands: Map<string, number>;
  stop(): Promise<void>;
}

type Row = Record<string, string>;

/** The properties a command asked for (`.proplist`), or null for all of them. */
const proplistOf = (cmd: Command): ReadonlySet<string> | null => {
  const list = cmd.attributes['.proplist'];
  return list === undefined ? null : new Set(list.split(','));
};

interface Stream {
  stop(): void;
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split(/[.\s]/).map(Number);
  return a > major || (a === major && b >= minor);
}

export async function startRouterOsSim(options: RouterOsSimOptions): Promise<RunningRouterOsSim> {
  const { world, routerId } = options;
  const router = world.router(routerId);
  if (!router) throw new Error(`no router ${routerId} in the world`);
  const user = options.user ?? 'api';
  const password = options.password ?? 'api';
  const emptyReplies = options.emptyReplies ?? versionAtLeast(router.version, 7, 18);
  const faults: RouterOsFaults = { latencyMs: 0, fragment: false, garbageNext: false, fatalNext: false, hang: false, ...options.faults };
  const sockets = new Set<net.Socket>();
  const commands = new Map<string, number>();

  const handler = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const decoder = new SentenceDecoder();
    const streams = new Map<string, Stream>();
    let authenticated = false;
    let challenge: Buffer | null = null;
    let closed = false;

    const cleanup = (): void => {
      closed = true;
      for (const s of streams.values()) s.stop();
      streams.clear();
      sockets.delete(socket);
    };
    socket.on('close', cleanup);
    socket.on('error', () => socket.destroy());

    const writeRaw = async (data: Buffer): Promise<void> => {
      if (closed) return;
      if (!faults.fragment) {
        socket.write(data);
        return;
      }
      for (let i = 0; i < data.length && !closed; ) {
        const n = 1 + Math.floor(Math.random() * 7);
        socket.write(data.subarray(i, i + n));
        i += n;
        await new Promise((r) => setImmediate(r));
      }
    };

    const send = async (words: string[], tag: string | undefined): Promise<void> => {
      await writeRaw(encodeSentence(tag === undefined ? words : [...words, `.tag=${tag}`]));
    };

    const rowWords = (row: Row, proplist: ReadonlySet<string> | null): string[] => {
      const words: string[] = [];
      for (const k in row) if (!proplist || proplist.has(k)) words.push(`=${k}=${row[k]}`);
      return words;
    };

    const trap = (message: string, tag: string | undefined, category?: number): Promise<void> =>
      send(['!trap', ...(category === undefined ? [] : [`=category=${category}`]), `=message=${message}`], tag).then(() =>
        send(['!done'], tag),
      );

    const reply = async (rows: Row[], cmd: Command, tag: string | undefined): Promise<void> => {
      const proplist = proplistOf(cmd);
      const queried = cmd.queries.length ? rows.filter((r) => matchesQuery(r, cmd.queries)) : rows;
      if (cmd.queries.length && rows.some((r) => matchesQuery(r, cmd.queries) === null)) {
        await trap('invalid query', tag, 0);
        return;
      }
      if ('count-only' in cmd.attributes) {
        await send(['!done', `=ret=${queried.length}`], tag);
        return;
      }
      if (queried.length === 0 && emptyReplies) await send(['!empty'], tag);
      // Large prints go out in batches of 500 sentences, each batch in one write (as a router
      // fills its TCP segments), so other commands on the connection interleave between them.
      const tail = tag === undefined ? [] : [`.tag=${tag}`];
      for (let i = 0; i < queried.length; i += 500) {
        const batch = queried.slice(i, i + 500).map((row) => encodeSentence(['!re', ...rowWords(row, proplist), ...tail]));
        await writeRaw(Buffer.concat(batch));
        if (i + 500 < queried.length) await new Promise((r) => setImmediate(r));
      }
      await send(['!done'], tag);
    };

    const menus: Record<string, () => Row[]> = {
      '/ppp/secret': () => world.secrets(routerId).map((s) => routerosSecret(s, router)),
      '/ppp/active': () => world.sessions(routerId).map((s) => routerosActive(s, router, world.now())),
      '/ppp/profile': () =>
        ['default', 'default-encryption', 'moroso', ...new Set(world.data.plans.map((p) => p.profile))].map((name, i) => ({
          '.id': `*${i + 1}`,
          name,
          'local-address': '100.64.0.1',
          'rate-limit': name === 'moroso' ? '512k/512k' : '',
          'only-one': 'default',
          default: booleanWord(i < 2, router),
        })),
      '/system/resource': () => [
        {
          uptime: routerosDuration(world.now().getTime() - router.bootedAt.getTime()),
          version: router.version,
          'build-time': 'Mar/20/2025 10:00:00',
          'free-memory': '3215876096',
          'total-memory': '4294967296',
          cpu: 'ARM64',
          'cpu-count': '4',
          'cpu-load': String(5 + (world.sessions(routerId).length % 40)),
          'board-name': router.boardName,
          'architecture-name': 'arm64',
          platform: 'MikroTik',
        },
      ],
      '/system/identity': () => [{ name: router.identity }],
      '/interface': () => [
        {
          '.id': '*1',
          name: 'sfp-sfpplus1',
          type: 'ether',
          running: booleanWord(true, router),
          'rx-byte': '98765432100',
          'tx-byte': '12345678900',
        },
        ...world.sessions(routerId).map((s, i) => ({
          '.id': `*${(0x100 + i).toString(16).toUpperCase()}`,
          name: `<pppoe-${s.name}>`,
          type: 'pppoe-in',
          running: booleanWord(true, router),
          'rx-byte': String(s.txBytes),
          'tx-byte': String(s.rxBytes),
        })),
      ],
    };

    const listen = (menu: string, tag: string | undefined, proplist: ReadonlySet<string> | null): void => {
      if (menu !== '/ppp/active') {
        void trap('no such command', tag);
        return;
      }
      const onSession = (e: SessionEvent): void => {
        if (e.routerId !== routerId) return;
        const row = e.dead ? { '.id': e.session.rosId, '.dead': 'yes' } : routerosActive(e.session, router, world.now());
        void send(['!re', ...rowWords(row, e.dead ? null : proplist)], tag);
      };
      world.on('session', onSession);
      streams.set(tag ?? '', { stop: () => world.off('session', onSession) });
    };

    const handle = async (words: string[]): Promise<void> => {
      const cmd = parseCommand(words);
      const tag = cmd.api.tag;
      commands.set(cmd.command, (commands.get(cmd.command) ?? 0) + 1);
      if (faults.hang || world.downRouters.has(routerId)) return;
      if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
      if (closed) return;
      if (faults.fatalNext) {
        faults.fatalNext = false;
        await send(['!fatal', 'session terminated on request'], undefined);
        socket.end();
        return;
      }
      if (faults.garbageNext) {
        faults.garbageNext = false;
        // Bytes that are not a valid length prefix (0xF8..0xFF never start a word).
        await writeRaw(Buffer.concat([Buffer.from([0xf8, 0xff]), randomBytes(64)]));
        return;
      }
      if (cmd.command === '/login') {
        // RouterOS < 6.43 knows only the challenge; 6.43–6.49 also answer a bare /login
        // with one (old clients); 7.x accepts only the name and password.
        const challengeFirst =
          options.legacyLogin ||
          (!('password' in cmd.attributes) && !('response' in cmd.attributes) && !versionAtLeast(router.version, 7, 0));
        if (challengeFirst || ('response' in cmd.attributes && challenge)) {
          if (!('response' in cmd.attributes)) {
            challenge = randomBytes(16);
            await send(['!done', `=ret=${challenge.toString('hex')}`], tag);
            return;
          }
          const expected = `00${createHash('md5')
            .update(Buffer.concat([Buffer.from([0]), Buffer.from(password, 'latin1'), challenge ?? Buffer.alloc(16)]))
            .digest('hex')}`;
          if (cmd.attributes.name === user && cmd.attributes.response === expected) {
            authenticated = true;
            await send(['!done'], tag);
          } else await trap('cannot log in', tag);
          return;
        }
        if (cmd.attributes.name === user && cmd.attributes.password === password) {
          authenticated = true;
          await send(['!done'], tag);
        } else {
          await trap('invalid user name or password (6)', tag);
        }
        return;
      }
      if (!authenticated) {
        await trap('not logged in', tag);
        return;
      }
      if (cmd.command === '/cancel') {
        // `=tag=X` ends that command; a bare /cancel ends every running one.
        const targets = cmd.attributes.tag === undefined ? [...streams.keys()] : [cmd.attributes.tag];
        for (const target of targets) {
          const stream = streams.get(target);
          if (!stream) continue;
          stream.stop();
          streams.delete(target);
          await trap('interrupted', target === '' ? undefined : target, 2);
        }
        await send(['!done'], tag);
        return;
      }
      if (cmd.command === '/quit') {
        await send(['!fatal', 'session terminated on request'], undefined);
        socket.end();
        return;
      }
      const m = /^(\/[a-z/-]+?)\/(print|getall|listen)$/.exec(cmd.command);
      if (m && menus[m[1]!]) {
        if (m[2] === 'listen') listen(m[1]!, tag, proplistOf(cmd));
        else await reply(menus[m[1]!]!(), cmd, tag);
        return;
      }
      if (cmd.command === '/ppp/active/remove') {
        // `.id` (or `numbers`, as the CLI calls it): several ids may be given, comma-separated.
        const ids = (cmd.attributes['.id'] ?? cmd.attributes.numbers ?? '').split(',').filter(Boolean);
        if (!ids.length) {
          await trap('missing value for .id', tag, 1);
          return;
        }
        const known = new Set(world.sessions(routerId).map((x) => x.rosId));
        const unknown = ids.find((id) => !known.has(id));
        if (unknown) {
          await trap('no such item', tag, 0);
          return;
        }
        for (const id of ids) world.removeSession(routerId, id);
        await send(['!done'], tag);
        return;
      }
      if (cmd.command === '/ppp/secret/set') {
        const id = cmd.attributes['.id'] ?? cmd.attributes.numbers;
        const secret = world.secrets(routerId).find((x) => x.rosId === id || (cmd.attributes.numbers !== undefined && x.name === id));
        if (!id || !secret) {
          await trap(id ? 'no such item' : 'missing value for .id', tag, id ? 0 : 1);
          return;
        }
        const allowed = new Set(['.id', 'numbers', 'disabled', 'comment', 'profile']);
        const extra = Object.keys(cmd.attributes).find((k) => !allowed.has(k));
        if (extra) {
          await trap(`unknown parameter ${extra}`, tag, 1);
          return;
        }
        const patch: { disabled?: boolean; comment?: string; profile?: string } = {};
        if (cmd.attributes.disabled !== undefined) {
          const v = cmd.attributes.disabled;
          if (!['yes', 'no', 'true', 'false'].includes(v)) {
            await trap(`value of disabled must be yes or no`, tag, 1);
            return;
          }
          patch.disabled = v === 'yes' || v === 'true';
        }
        if (cmd.attributes.comment !== undefined) patch.comment = cmd.attributes.comment;
        if (cmd.attributes.profile !== undefined) {
          const profiles = menus['/ppp/profile']!().map((p) => p.name);
          if (!profiles.includes(cmd.attributes.profile)) {
            await trap('input does not match any value of profile', tag, 1);
            return;
          }
          patch.profile = cmd.attributes.profile;
        }
        world.setSecret(routerId, secret.rosId, patch);
        await send(['!done'], tag);
        return;
      }
      if (cmd.command === '/interface/monitor-traffic') {
        const name = cmd.attributes.interface ?? '';
        const user = /^<pppoe-(.+)>$/.exec(name)?.[1];
        const session = world.sessions(routerId).find((s) => s.name === user);
        if (!session) {
          await trap(`no such item (${name})`, tag, 0);
          return;
        }
        const jitter = 0.8 + Math.random() * 0.4;
        await send(
          [
            '!re',
            `=name=${name}`,
            // On the NAS's <pppoe-…> interface, rx is what the subscriber uploads and tx what
            // they download (the world's rxRate/txRate are from the subscriber's side).
            `=rx-packets-per-second=${Math.floor((session.txRate * jitter) / 9000)}`,
            `=rx-bits-per-second=${Math.floor(session.txRate * jitter)}`,
            `=tx-packets-per-second=${Math.floor((session.rxRate * jitter) / 9000)}`,
            `=tx-bits-per-second=${Math.floor(session.rxRate * jitter)}`,
          ],
          tag,
        );
        await send(['!done'], tag);
        return;
      }
      // Includes "#", which node-routeros sends as a keepalive.
      await trap('no such command prefix', tag);
    };

    socket.on('data', (chunk: Buffer) => {
      let sentences: string[][];
      try {
        sentences = decoder.push(chunk);
      } catch (error) {
        if (error instanceof ProtocolError) socket.destroy();
        return;
      }
      for (const words of sentences) void handle(words).catch(() => socket.destroy());
    });
  };

  const server = options.tls ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : net.createServer(handler);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host,
    port,
    faults,
    commands,
    connections: () => sockets.size,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
