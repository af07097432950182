/**
 * A small subscription schema for the tests of shared executions and of the fan-out: item
 * executions are counted, `mine` depends on the viewer, `padding` makes frames as large as
 * a test needs, and `changes` streams whatever source the test installs (`streams.open`).
 */
import { GraphQLBoolean, GraphQLInt, GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';

export const streams = {
  /** Item field executions so far. */
  executions: 0,
  /** The event stream of each new subscription. */
  open: (): AsyncIterator<unknown> => {
    throw new Error('the test installs a source');
  },
};

const Item = new GraphQLObjectType({
  name: 'Item',
  fields: {
    n: {
      type: GraphQLInt,
      resolve: (item: { n: number }) => {
        streams.executions++;
        return item.n;
      },
    },
    mine: {
      type: GraphQLString,
      extensions: { viewerDependent: true },
      resolve: (_item, _args, ctx: { actor: { userId: number } }) => `user ${ctx.actor.userId}`,
    },
    padding: { type: GraphQLString, resolve: (item: { n: number; pad?: number }) => 'x'.repeat(item.pad ?? 0) },
  },
});

const Batch = new GraphQLObjectType({
  name: 'Batch',
  fields: {
    resync: { type: GraphQLBoolean },
    items: {
      type: new GraphQLList(Item),
      args: { min: { type: GraphQLInt } },
      resolve: (b: { items: { n: number }[] }, a: { min?: number | null }) => b.items.filter((i) => i.n >= (a.min ?? 0)),
    },
  },
});

export const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLBoolean } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      changes: {
        type: Batch,
        args: { min: { type: GraphQLInt } },
        extensions: { fanOut: true },
        subscribe: () => streams.open(),
        resolve: (b) => b,
      },
    },
  }),
});
