/**
 * Password hashing with scrypt (Node's built-in, memory-hard; OWASP's recommended
 * alternative to Argon2id without a native addon) at OWASP's current minimum cost:
 * N = 2^17 (128 MiB), r = 8, p = 1. Stored as `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`,
 * so hashes made with older, cheaper parameters still verify and are upgraded at the next
 * successful sign-in (`needsRehash`).
 *
 * Each hash costs ~0.1–1 s of CPU and 128 MiB: at most MAX_CONCURRENT run at once, and a
 * flood of sign-ins waits in a bounded queue instead of exhausting memory.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
const KEYLEN = 32;
const MAXMEM = 288 * 1024 * 1024;
const MAX_CONCURRENT = 2;
const MAX_QUEUED = 200;

let running = 0;
const waiting: (() => void)[] = [];

/** Thrown when more sign-ins wait for hashing than the queue holds (a flood). */
export class HashingBusy extends Error {
  override readonly name = 'HashingBusy';
}

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) {
    if (waiting.length >= MAX_QUEUED) throw new HashingBusy('too many password checks waiting');
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> =>
  limited(
    () => new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)))),
  );

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: MAXMEM });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

function parse(stored: string): { N: number; r: number; p: number; salt: Buffer; hash: Buffer } | null {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return null;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (!Number.isInteger(params.N) || !Number.isInteger(params.r) || !Number.isInteger(params.p)) return null;
  return { ...params, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const s = parse(stored);
  if (!s) return false;
  const key = await scrypt(password, s.salt, s.hash.length, { N: s.N, r: s.r, p: s.p, maxmem: MAXMEM });
  return key.length === s.hash.length && timingSafeEqual(key, s.hash);
}

/** True when a stored hash was made with weaker parameters than today's (upgrade it at sign-in). */
export function needsRehash(stored: string): boolean {
  const s = parse(stored);
  return !s || s.N < SCRYPT.N || s.r < SCRYPT.r || s.p < SCRYPT.p;
}

/** A hash that never verifies, to spend the same time when the user does not exist. */
export const DUMMY_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

export interface PasswordProblem {
  code: 'TOO_SHORT' | 'TOO_LONG' | 'TOO_SIMPLE' | 'CONTAINS_USERNAME';
  message: string;
}

/** Password rules: 10–128 characters, at least 5 distinct characters, not containing the username. */
export function checkPasswordRules(password: string, username?: string): PasswordProblem | null {
  if (password.length < 10) return { code: 'TOO_SHORT', message: 'Password must have at least 10 characters' };
  if (password.length > 128) return { code: 'TOO_LONG', message: 'Password must have at most 128 characters' };
  if (new Set(password).size < 5) return { code: 'TOO_SIMPLE', message: 'Password must use at least 5 different characters' };
  if (username && username.length >= 3 && password.toLowerCase().includes(username.toLowerCase())) {
    return { code: 'CONTAINS_USERNAME', message: 'Password must not contain the username' };
  }
  return null;
}
