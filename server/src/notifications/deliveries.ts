/**
 * Notifications of incident events: who is told (rules → recipients → one delivery row per
 * recipient, channel and address), and telling them (one job per delivery).
 *
 * Exactly once per event per recipient: a delivery row is unique on (incident, event
 * occurrence, channel, address), its job is keyed by its id, and sending happens while the
 * row is locked — a second worker waits and finds it SENT. An unreachable SMTP server or a
 * Telegram 429 delays a message (retried with backoff, or after Retry-After); nothing is
 * dropped. A process killed between sending and recording may send again on retry
 * (at-least-once across crashes). Planned incidents (maintenance windows) record their
 * deliveries as SUPPRESSED.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { type Queryable, withTransaction } from '../db/sql.ts';
import type { IncidentKindValue } from '../domain/incidents.ts';
import { type NotificationEventValue, type RuleScope, ruleMatches } from '../domain/notifications.ts';
import { notify } from '../events/topics.ts';
import { recordIncidentEvent } from '../incidents/correlate.ts';
import type { JobQueue } from '../services.ts';
import { DeliveryError, type EmailSender, emailSender, sendTelegram, sendWebhook, withoutSecrets } from './channels.ts';
import { type IncidentSnapshot, incidentMessage, webhookPayload } from './messages.ts';

type Channel = 'EMAIL' | 'TELEGRAM' | 'WEBHOOK';

interface RuleRow extends RuleScope {
  id: number;
  user_ids: number[];
  roles: string[];
  team_ids: number[];
  channels: Channel[];
  webhook_ids: number[];
  escalate_after_minutes: number | null;
  escalate_user_ids: number[];
  escalate_roles: string[];
}

const RULES_SQL = `SELECT id, enabled, kinds::text[] AS kinds, events::text[] AS events, min_affected AS "minAffected", olt_ids AS "oltIds",
                          router_ids AS "routerIds", zones, days, from_minute AS "fromMinute", to_minute AS "toMinute",
                          user_ids, roles::text[] AS roles, team_ids, channels::text[] AS channels, webhook_ids,
                          escalate_after_minutes, escalate_user_ids, escalate_roles::text[] AS escalate_roles
                   FROM notification_rules WHERE enabled ORDER BY id`;

/** An incident as the notifications tell it. */
export async function incidentSnapshot(
  db: Queryable,
  incidentId: number,
  publicUrl: string | undefined,
): Promise<(IncidentSnapshot & { zones: string[] }) | null> {
  const row = (
    await db.query<{
      id: number;
      kind: IncidentKindValue;
      status: IncidentSnapshot['status'];
      title: string;
      place: string;
      olt_id: number | null;
      pon_port_id: number | null;
      router_id: number | null;
      affected: number;
      recovered: number;
      opened_at: Date;
      classified_at: Date | null;
      cleared_at: Date | null;
      acknowledged_at: Date | null;
      planned: boolean;
      zones: string[];
    }>(
      `SELECT i.id, i.kind::text AS kind, i.status::text AS status, i.title,
              coalesce(ol.name || ' ' || pp.board || '/' || pp.port, r.name, i.title) AS place,
              i.olt_id, i.pon_port_id, i.router_id, i.affected_count AS affected, i.recovered_count AS recovered,
              i.opened_at, i.classified_at, i.cleared_at, i.acknowledged_at, i.planned,
              coalesce((SELECT array_agg(DISTINCT o.zone) FROM incident_connections ic JOIN onus o ON o.id = ic.onu_id
                         WHERE ic.incident_id = i.id AND o.zone IS NOT NULL), '{}') AS zones
       FROM incidents i LEFT JOIN pon_ports pp ON pp.id = i.pon_port_id LEFT JOIN olts ol ON ol.id = pp.olt_id
       LEFT JOIN routers r ON r.id = i.router_id WHERE i.id = $1`,
      [incidentId],
    )
  ).rows[0];
  if (!row) return null;
  const globalId = encodeGlobalID('Incident', row.id);
  return {
    id: row.id,
    globalId,
    kind: row.kind,
    status: row.status,
    title: row.title,
    place: row.place,
    oltId: row.olt_id,
    ponPortId: row.pon_port_id,
    routerId: row.router_id,
    affected: row.affected,
    recovered: row.recovered,
    openedAt: row.opened_at,
    classifiedAt: row.classified_at,
    clearedAt: row.cleared_at,
    acknowledgedAt: row.acknowledged_at,
    planned: row.planned,
    url: publicUrl ? `${publicUrl.replace(/\/+$/, '')}/incidents/${encodeURIComponent(globalId)}` : null,
    zones: row.zones,
  };
}

interface Planned {
  ruleId: number;
  channel: Channel;
  userId: number | null;
  webhookId: number | null;
  address: string;
}

/** Active users named directly, by role, or by team. */
async function usersOf(db: Queryable, userIds: number[], roles: string[], teamIds: number[]): Promise<number[]> {
  if (!userIds.length && !roles.length && !teamIds.length) return [];
  const res = await db.query<{ id: number }>(
    `SELECT id FROM users WHERE active AND (id = ANY($1::int[]) OR role::text = ANY($2::text[]) OR team_id = ANY($3::int[]))`,
    [userIds, roles, teamIds],
  );
  return res.rows.map((r) => r.id);
}

async function recipients(db: Queryable, rule: RuleRow, escalation: boolean): Promise<Planned[]> {
  const out: Planned[] = [];
  const people = escalation
    ? await usersOf(db, rule.escalate_user_ids, rule.escalate_roles, [])
    : await usersOf(db, rule.user_ids, rule.roles, rule.team_ids);
  const personal = rule.channels.filter((c) => c !== 'WEBHOOK');
  if (people.length && personal.length) {
    const contacts = await db.query<{ user_id: number; channel: Channel; address: string }>(
      `SELECT user_id, channel::text AS channel, address FROM user_contacts WHERE enabled AND user_id = ANY($1::int[]) AND channel::text = ANY($2::text[])`,
      [people, personal],
    );
    for (const c of contacts.rows)
      out.push({ ruleId: rule.id, channel: c.channel, userId: c.user_id, webhookId: null, address: c.address });
  }
  if (!escalation && rule.channels.includes('WEBHOOK') && rule.webhook_ids.length) {
    const hooks = await db.query<{ id: number }>('SELECT id FROM webhooks WHERE enabled AND id = ANY($1::int[])', [rule.webhook_ids]);
    for (const h of hooks.rows)
      out.push({ ruleId: rule.id, channel: 'WEBHOOK', userId: null, webhookId: h.id, address: `webhook:${h.id}` });
  }
  return out;
}

/**
 * Who hears of one incident event: a delivery row per recipient, channel and address (the
 * same person matched by two rules hears once), each with its delivery job. Returns the
 * new deliveries' ids.
 */
export async function planDeliveries(
  db: Db,
  jobs: JobQueue,
  config: Config,
  incidentId: number,
  event: NotificationEventValue,
  eventKey: string,
  now = new Date(),
): Promise<number[]> {
  const incident = await incidentSnapshot(db.pool, incidentId, config.http.publicUrl);
  if (!incident) return [];
  const rules = (await db.pool.query<RuleRow>(RULES_SQL)).rows;
  const facts = {
    kind: incident.kind,
    affected: incident.affected,
    oltId: incident.oltId,
    routerId: incident.routerId,
    zones: incident.zones,
  };
  const escalation = event === 'ESCALATED';
  const planned: Planned[] = [];
  for (const rule of rules) {
    // Escalation goes to the escalation recipients of the rules that asked for one.
    const matches = escalation
      ? rule.escalate_after_minutes !== null && ruleMatches({ ...rule, events: [] }, 'OPENED', facts, now, config.notifications.timeZone)
      : ruleMatches(rule, event, facts, now, config.notifications.timeZone);
    if (matches) planned.push(...(await recipients(db.pool, rule, escalation)));
  }
  const unique = new Map<string, Planned>();
  for (const p of planned) if (!unique.has(`${p.channel}|${p.address}`)) unique.set(`${p.channel}|${p.address}`, p);
  if (!unique.size) return [];
  await jobs.ready();
  const status = incident.planned ? 'SUPPRESSED' : 'QUEUED';
  const ids = await withTransaction(db.pool, async (tx) => {
    const list = [...unique.values()];
    const res = await tx.query<{ id: number }>(
      `INSERT INTO notification_deliveries (incident_id, event, event_key, rule_id, channel, user_id, webhook_id, address, status, updated_at)
       SELECT $1, $2::"NotificationEvent", $3, x.rule_id, x.channel::"NotificationChannel", x.user_id, x.webhook_id, x.address, $9::"DeliveryStatus", now()
       FROM unnest($4::int[], $5::text[], $6::int[], $7::int[], $8::text[]) AS x(rule_id, channel, user_id, webhook_id, address)
       ON CONFLICT (incident_id, event_key, channel, address) DO NOTHING RETURNING id`,
      [
        incidentId,
        event,
        eventKey,
        list.map((p) => p.ruleId),
        list.map((p) => p.channel),
        list.map((p) => p.userId),
        list.map((p) => p.webhookId),
        list.map((p) => p.address),
        status,
      ],
    );
    if (status === 'QUEUED') {
      for (const { id } of res.rows) {
        await tx.query(
          `SELECT graphile_worker.add_job('deliver_notification', json_build_object('deliveryId', $1::int), job_key := $2, max_attempts := 25)`,
          [id, `deliver:${id}`],
        );
      }
    }
    return res.rows.map((r) => r.id);
  });
  return ids;
}

export type DeliveryOutcome = { sent: true } | { sent: false; retryAfterMs: number | null; permanent: boolean; reason: string };

let email: { key: string; sender: EmailSender } | null = null;
const emailFor = (url: string, from: string): EmailSender => {
  if (email?.key !== `${url}|${from}`) {
    email?.sender.close();
    email = { key: `${url}|${from}`, sender: emailSender(url, from) };
  }
  return email.sender;
};

/**
 * Send one delivery, once. The row is locked while sending, so another worker that picks
 * the same job waits and then finds it done.
 */
export async function deliver(db: Db, config: Config, deliveryId: number): Promise<DeliveryOutcome | null> {
  return withTransaction(db.pool, async (tx) => {
    const d = (
      await tx.query<{
        id: number;
        incident_id: number;
        event: NotificationEventValue;
        event_key: string;
        channel: Channel;
        user_id: number | null;
        webhook_id: number | null;
        address: string;
        status: string;
        locale: string | null;
      }>(
        `SELECT d.id, d.incident_id, d.event::text AS event, d.event_key, d.channel::text AS channel, d.user_id, d.webhook_id, d.address,
                d.status::text AS status, u.locale
         FROM notification_deliveries d LEFT JOIN users u ON u.id = d.user_id WHERE d.id = $1 FOR UPDATE OF d`,
        [deliveryId],
      )
    ).rows[0];
    if (d?.status !== 'QUEUED') return null; // sent, suppressed or given up: nothing to do
    const incident = await incidentSnapshot(tx, d.incident_id, config.http.publicUrl);
    if (!incident) return null;
    const locale = d.locale === 'en' || d.locale === 'es' ? d.locale : config.notifications.locale;
    const { smtp, telegram, timeZone } = config.notifications;
    try {
      if (d.channel === 'EMAIL') {
        if (!smtp) throw new DeliveryError('e-mail is not configured (SMTP_URL)', false);
        await emailFor(smtp.url, smtp.from).send(d.address, incidentMessage(incident, d.event, locale, timeZone));
      } else if (d.channel === 'TELEGRAM') {
        if (!telegram) throw new DeliveryError('Telegram is not configured (TELEGRAM_BOT_TOKEN)', false);
        await sendTelegram(telegram.apiUrl, telegram.token, d.address, incidentMessage(incident, d.event, locale, timeZone));
      } else {
        const hook = (
          await tx.query<{ url: string; secret: string; enabled: boolean }>('SELECT url, secret, enabled FROM webhooks WHERE id = $1', [
            d.webhook_id,
          ])
        ).rows[0];
        if (!hook?.enabled) throw new DeliveryError('webhook removed or disabled', false);
        const body = JSON.stringify(webhookPayload(incident, d.event, d.event_key, d.id, new Date()));
        await sendWebhook(hook.url, hook.secret, body, { event: d.event, deliveryId: d.id });
      }
    } catch (error) {
      const e = error instanceof DeliveryError ? error : new DeliveryError(`unexpected: ${(error as Error).message}`, true);
      const secrets = [smtp?.url, telegram?.token];
      const reason = withoutSecrets(e.message, secrets).slice(0, 500);
      await tx.query(
        `UPDATE notification_deliveries SET attempts = attempts + 1, last_error = $2, status = CASE WHEN $3 THEN status ELSE 'FAILED'::"DeliveryStatus" END,
                updated_at = now() WHERE id = $1`,
        [d.id, reason, e.retry],
      );
      return { sent: false, retryAfterMs: e.retryAfterMs, permanent: !e.retry, reason };
    }
    await tx.query(
      `UPDATE notification_deliveries SET status = 'SENT', sent_at = now(), attempts = attempts + 1, last_error = NULL, updated_at = now() WHERE id = $1`,
      [d.id],
    );
    return { sent: true };
  });
}

/** Mark a delivery that ran out of attempts as FAILED, with its last reason. */
export async function giveUp(db: Db, deliveryId: number): Promise<void> {
  await db.pool.query(`UPDATE notification_deliveries SET status = 'FAILED', updated_at = now() WHERE id = $1 AND status = 'QUEUED'`, [
    deliveryId,
  ]);
}

/**
 * Incidents nobody acknowledged in time: the escalation recipients of the rules that asked
 * for it are told (once per incident). Returns the escalated incidents.
 */
export async function escalateDue(db: Db, jobs: JobQueue, config: Config, now = new Date()): Promise<number[]> {
  const rules = (await db.pool.query<RuleRow>(RULES_SQL)).rows.filter((r) => r.escalate_after_minutes !== null);
  if (!rules.length) return [];
  const minMinutes = Math.min(...rules.map((r) => r.escalate_after_minutes!));
  const candidates = (
    await db.pool.query<{ id: number; opened_at: Date }>(
      `SELECT id, opened_at FROM incidents
       WHERE status IN ('SUSPECTED', 'OPEN') AND NOT planned AND acknowledged_at IS NULL AND escalated_at IS NULL
         AND opened_at <= $1`,
      [new Date(now.getTime() - minMinutes * 60_000)],
    )
  ).rows;
  const escalated: number[] = [];
  for (const c of candidates) {
    const incident = await incidentSnapshot(db.pool, c.id, config.http.publicUrl);
    if (!incident) continue;
    const facts = {
      kind: incident.kind,
      affected: incident.affected,
      oltId: incident.oltId,
      routerId: incident.routerId,
      zones: incident.zones,
    };
    const due = rules.some(
      (r) =>
        now.getTime() - c.opened_at.getTime() >= r.escalate_after_minutes! * 60_000 &&
        ruleMatches({ ...r, events: [] }, 'OPENED', facts, now, config.notifications.timeZone),
    );
    if (!due) continue;
    const marked = await withTransaction(db.pool, async (tx) => {
      const res = await tx.query(
        `UPDATE incidents SET escalated_at = $2 WHERE id = $1 AND escalated_at IS NULL AND acknowledged_at IS NULL`,
        [c.id, now],
      );
      if (!res.rowCount) return false;
      await recordIncidentEvent(tx, c.id, 'ESCALATED', 'Not acknowledged in time: the next level is told');
      await notify(tx, { t: 'incident', id: c.id });
      return true;
    });
    if (!marked) continue;
    await planDeliveries(db, jobs, config, c.id, 'ESCALATED', 'ESCALATED', now);
    escalated.push(c.id);
  }
  return escalated;
}
