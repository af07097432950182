/**
 * Sign-in sessions and API keys. Both are random secrets given to the client once; the
 * database keeps only their SHA-256 (they are high-entropy, so a slow hash adds nothing).
 *
 * - Browser: `emerald_session` cookie (httpOnly, SameSite=Lax, Secure in production).
 * - Scripts: `Authorization: Bearer <session token>` (login with `returnToken: true`) or
 *   `Authorization: Bearer emk_<prefix>_<secret>` (an API key with READ/WRITE scopes).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/client.ts';
import type { RoleValue } from '../domain/types.ts';
import type { Actor } from '../services.ts';

export const SESSION_COOKIE = 'emerald_session';
export const API_KEY_PREFIX = 'emk_';

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export interface NewApiKey {
  prefix: string;
  secret: string;
  /** What the client sends: emk_<prefix>_<secret>. Shown once. */
  token: string;
  secretHash: string;
}

export function newApiKey(): NewApiKey {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { prefix, secret, token: `${API_KEY_PREFIX}${prefix}_${secret}`, secretHash: sha256(secret) };
}

export function sessionCookie(token: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${options.maxAgeSeconds}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearSessionCookie(secure: boolean): string {
  return [`${SESSION_COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=0', ...(secure ? ['Secure'] : [])].join('; ');
}

export function readCookie(header: string | null | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      // A malformed value (bad percent-encoding) is no credential, not a server error.
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

export interface Credentials {
  cookie: string | null;
  authorization: string | null;
}

/** The token a request carries: the bearer token first, else the session cookie. */
export function requestToken(credentials: Credentials): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(credentials.authorization ?? '')?.[1];
  return bearer ?? readCookie(credentials.cookie, SESSION_COOKIE);
}

interface ActorRow {
  user_id: number;
  username: string;
  name: string;
  role: RoleValue;
  team_id: number | null;
  session_id: number | null;
  api_key_id: number | null;
  scopes: string[] | null;
  secret_hash: string | null;
  last_seen_at: Date | null;
  last_used_at: Date | null;
  expires_at: Date | null;
}

const TOUCH_EVERY_MS = 60_000;

/**
 * The user behind a request's token, or null (unknown, expired, revoked, deactivated).
 * Sliding sessions: `last_seen_at` is refreshed at most once a minute.
 */
export async function resolveActor(db: Db, credentials: Credentials): Promise<Actor | null> {
  const token = requestToken(credentials);
  if (!token) return null;
  if (token.startsWith(API_KEY_PREFIX)) {
    const m = /^emk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})$/.exec(token);
    if (!m) return null;
    const res = await db.pool.query<ActorRow>(
      `SELECT u.id AS user_id, u.username, u.name, u.role, u.team_id, NULL::int AS session_id, k.id AS api_key_id,
              k.scopes::text[] AS scopes, k.secret_hash, NULL::timestamptz AS last_seen_at, k.last_used_at, k.expires_at
       FROM api_keys k JOIN users u ON u.id = k.user_id
       WHERE k.prefix = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AND u.active`,
      [m[1]],
    );
    const row = res.rows[0];
    if (!row?.secret_hash) return null;
    const expected = Buffer.from(row.secret_hash, 'hex');
    const given = Buffer.from(sha256(m[2]!), 'hex');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > TOUCH_EVERY_MS) {
      void db.pool.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [row.api_key_id]).catch(() => {});
    }
    const scopes = row.scopes ?? [];
    return toActor(row, { read: scopes.includes('READ'), write: scopes.includes('WRITE') });
  }
  const res = await db.pool.query<ActorRow>(
    `SELECT u.id AS user_id, u.username, u.name, u.role, u.team_id, s.id AS session_id, NULL::int AS api_key_id,
            NULL::text[] AS scopes, NULL AS secret_hash, s.last_seen_at, NULL::timestamptz AS last_used_at, s.expires_at
     FROM user_sessions s JOIN users u ON u.id = s.user_id
     WHERE s.token_hash = $1 AND s.expires_at > now() AND u.active`,
    [sha256(token)],
  );
  const row = res.rows[0];
  if (!row) return null;
  if (!row.last_seen_at || Date.now() - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
    void db.pool.query('UPDATE user_sessions SET last_seen_at = now() WHERE id = $1', [row.session_id]).catch(() => {});
  }
  return toActor(row, { read: true, write: true });
}

function toActor(row: ActorRow, scopes: { read: boolean; write: boolean }): Actor {
  return {
    userId: row.user_id,
    username: row.username,
    name: row.name,
    role: row.role,
    teamId: row.team_id,
    apiKeyId: row.api_key_id,
    sessionId: row.session_id,
    scopes,
    expiresAt: row.expires_at,
  };
}
