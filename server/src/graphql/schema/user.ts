/** Users, roles and teams. */
import { z } from 'zod';
import { checkPasswordRules, hashPassword, verifyPassword } from '../../auth/password.ts';
import { clearSignInAttempts, reserveSignInAttempt, signInPausedUntil } from '../../auth/throttle.ts';
import type { Context } from '../context.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { readAs, writeAs } from '../access.ts';
import { notifyIn } from '../notify.ts';
import { audit } from '../audit.ts';
import { InvalidTransitionError, NotFoundError, ValidationError, parseInput } from '../userErrors.ts';
import { idOf, optionalIdOf } from '../ids.ts';
import { RoleEnum } from './enums.ts';
import { mutationResult } from './errorTypes.ts';

const adminOrSelf = (u: { id: number }, _args: unknown, ctx: { actor: { userId: number; role: string } | null }) =>
  ctx.actor?.role === 'ADMIN' || ctx.actor?.userId === u.id;

export const UserRef = builder.prismaNode('User', {
  id: { field: 'id' },
  description: 'A person who signs in to Emerald. Passwords are never readable.',
  authScopes: { authenticated: true },
  fields: (t) => ({
    username: t.exposeString('username', { description: 'Sign-in name.' }),
    name: t.exposeString('name', { description: 'Full name.' }),
    email: t.exposeString('email', {
      nullable: true,
      description: 'E-mail (admins and the user only).',
      authScopes: adminOrSelf,
      extensions: { viewerDependent: true },
    }),
    role: t.field({ type: RoleEnum, description: 'Role.', resolve: (u) => u.role }),
    active: t.exposeBoolean('active', { description: 'Deactivated users cannot sign in.' }),
    locale: t.exposeString('locale', { description: 'Preferred language (es, en).' }),
    team: t.relation('team', { nullable: true, description: 'Field team (technicians).' }),
    lastLoginAt: t.expose('lastLoginAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Last sign-in (admins and the user only).',
      authScopes: adminOrSelf,
      extensions: { viewerDependent: true },
    }),
    lockedUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Sign-in is paused after repeated failures until then (admins only; `unlockUser` lifts it).',
      authScopes: readAs('ADMIN'),
      resolve: (u, _args, ctx) => signInPausedUntil(ctx.db.pool, u.username),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'Created.' }),
  }),
});

function userWhere(
  args: { role?: ('ADMIN' | 'NOC' | 'SUPPORT' | 'TECHNICIAN')[] | null; includeInactive?: boolean | null },
  isAdmin: boolean,
): Prisma.UserWhereInput {
  return {
    ...(args.role?.length ? { role: { in: args.role } } : {}),
    ...(args.includeInactive && isAdmin ? {} : { active: true }),
  };
}

builder.queryFields((t) => ({
  users: t.prismaConnection({
    type: 'User',
    cursor: 'id',
    totalCount: (_c, args, ctx) => ctx.db.prisma.user.count({ where: userWhere(args, ctx.actor?.role === 'ADMIN') }),
    description: 'Users by name (admins manage them; support and NOC list them to assign work).',
    authScopes: readAs('ADMIN', 'SUPPORT', 'NOC'),
    args: {
      role: t.arg({ type: [RoleEnum], required: false, description: 'Only these roles.' }),
      includeInactive: t.arg.boolean({ required: false, description: 'Include deactivated users (admins).' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.user.findMany({
        ...query,
        where: userWhere(args, ctx.actor?.role === 'ADMIN'),
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      }),
  }),
}));

const username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._-]{3,40}$/, 'Username: 3–40 of a-z, 0-9, dot, dash, underscore');
const personName = z.string().trim().min(2, 'Name must have at least 2 characters').max(120, 'Name must have at most 120 characters');
const email = z.email('Not a valid e-mail address').max(200).nullish();
const locale = z.enum(['es', 'en']);

function checkPassword(password: string, user: string, field: string): void {
  const problem = checkPasswordRules(password, user);
  if (problem) throw ValidationError.single(field, problem.code, problem.message);
}

async function checkTeam(tx: Prisma.TransactionClient, teamId: number | null): Promise<void> {
  if (teamId === null) return;
  const team = await tx.team.findUnique({ where: { id: teamId }, select: { active: true } });
  if (!team) throw new NotFoundError('input.teamId', 'No team with that id');
  if (!team.active) throw ValidationError.single('input.teamId', 'INACTIVE', 'That team is deactivated');
}

function userSnapshot(u: { username: string; name: string; email: string | null; role: string; teamId: number | null; active: boolean }) {
  return { username: u.username, name: u.name, email: u.email, role: u.role, teamId: u.teamId, active: u.active };
}

/** Refuse a change that would leave no active admin. */
async function keepAnAdmin(tx: Prisma.TransactionClient, userId: number, field: string): Promise<void> {
  const others = await tx.user.count({ where: { role: 'ADMIN', active: true, id: { not: userId } } });
  if (others === 0)
    throw new InvalidTransitionError('This is the last active admin: make someone else admin first', 'ADMIN', 'NOT_ADMIN', field);
}

const CreateUserInput = builder.inputType('CreateUserInput', {
  description: 'A new user.',
  fields: (t) => ({
    username: t.string({ required: true, description: 'Sign-in name (3–40 of a-z 0-9 . _ -).' }),
    name: t.string({ required: true, description: 'Full name.' }),
    email: t.string({ required: false, description: 'E-mail.' }),
    role: t.field({ type: RoleEnum, required: true, description: 'Role.' }),
    teamId: t.id({ required: false, description: 'Team (technicians).' }),
    password: t.string({ required: true, description: 'Initial password (10–128 characters, not containing the username).' }),
    locale: t.string({ required: false, description: 'es (default) or en.' }),
  }),
});

builder.mutationField('createUser', (t) =>
  t.field({
    type: UserRef,
    description: 'Create a user (admins).',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('CreateUser', 'user'),
    args: { input: t.arg({ type: CreateUserInput, required: true, description: 'The user.' }) },
    resolve: async (_root, { input }, ctx) => {
      const v = parseInput(z.object({ username, name: personName, email, locale: locale.default('es') }), {
        username: input.username,
        name: input.name,
        email: input.email || null,
        locale: input.locale ?? undefined,
      });
      checkPassword(input.password, v.username, 'input.password');
      const teamId = optionalIdOf(input.teamId ? String(input.teamId) : null, 'Team', 'input.teamId');
      const passwordHash = await hashPassword(input.password);
      return ctx.db.prisma.$transaction(async (tx) => {
        if (await tx.user.findUnique({ where: { username: v.username } }))
          throw ValidationError.single('input.username', 'TAKEN', 'That username is taken');
        if (v.email && (await tx.user.findUnique({ where: { email: v.email } })))
          throw ValidationError.single('input.email', 'TAKEN', 'That e-mail is used by another user');
        await checkTeam(tx, teamId);
        const user = await tx.user.create({
          data: { username: v.username, name: v.name, email: v.email ?? null, role: input.role, teamId, passwordHash, locale: v.locale },
        });
        await audit(tx, ctx, { action: 'user.create', entityType: 'User', entityId: user.id, after: userSnapshot(user) });
        return user;
      });
    },
  }),
);

const UpdateUserInput = builder.inputType('UpdateUserInput', {
  description: 'Changes to a user; omitted fields stay. Users may change their own name, e-mail, locale and password.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'User id.' }),
    name: t.string({ required: false, description: 'Full name.' }),
    email: t.string({ required: false, description: 'E-mail.' }),
    role: t.field({ type: RoleEnum, required: false, description: 'Role (admins).' }),
    teamId: t.id({ required: false, description: 'Team (admins).' }),
    removeFromTeam: t.boolean({ required: false, description: 'Leave the team (admins).' }),
    password: t.string({ required: false, description: 'New password (signs the user out everywhere else).' }),
    currentPassword: t.string({
      required: false,
      description: 'The current password: required to change one’s own password (a stolen session alone cannot take the account).',
    }),
    locale: t.string({ required: false, description: 'es or en.' }),
    active: t.boolean({ required: false, description: 'Reactivate (admins); use deactivateUser to deactivate.' }),
  }),
});

/**
 * Changing one's own password needs the current one. Wrong guesses count like failed
 * sign-ins (and pause the same way), so a stolen session cannot brute-force it.
 */
async function checkCurrentPassword(ctx: Context, user: { username: string; passwordHash: string }, current: string | null): Promise<void> {
  if (!current) throw ValidationError.single('input.currentPassword', 'REQUIRED', 'Enter your current password to change it');
  const failures = await reserveSignInAttempt(ctx.db.pool, user.username, false);
  if (failures === null || !(await verifyPassword(current.slice(0, 1024), user.passwordHash))) {
    throw ValidationError.single('input.currentPassword', 'WRONG_PASSWORD', 'The current password is not right');
  }
  await clearSignInAttempts(ctx.db.pool, user.username);
}

builder.mutationField('updateUser', (t) =>
  t.field({
    type: UserRef,
    description: 'Change a user. Admins change anything; others only their own profile and password.',
    authScopes: { $all: { write: true, authenticated: true } },
    errors: mutationResult('UpdateUser', 'user'),
    args: { input: t.arg({ type: UpdateUserInput, required: true, description: 'The changes.' }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.id), 'User', 'input.id');
      const isAdmin = ctx.actor!.role === 'ADMIN';
      if (
        !isAdmin &&
        (id !== ctx.actor!.userId ||
          input.role ||
          input.teamId ||
          input.removeFromTeam ||
          (input.active !== undefined && input.active !== null))
      ) {
        throw new NotFoundError('input.id', 'You can only change your own name, e-mail, language and password');
      }
      const v = parseInput(z.object({ name: personName.optional(), email, locale: locale.optional() }), {
        name: input.name ?? undefined,
        email: input.email === undefined ? undefined : input.email || null,
        locale: input.locale ?? undefined,
      });
      const teamId = optionalIdOf(input.teamId ? String(input.teamId) : null, 'Team', 'input.teamId');
      let passwordHash: string | null = null;
      if (input.password) {
        const target = await ctx.db.prisma.user.findUnique({ where: { id } });
        if (!target) throw new NotFoundError('input.id', 'No user with that id');
        checkPassword(input.password, target.username, 'input.password');
        if (id === ctx.actor!.userId) await checkCurrentPassword(ctx, target, input.currentPassword ?? null);
        passwordHash = await hashPassword(input.password);
      }
      return ctx.db.prisma.$transaction(async (tx) => {
        const before = await tx.user.findUnique({ where: { id } });
        if (!before) throw new NotFoundError('input.id', 'No user with that id');
        const data: Prisma.UserUncheckedUpdateInput = {};
        if (v.name !== undefined) data.name = v.name;
        if (v.email !== undefined) {
          if (v.email && (await tx.user.findFirst({ where: { email: v.email, id: { not: id } } })))
            throw ValidationError.single('input.email', 'TAKEN', 'That e-mail is used by another user');
          data.email = v.email;
        }
        if (v.locale) data.locale = v.locale;
        if (input.role && input.role !== before.role) {
          if (before.role === 'ADMIN') await keepAnAdmin(tx, id, 'input.role');
          data.role = input.role;
        }
        if (input.removeFromTeam) data.teamId = null;
        else if (teamId !== null) {
          await checkTeam(tx, teamId);
          data.teamId = teamId;
        }
        if (input.active === true) data.active = true;
        if (passwordHash) {
          data.passwordHash = passwordHash;
          data.passwordChangedAt = new Date();
          await tx.$executeRaw`DELETE FROM login_attempts WHERE username = ${before.username}`;
          await tx.userSession.deleteMany({
            where: { userId: id, ...(ctx.actor!.sessionId ? { id: { not: ctx.actor!.sessionId } } : {}) },
          });
        }
        const after = await tx.user.update({ where: { id }, data });
        // Live connections of this user are re-checked: a new role or team applies at once.
        if (data.role || data.teamId !== undefined || data.active !== undefined || passwordHash)
          await notifyIn(tx, { t: 'auth', userId: id });
        await audit(tx, ctx, {
          action: 'user.update',
          entityType: 'User',
          entityId: id,
          before: userSnapshot(before),
          after: { ...userSnapshot(after), passwordChanged: !!input.password },
        });
        return after;
      });
    },
  }),
);

builder.mutationField('deactivateUser', (t) =>
  t.field({
    type: UserRef,
    description: 'Deactivate a user: signs them out everywhere and disables their API keys. The last admin cannot be deactivated.',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('DeactivateUser', 'user'),
    args: { id: t.arg.id({ required: true, description: 'User id.' }) },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.id), 'User', 'id');
      return ctx.db.prisma.$transaction(async (tx) => {
        const before = await tx.user.findUnique({ where: { id } });
        if (!before) throw new NotFoundError('id', 'No user with that id');
        if (!before.active) throw new InvalidTransitionError('The user is already inactive', 'INACTIVE', 'INACTIVE', 'id');
        if (before.role === 'ADMIN') await keepAnAdmin(tx, id, 'id');
        const after = await tx.user.update({ where: { id }, data: { active: false } });
        await tx.userSession.deleteMany({ where: { userId: id } });
        await tx.apiKey.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: new Date() } });
        await notifyIn(tx, { t: 'auth', userId: id });
        await audit(tx, ctx, {
          action: 'user.deactivate',
          entityType: 'User',
          entityId: id,
          before: userSnapshot(before),
          after: userSnapshot(after),
        });
        return after;
      });
    },
  }),
);

builder.mutationField('unlockUser', (t) =>
  t.field({
    type: UserRef,
    description: 'Lift a sign-in pause after repeated failures, at once (admins).',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('UnlockUser', 'user'),
    args: { id: t.arg.id({ required: true, description: 'User id.' }) },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.id), 'User', 'id');
      return ctx.db.prisma.$transaction(async (tx) => {
        const user = await tx.user.findUnique({ where: { id } });
        if (!user) throw new NotFoundError('id', 'No user with that id');
        await tx.$executeRaw`DELETE FROM login_attempts WHERE username = ${user.username}`;
        await audit(tx, ctx, { action: 'user.unlock', entityType: 'User', entityId: id });
        return user;
      });
    },
  }),
);
