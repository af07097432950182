/** Customers (from ISPCube), their phones and e-mails, and plans. */
import type { Prisma } from '../../generated/prisma/client.ts';
import { storablePayload } from '../../mirror/common.ts';
import { builder } from '../builder.ts';
import { CUSTOMER_READERS, readAs, rowScopes } from '../access.ts';
import { idOf } from '../ids.ts';
import { withFreshness } from '../freshness.ts';
import { CustomerStatusEnum, SourceEnum, TicketStatusEnum } from './enums.ts';

export const CustomerRef = builder.prismaNode('Customer', {
  // Select mode: only the columns the query asks for are loaded (never the vendor payload unless asked).
  select: { id: true },
  id: { field: 'id' },
  description: 'A subscriber as ISPCube knows them.',
  authScopes: rowScopes(CUSTOMER_READERS, (c: { id: number }, scope) => scope.customerIds.has(c.id)),
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: 'ISPCube customer id.' }),
    code: t.exposeString('code', { nullable: true, description: 'Customer code in ISPCube.' }),
    name: t.exposeString('name', { description: 'Full name or business name.' }),
    docNumber: t.exposeString('docNumber', { nullable: true, description: 'DNI or CUIT/CUIL, digits only.' }),
    docType: t.exposeString('docType', { nullable: true, description: 'DNI or CUIT (from the number of digits).' }),
    customerType: t.exposeString('customerType', { nullable: true, description: 'ISPCube customer type.' }),
    address: t.exposeString('address', { nullable: true, description: 'Billing address.' }),
    city: t.exposeString('city', { nullable: true, description: 'City.' }),
    latitude: t.exposeFloat('latitude', { nullable: true, description: 'Latitude.' }),
    longitude: t.exposeFloat('longitude', { nullable: true, description: 'Longitude.' }),
    status: t.field({ type: CustomerStatusEnum, description: 'Billing status.', select: { status: true }, resolve: (c) => c.status }),
    debt: t.float({ description: 'Outstanding debt (ARS).', select: { debt: true }, resolve: (c) => Number(c.debt) }),
    speedLimited: t.exposeBoolean('speedLimited', { description: 'Speed reduced for debt.' }),
    goneAt: t.expose('goneAt', { type: 'DateTime', nullable: true, description: 'When it disappeared from ISPCube.' }),
    observedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When ISPCube data was last synced.',
      resolve: (_c, _a, ctx) => withFreshness(ctx, (f) => f.lastSuccess('ISPCUBE', 'INVENTORY', 'all')),
    }),
    source: t.field({ type: SourceEnum, description: 'Always ISPCUBE.', resolve: () => 'ISPCUBE' as const }),
    vendorPayload: t.field({
      select: { raw: true },
      // Stored payloads are already stripped of credentials; rows stored before that was so are stripped here.
      resolve: (row) => storablePayload(row.raw) as never,
      type: 'JSON',
      description: 'The customer as ISPCube last sent it.',
    }),
    phones: t.relation('phones', { description: 'Phone numbers.', query: { orderBy: { position: 'asc' } } }),
    emails: t.relation('emails', { description: 'Contact e-mails.', query: { orderBy: { position: 'asc' } } }),
    connections: t.relation('connections', {
      description: 'Services of this customer (excluding ones removed from ISPCube).',
      query: { where: { goneAt: null }, orderBy: { id: 'asc' } },
    }),
    tickets: t.relatedConnection('tickets', {
      cursor: 'id',
      totalCount: true,
      description: 'Tickets, newest first.',
      args: { status: t.arg({ type: [TicketStatusEnum], required: false, description: 'Only these statuses.' }) },
      query: (args) => ({
        where: args.status?.length ? { status: { in: args.status } } : {},
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
    }),
  }),
});

builder.prismaObject('CustomerPhone', {
  description: 'A phone number of a customer.',
  fields: (t) => ({
    number: t.exposeString('number', { description: 'As written in ISPCube.' }),
    digits: t.exposeString('digits', { description: 'National number, digits only (what search matches).' }),
  }),
});

builder.prismaObject('CustomerEmail', {
  description: 'A contact e-mail of a customer.',
  fields: (t) => ({
    email: t.exposeString('email', { description: 'Address.' }),
  }),
});

export const PlanRef = builder.prismaNode('Plan', {
  // Select mode: only the columns the query asks for are loaded (never the vendor payload unless asked).
  select: { id: true },
  id: { field: 'id' },
  description: 'A service plan.',
  authScopes: { authenticated: true },
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: 'ISPCube plan id.' }),
    name: t.exposeString('name', { description: 'Name.' }),
    speed: t.exposeString('speed', { nullable: true, description: 'Speed as ISPCube describes it (down/up).' }),
    comment: t.exposeString('comment', { nullable: true, description: 'Comment.' }),
  }),
});

const CustomerFilter = builder.inputType('CustomerFilter', {
  description: 'Which customers to list.',
  fields: (t) => ({
    status: t.field({ type: [CustomerStatusEnum], required: false, description: 'Only these billing statuses.' }),
    city: t.string({ required: false, description: 'Only this city (exact).' }),
    withDebt: t.boolean({ required: false, description: 'Only customers with (true) or without (false) debt.' }),
  }),
});

function customerWhere(
  filter:
    | { status?: ('ENABLED' | 'BLOCKED' | 'NO_SERVICE' | 'UNKNOWN')[] | null; city?: string | null; withDebt?: boolean | null }
    | null
    | undefined,
): Prisma.CustomerWhereInput {
  const f = filter ?? {};
  return {
    goneAt: null,
    ...(f.status?.length ? { status: { in: f.status } } : {}),
    ...(f.city ? { city: f.city } : {}),
    ...(f.withDebt === true ? { debt: { gt: 0 } } : f.withDebt === false ? { debt: { lte: 0 } } : {}),
  };
}

builder.queryFields((t) => ({
  customers: t.prismaConnection({
    type: 'Customer',
    cursor: 'id',
    totalCount: (_c, args, ctx) => ctx.db.prisma.customer.count({ where: customerWhere(args.filter) }),
    description: 'Customers by name. For finding someone, use `search`.',
    authScopes: readAs(...CUSTOMER_READERS),
    args: { filter: t.arg({ type: CustomerFilter, required: false, description: 'Conditions.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.customer.findMany({ ...query, where: customerWhere(args.filter), orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  }),
  customer: t.prismaField({
    type: 'Customer',
    nullable: true,
    description: 'One customer by id.',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true, description: 'Customer id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.customer.findUnique({ ...query, where: { id: idOf(String(args.id), 'Customer', 'id') } }),
  }),
  plans: t.prismaField({
    type: ['Plan'],
    description: 'Service plans.',
    authScopes: readAs('ADMIN', 'NOC', 'SUPPORT'),
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.plan.findMany({ ...query, where: { goneAt: null }, orderBy: { name: 'asc' } }),
  }),
}));
