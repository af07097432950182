/**
 * Password hashing with scrypt (Node's built-in, memory-hard; OWASP-acceptable
 * alternative to Argon2id without a native addon). Stored as
 * `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>` so parameters can be raised later.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEYLEN = 32;
const MAXMEM = 64 * 1024 * 1024;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: MAXMEM });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: MAXMEM,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash that never verifies, to spend the same time when the user does not exist. */
export const DUMMY_HASH = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

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
