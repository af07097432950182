/** Traffic history of a connection (chart) and the routers' top talkers (NOC dashboard). */
import { parsePlanSpeed } from '../../domain/deviceActions.ts';
import { trafficHistory, type TrafficPoint } from '../../traffic/sample.ts';
import { builder } from '../builder.ts';
import { NETWORK_READERS, readAs } from '../access.ts';
import { optionalIdOf } from '../ids.ts';

const TrafficResolutionEnum = builder.enumType('TrafficResolution', {
  description: 'How far apart the points are.',
  values: {
    FIVE_MINUTES: { description: 'One point per five minutes (up to 48 hours back).' },
    HOURLY: { description: 'One point per hour: average, with the five-minute peak.' },
  } as const,
});

const TrafficPointRef = builder.objectRef<TrafficPoint>('TrafficPoint').implement({
  description: 'Traffic over one interval, from the subscriber’s side (download = what they receive).',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: 'Start of the interval.' }),
    downBps: t.float({ description: 'Average download, bit/s.', resolve: (p) => p.downKbps * 1000 }),
    upBps: t.float({ description: 'Average upload, bit/s.', resolve: (p) => p.upKbps * 1000 }),
    downPeakBps: t.float({ description: 'Highest five-minute download in the interval, bit/s.', resolve: (p) => p.downPeakKbps * 1000 }),
    upPeakBps: t.float({ description: 'Highest five-minute upload in the interval, bit/s.', resolve: (p) => p.upPeakKbps * 1000 }),
  }),
});

interface DropShape {
  at: Date;
  reason: string | null;
}

const TrafficDropRef = builder.objectRef<DropShape>('TrafficDrop').implement({
  description: 'A PPPoE session that ended in the period (marked on the chart).',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: 'When it ended.' }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why, as the router said (peer-not-responding, lost-carrier…).' }),
  }),
});

interface HistoryShape {
  resolution: 'FIVE_MINUTES' | 'HOURLY';
  points: TrafficPoint[];
  drops: DropShape[];
  plan: { downBps: number; upBps: number } | null;
  hours: number;
}

const TrafficHistoryRef = builder.objectRef<HistoryShape>('TrafficHistory').implement({
  description: 'A connection’s traffic over a period, against its plan, with its session drops.',
  fields: (t) => ({
    hours: t.exposeInt('hours', { description: 'The period, in hours back from now.' }),
    resolution: t.field({ type: TrafficResolutionEnum, description: 'Point spacing.', resolve: (h) => h.resolution }),
    points: t.field({
      type: [TrafficPointRef],
      description: 'The points, oldest first (gaps where nothing was sampled).',
      resolve: (h) => h.points,
    }),
    drops: t.field({ type: [TrafficDropRef], description: 'Sessions that ended in the period.', resolve: (h) => h.drops }),
    planDownBps: t.float({
      nullable: true,
      description: 'The plan’s download speed, bit/s (from its ISPCube speed).',
      resolve: (h) => h.plan?.downBps ?? null,
    }),
    planUpBps: t.float({ nullable: true, description: 'The plan’s upload speed, bit/s.', resolve: (h) => h.plan?.upBps ?? null }),
  }),
});

builder.prismaObjectFields('Connection', (t) => ({
  trafficHistory: t.field({
    type: TrafficHistoryRef,
    description:
      'Traffic over the last `hours` (default 24, at most 2,160 = 90 days): five-minute points up to 48 hours, hourly beyond; with the plan’s speed and the session drops.',
    args: { hours: t.arg.int({ required: false, description: 'Hours back from now (1–2160).' }) },
    select: { planId: true },
    resolve: async (c, args, ctx) => {
      const hours = Math.min(Math.max(args.hours ?? 24, 1), 2160);
      const [history, drops, plan] = await Promise.all([
        trafficHistory(ctx.db.pool, c.id, hours),
        ctx.db.pool.query<DropShape>(
          `SELECT ended_at AS at, disconnect_reason AS reason FROM ppp_session_history
           WHERE connection_id = $1 AND ended_at >= now() - make_interval(hours => $2) ORDER BY ended_at LIMIT 500`,
          [c.id, hours],
        ),
        c.planId === null
          ? Promise.resolve(null)
          : ctx.db.pool
              .query<{ speed: string | null }>('SELECT speed FROM plans WHERE id = $1', [c.planId])
              .then((r) => r.rows[0]?.speed ?? null),
      ]);
      return { ...history, drops: drops.rows, plan: parsePlanSpeed(plan), hours };
    },
  }),
}));

interface TalkerShape {
  connectionId: number;
  routerId: number;
  at: Date;
  downKbps: number;
  upKbps: number;
}

const TopTalkerRef = builder.objectRef<TalkerShape>('TopTalker').implement({
  description: 'A connection among the heaviest users of its router in the last sampled five minutes.',
  fields: (t) => ({
    connection: t.prismaField({
      type: 'Connection',
      nullable: true,
      description: 'The connection.',
      resolve: (query, r, _a, ctx) => ctx.db.prisma.connection.findUnique({ ...query, where: { id: r.connectionId } }),
    }),
    router: t.prismaField({
      type: 'Router',
      nullable: true,
      description: 'Its router.',
      resolve: (query, r, _a, ctx) => ctx.db.prisma.router.findUnique({ ...query, where: { id: r.routerId } }),
    }),
    at: t.expose('at', { type: 'DateTime', description: 'The five minutes measured (start).' }),
    downBps: t.float({ description: 'Average download, bit/s.', resolve: (r) => r.downKbps * 1000 }),
    upBps: t.float({ description: 'Average upload, bit/s.', resolve: (r) => r.upKbps * 1000 }),
  }),
});

builder.queryField('topTalkers', (t) =>
  t.field({
    type: [TopTalkerRef],
    description: 'The heaviest users per router in each router’s last sampled five minutes (all routers, or one), heaviest first.',
    authScopes: readAs(...NETWORK_READERS),
    args: {
      routerId: t.arg.id({ required: false, description: 'Only this router.' }),
      limit: t.arg.int({ required: false, description: 'How many (default 10, at most 50).' }),
    },
    resolve: async (_root, args, ctx) => {
      const routerId = optionalIdOf(args.routerId ? String(args.routerId) : null, 'Router', 'routerId');
      const res = await ctx.db.pool.query<TalkerShape>(
        `SELECT (x->>'connectionId')::int AS "connectionId", c.router_id AS "routerId", c.at, (x->>'downKbps')::int AS "downKbps", (x->>'upKbps')::int AS "upKbps"
         FROM (SELECT DISTINCT ON (router_id) router_id, at, top FROM traffic_cycles
               WHERE ($1::int IS NULL OR router_id = $1) AND at > now() - interval '30 minutes' AND samples > 0
               ORDER BY router_id, at DESC) c, jsonb_array_elements(c.top) x
         ORDER BY (x->>'downKbps')::int + (x->>'upKbps')::int DESC LIMIT $2`,
        [routerId, Math.min(Math.max(args.limit ?? 10, 1), 50)],
      );
      return res.rows;
    },
  }),
);
