/** The RouterOS simulator answered word by word over TCP, as a client written from the manual would see it. */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSentence, SentenceDecoder } from '../../server/src/vendors/routerosWire.ts';
import { World } from '../world/world.ts';
import { startRouterOsSim, type RunningRouterOsSim } from './server.ts';

/** A bare API client: send sentences, read sentences in order. */
async function rawClient(sim: RunningRouterOsSim) {
  const socket = net.connect(sim.port, sim.host);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const decoder = new SentenceDecoder();
  const inbox: string[][] = [];
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    inbox.push(...decoder.push(chunk));
    for (const w of waiters.splice(0)) w();
  });
  const next = async (): Promise<string[]> => {
    while (!inbox.length) await new Promise<void>((r) => waiters.push(r));
    return inbox.shift()!;
  };
  return {
    send: (...words: string[]) => socket.write(encodeSentence(words)),
    next,
    /** Sentences up to and including the next `!done`. */
    async untilDone(): Promise<string[][]> {
      const out: string[][] = [];
      for (;;) {
        const s = await next();
        out.push(s);
        if (s[0] === '!done') return out;
      }
    },
    close: () => socket.destroy(),
  };
}

const sims: RunningRouterOsSim[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.stop();
});

async function router(version: string, options: { legacyLogin?: boolean } = {}) {
  const world = World.generate({ seed: 5, subscribers: 60, now: new Date('2026-11-27T12:00:00Z') });
  world.data.routers[0]!.version = version;
  const sim = await startRouterOsSim({ world, routerId: 1, user: 'api', password: 'pw', ...options });
  sims.push(sim);
  return sim;
}

function md5Response(challengeHex: string): string {
  return `00${createHash('md5')
    .update(Buffer.concat([Buffer.from([0]), Buffer.from('pw', 'latin1'), Buffer.from(challengeHex, 'hex')]))
    .digest('hex')}`;
}

describe('RouterOS simulator login, as real versions answer it', () => {
  it('7.x: name and password in one /login; a bare /login is refused', async () => {
    const c = await rawClient(await router('7.16.1 (stable)'));
    c.send('/login');
    expect((await c.untilDone())[0]).toEqual(['!trap', '=message=invalid user name or password (6)']);
    c.send('/login', '=name=api', '=password=pw');
    expect(await c.untilDone()).toEqual([['!done']]);
    c.close();
  });

  it('6.43–6.49: both the new login and the MD5 challenge of older clients', async () => {
    const sim = await router('6.49.10 (long-term)');
    const modern = await rawClient(sim);
    modern.send('/login', '=name=api', '=password=pw');
    expect(await modern.untilDone()).toEqual([['!done']]);
    modern.close();
    const old = await rawClient(sim);
    old.send('/login');
    const [ret] = await old.untilDone();
    expect(ret![1]).toMatch(/^=ret=[0-9a-f]{32}$/);
    old.send('/login', '=name=api', `=response=${md5Response(ret![1]!.slice(5))}`);
    expect(await old.untilDone()).toEqual([['!done']]);
    old.close();
  });

  it('< 6.43: answers any /login with a challenge and accepts only the MD5 response', async () => {
    const c = await rawClient(await router('6.40.8', { legacyLogin: true }));
    c.send('/login', '=name=api', '=password=pw');
    const [ret] = await c.untilDone();
    expect(ret![1]).toMatch(/^=ret=/);
    c.send('/login', '=name=api', `=response=${md5Response(ret![1]!.slice(5))}`);
    expect(await c.untilDone()).toEqual([['!done']]);
    c.close();
  });
});

describe('RouterOS simulator command words', () => {
  it('tags every reply, limits properties with =.proplist=, and ends streams with /cancel (=tag= or all)', async () => {
    const c = await rawClient(await router('7.18.2 (stable)'));
    c.send('/login', '=name=api', '=password=pw');
    await c.untilDone();
    c.send('/system/identity/print', '=.proplist=name', '.tag=a');
    const [re, done] = await c.untilDone();
    expect(re![0]).toBe('!re');
    expect(re!.filter((w) => w.startsWith('='))).toHaveLength(1);
    expect(re).toContain('.tag=a');
    expect(done).toEqual(['!done', '.tag=a']);

    c.send('/ppp/active/listen', '.tag=s1');
    c.send('/ppp/active/listen', '.tag=s2');
    c.send('/cancel', '=tag=s1', '.tag=c1');
    expect(await c.untilDone()).toEqual([
      ['!trap', '=category=2', '=message=interrupted', '.tag=s1'],
      ['!done', '.tag=s1'],
    ]);
    expect(await c.untilDone()).toEqual([['!done', '.tag=c1']]);
    c.send('/cancel', '.tag=c2');
    expect(await c.untilDone()).toEqual([
      ['!trap', '=category=2', '=message=interrupted', '.tag=s2'],
      ['!done', '.tag=s2'],
    ]);
    expect(await c.untilDone()).toEqual([['!done', '.tag=c2']]);
    c.close();
  });
});
