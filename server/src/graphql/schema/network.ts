/** The NOC summary: counts by state, sessions up, per OLT. */
import { builder } from '../builder.ts';
import { NETWORK_READERS, readAs } from '../access.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { OltRef, StatusCountsRef, emptyCounts, loadPortCounts, usePortCounts, type PortCounts, type StatusCounts } from './olt.ts';

export interface Summary {
  onus: StatusCounts;
  sessionsUp: number;
  openIncidents: number;
  routersUnreachable: number;
  /** Per OLT and PON port (what the `olts` field's counts show). */
  counts: PortCounts;
  at: Date;
}

/** The NOC summary, computed in two queries. */
export async function computeNetworkSummary(db: Pick<Db, 'pool'>, thresholds: Config['thresholds']): Promise<Summary> {
  const counts = await loadPortCounts(db, thresholds);
  const onus = emptyCounts();
  for (const c of counts.byOlt.values()) {
    for (const k of Object.keys(onus) as (keyof StatusCounts)[]) onus[k] += c[k];
  }
  const row = await db.pool.query<{ sessions: number; incidents: number; unreachable: number }>(
    `SELECT (SELECT count(*) FROM ppp_sessions)::int AS sessions,
            (SELECT count(*) FROM incidents WHERE status IN ('SUSPECTED', 'OPEN'))::int AS incidents,
            (SELECT count(*) FROM routers WHERE reachable = false AND gone_at IS NULL)::int AS unreachable`,
  );
  const r = row.rows[0]!;
  return { onus, sessionsUp: r.sessions, openIncidents: r.incidents, routersUnreachable: r.unreachable, counts, at: new Date() };
}

export const NetworkSummaryRef = builder.objectRef<Summary>('NetworkSummary').implement({
  description: 'The network at a glance.',
  fields: (t) => ({
    onus: t.field({ type: StatusCountsRef, description: 'All ONUs by state.', resolve: (s) => s.onus }),
    sessionsUp: t.exposeInt('sessionsUp', { description: 'PPPoE sessions up.' }),
    openIncidents: t.exposeInt('openIncidents', { description: 'Incidents going on (suspected or confirmed).' }),
    routersUnreachable: t.exposeInt('routersUnreachable', { description: 'Routers whose last contact failed.' }),
    at: t.expose('at', { type: 'DateTime', description: 'When these counts were taken.' }),
    olts: t.prismaField({
      type: ['Olt'],
      description: 'OLTs (each with its counts and PON ports).',
      resolve: (query, _s, _a, ctx) => ctx.db.prisma.olt.findMany({ ...query, where: { goneAt: null }, orderBy: { name: 'asc' } }),
    }),
  }),
});
void OltRef;

builder.queryField('networkSummary', (t) =>
  t.field({
    type: NetworkSummaryRef,
    description: 'Counts by ONU state, PPPoE sessions up, open incidents (the NOC dashboard).',
    authScopes: readAs(...NETWORK_READERS),
    resolve: async (_root, _args, ctx) => {
      const summary = await computeNetworkSummary(ctx.db, ctx.config.thresholds);
      usePortCounts(ctx, summary.counts);
      return summary;
    },
  }),
);
