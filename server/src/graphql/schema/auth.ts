/** Sign-in and sign-out, and who am I. */
import { z } from 'zod';
import { DUMMY_HASH, HashingBusy, hashPassword, needsRehash, verifyPassword } from '../../auth/password.ts';
import { SIGN_IN_PAUSE, clearSignInAttempts, isKnownAddress, reserveSignInAttempt } from '../../auth/throttle.ts';
import { clearSessionCookie, newSessionToken, sessionCookie, sha256 } from '../../auth/tokens.ts';
import { builder } from '../builder.ts';
import { signedIn } from '../access.ts';
import { notifyIn } from '../notify.ts';
import { audit } from '../audit.ts';
import { LoginError, ValidationError, parseInput } from '../userErrors.ts';
import { UserRef } from './user.ts';

/** The one answer to every failed sign-in. */
export const WRONG_CREDENTIALS = 'Wrong username or password. After repeated failures, sign-in pauses for a few minutes.';

interface LoginShape {
  user: { id: number };
  token: string | null;
  expiresAt: Date;
}

const LoginPayload = builder.objectRef<LoginShape>('LoginPayload').implement({
  description: 'A successful sign-in. The browser gets an httpOnly session cookie.',
  fields: (t) => ({
    user: t.field({
      type: UserRef,
      description: 'Who signed in.',
      resolve: (p, _a, ctx) => ctx.db.prisma.user.findUniqueOrThrow({ where: { id: p.user.id } }),
    }),
    token: t.exposeString('token', {
      nullable: true,
      description: 'The session token for `Authorization: Bearer …` (only when asked for with returnToken: true).',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When the session expires.' }),
  }),
});

builder.mutationField('login', (t) =>
  t.field({
    type: LoginPayload,
    description:
      'Sign in. Sets the session cookie; scripts can ask for the token instead. After repeated failures sign-in pauses briefly for that username (not from addresses the user signed in from before), and a client address with many failures is throttled.',
    errors: {
      types: [LoginError, ValidationError],
      union: { name: 'LoginResult', description: 'A session, or why sign-in failed.' },
      result: { name: 'LoginSuccess', description: 'Signed in.' },
      dataField: { name: 'session', description: 'The new session.' },
    },
    args: {
      username: t.arg.string({ required: true, description: 'Username.' }),
      password: t.arg.string({ required: true, description: 'Password.' }),
      returnToken: t.arg.boolean({ required: false, defaultValue: false, description: 'Also return the token (for scripts).' }),
    },
    resolve: async (_root, args, ctx) => {
      const username = parseInput(z.string().trim().toLowerCase().min(1, 'Username is required').max(100), args.username, 'username');
      if (!args.password) throw ValidationError.single('password', 'REQUIRED', 'Password is required');
      if (args.password.length > 1024) throw ValidationError.single('password', 'TOO_LONG', 'Password is too long');
      const address = ctx.ip ?? 'unknown';
      const wait = ctx.loginThrottle.retryAfter(address);
      if (wait > 0)
        throw new LoginError('TOO_MANY_ATTEMPTS', 'Too many failed sign-ins from this address; try again later', Math.ceil(wait / 1000));

      // One answer for every failure — unknown user, wrong password, deactivated, paused —
      // so the answer never tells an attacker which accounts exist or are paused.
      const refuse = (): never => {
        ctx.loginThrottle.fail(address);
        throw new LoginError('INVALID_CREDENTIALS', WRONG_CREDENTIALS);
      };
      const user = await ctx.db.prisma.user.findUnique({ where: { username } });
      const known = user ? await isKnownAddress(ctx.db.pool, user.id, ctx.ip) : false;
      // Counted before the password is checked: parallel guesses each count.
      const failures = await reserveSignInAttempt(ctx.db.pool, username, known);
      if (failures === null) return refuse();
      let ok: boolean;
      try {
        // Same work whether or not the user exists, so timing does not reveal usernames.
        ok = await verifyPassword(args.password, user?.passwordHash ?? DUMMY_HASH);
      } catch (error) {
        if (error instanceof HashingBusy) throw new LoginError('TOO_MANY_ATTEMPTS', 'Too many sign-ins at once; try again in a moment', 5);
        throw error;
      }
      if (!user?.active || !ok) {
        if (user) {
          await ctx.db.prisma.$transaction((tx) =>
            audit(tx, ctx, {
              action: failures >= SIGN_IN_PAUSE.threshold ? 'auth.pause' : 'auth.fail',
              entityType: 'User',
              entityId: user.id,
              after: { consecutiveFailures: failures },
            }),
          );
        }
        return refuse();
      }
      await clearSignInAttempts(ctx.db.pool, username);
      ctx.loginThrottle.succeed(address);
      const token = newSessionToken();
      const ttlMs = ctx.config.http.sessionTtlHours * 3_600_000;
      const expiresAt = new Date(Date.now() + ttlMs);
      // Hashes made with older, cheaper parameters are upgraded now that the password is at hand.
      const passwordHash = needsRehash(user.passwordHash) ? await hashPassword(args.password) : undefined;
      await ctx.db.prisma.$transaction(async (tx) => {
        await tx.userSession.create({
          data: { tokenHash: sha256(token), userId: user.id, expiresAt, userAgent: ctx.userAgent?.slice(0, 300) ?? null, ip: ctx.ip },
        });
        await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date(), ...(passwordHash ? { passwordHash } : {}) } });
        await audit(
          tx,
          {
            ...ctx,
            actor: {
              userId: user.id,
              username: user.username,
              name: user.name,
              role: user.role,
              teamId: user.teamId,
              apiKeyId: null,
              sessionId: null,
              scopes: { read: true, write: true },
            },
          },
          {
            action: 'auth.login',
            entityType: 'User',
            entityId: user.id,
          },
        );
      });
      ctx.setCookies.push(sessionCookie(token, { secure: ctx.config.http.cookieSecure, maxAgeSeconds: Math.floor(ttlMs / 1000) }));
      // The rest of this response is read as the user who just signed in.
      ctx.actor = {
        userId: user.id,
        username: user.username,
        name: user.name,
        role: user.role,
        teamId: user.teamId,
        apiKeyId: null,
        sessionId: null,
        scopes: { read: true, write: true },
      };
      return { user, token: args.returnToken ? token : null, expiresAt };
    },
  }),
);

builder.mutationField('logout', (t) =>
  t.boolean({
    description: 'Sign out: ends this session (or does nothing for an API key) and clears the cookie.',
    authScopes: signedIn,
    resolve: async (_root, _args, ctx) => {
      if (ctx.actor?.sessionId) {
        await ctx.db.prisma.$transaction(async (tx) => {
          await tx.userSession.deleteMany({ where: { id: ctx.actor!.sessionId! } });
          await notifyIn(tx, { t: 'auth', userId: ctx.actor!.userId });
          await audit(tx, ctx, { action: 'auth.logout', entityType: 'User', entityId: ctx.actor!.userId });
        });
      }
      ctx.setCookies.push(clearSessionCookie(ctx.config.http.cookieSecure));
      return true;
    },
  }),
);

builder.queryField('me', (t) =>
  t.prismaField({
    type: 'User',
    description: 'The signed-in user.',
    authScopes: signedIn,
    extensions: { viewerDependent: true },
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.user.findUniqueOrThrow({ ...query, where: { id: ctx.actor!.userId } }),
  }),
);
