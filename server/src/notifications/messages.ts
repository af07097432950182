/**
 * What a notification says: one short message per incident event, in the recipient's
 * language (Spanish or English), and the documented JSON of webhooks.
 *
 * Webhook payload (version 1), POSTed as `application/json`:
 *   { "version": 1, "deliveryId": 42, "event": "OPENED" | "CLASSIFIED" | "GREW" | "CLEARED" | "ESCALATED",
 *     "eventKey": "OPENED", "sentAt": "…Z",
 *     "incident": { "id": "<global id>", "number": 17, "kind": "FIBRE_CUT" | "POWER_OUTAGE" | "ROUTER_OUTAGE",
 *                   "status": "SUSPECTED" | "OPEN" | "CLEARED" | "WITHDRAWN", "title": "…", "place": "OLT-Centro 0/3",
 *                   "oltId": 1 | null, "ponPortId": 3 | null, "routerId": null, "affected": 61, "recovered": 0,
 *                   "openedAt": "…Z", "classifiedAt": "…Z" | null, "clearedAt": null, "acknowledgedAt": null,
 *                   "planned": false, "url": "https://emerald.isp.example/incidents/…" | null } }
 */
import type { IncidentKindValue } from '../domain/incidents.ts';
import type { NotificationEventValue } from '../domain/notifications.ts';

export interface IncidentSnapshot {
  id: number;
  globalId: string;
  kind: IncidentKindValue;
  status: 'SUSPECTED' | 'OPEN' | 'CLEARED' | 'WITHDRAWN';
  title: string;
  place: string;
  oltId: number | null;
  ponPortId: number | null;
  routerId: number | null;
  affected: number;
  recovered: number;
  openedAt: Date;
  classifiedAt: Date | null;
  clearedAt: Date | null;
  acknowledgedAt: Date | null;
  planned: boolean;
  url: string | null;
}

export interface Message {
  subject: string;
  text: string;
}

const KIND: Record<'es' | 'en', Record<IncidentKindValue, string>> = {
  es: { FIBRE_CUT: 'corte de fibra', POWER_OUTAGE: 'corte de energía', ROUTER_OUTAGE: 'caída de PPPoE (router)' },
  en: { FIBRE_CUT: 'fibre cut', POWER_OUTAGE: 'power outage', ROUTER_OUTAGE: 'PPPoE outage (router)' },
};

function when(at: Date, locale: 'es' | 'en', timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'es' ? 'es-AR' : 'en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(at);
}

/** The message of one event, for a person. */
export function incidentMessage(incident: IncidentSnapshot, event: NotificationEventValue, locale: 'es' | 'en', timeZone: string): Message {
  const kind = KIND[locale][incident.kind];
  const at = when(incident.openedAt, locale, timeZone);
  const es = locale === 'es';
  const suspected = incident.status === 'SUSPECTED';
  const head = {
    OPENED: suspected
      ? es
        ? `Posible corte en ${incident.place}: ${incident.affected} sesiones caídas desde las ${at}`
        : `Possible outage at ${incident.place}: ${incident.affected} sessions down since ${at}`
      : es
        ? `Incidente: ${kind} en ${incident.place}, ${incident.affected} afectados desde las ${at}`
        : `Incident: ${kind} at ${incident.place}, ${incident.affected} affected since ${at}`,
    CLASSIFIED: es
      ? `Confirmado: ${kind} en ${incident.place} (${incident.affected} afectados)`
      : `Confirmed: ${kind} at ${incident.place} (${incident.affected} affected)`,
    GREW: es
      ? `Crece: ${kind} en ${incident.place}, ahora ${incident.affected} afectados`
      : `Growing: ${kind} at ${incident.place}, now ${incident.affected} affected`,
    CLEARED:
      incident.status === 'WITHDRAWN'
        ? es
          ? `Descartado: no hubo corte en ${incident.place}`
          : `Withdrawn: no outage at ${incident.place}`
        : es
          ? `Normalizado: ${kind} en ${incident.place} (${incident.recovered} de ${incident.affected} de vuelta)`
          : `Cleared: ${kind} at ${incident.place} (${incident.recovered} of ${incident.affected} back)`,
    ESCALATED: es
      ? `Sin reconocer: ${kind} en ${incident.place}, ${incident.affected} afectados desde las ${at}`
      : `Not acknowledged: ${kind} at ${incident.place}, ${incident.affected} affected since ${at}`,
  }[event];
  const lines = [head];
  if (incident.planned) lines.push(es ? 'Dentro de una ventana de mantenimiento.' : 'Inside a maintenance window.');
  if (incident.url) lines.push(incident.url);
  return { subject: `[Emerald] ${head}`, text: lines.join('\n') };
}

/** The webhook body (see the file comment). */
export function webhookPayload(
  incident: IncidentSnapshot,
  event: NotificationEventValue,
  eventKey: string,
  deliveryId: number,
  sentAt: Date,
) {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    version: 1,
    deliveryId,
    event,
    eventKey,
    sentAt: sentAt.toISOString(),
    incident: {
      id: incident.globalId,
      number: incident.id,
      kind: incident.kind,
      status: incident.status,
      title: incident.title,
      place: incident.place,
      oltId: incident.oltId,
      ponPortId: incident.ponPortId,
      routerId: incident.routerId,
      affected: incident.affected,
      recovered: incident.recovered,
      openedAt: iso(incident.openedAt),
      classifiedAt: iso(incident.classifiedAt),
      clearedAt: iso(incident.clearedAt),
      acknowledgedAt: iso(incident.acknowledgedAt),
      planned: incident.planned,
      url: incident.url,
    },
  };
}
