/** Diagnosis of a connection, with its evidence, and tickets opened from it. */
import { diagnose, type Diagnosis, type Evidence } from '../../diagnosis/diagnose.ts';
import { linkTicketToActiveIncidents } from '../incidentTickets.ts';
import { builder } from '../builder.ts';
import { readAs, writeAs } from '../access.ts';
import { audit } from '../audit.ts';
import { NotFoundError, ValidationError } from '../userErrors.ts';
import { idOf, optionalIdOf } from '../ids.ts';
import { TicketPriorityEnum, TicketTypeEnum } from './enums.ts';
import { mutationResult } from './errorTypes.ts';
import { TicketRef, ticketSnapshot } from './ticket.ts';
import { DeviceActionOptionRef, deviceActionOptions } from './deviceAction.ts';

const VerdictEnum = builder.enumType('Verdict', {
  description: 'What is wrong, in one word.',
  values: {
    OK: { description: 'Everything Emerald can see works: likely Wi-Fi or the customer’s device.' },
    PHYSICAL: { description: 'Fibre, ONU or optical signal: usually a visit.' },
    LOGICAL: { description: 'ONU fine but PPPoE down or flapping: router, credentials, customer router.' },
    BILLING: { description: 'Blocked for debt or account disabled: administration, not the field.' },
    MASS_OUTAGE: { description: 'Part of an open incident (fibre cut, power cut, router outage): no visit for this customer alone.' },
    NEEDS_HUMAN: { description: 'Ambiguous, missing data, or repeated complaints: a person must look.' },
    UNKNOWN: { description: 'A source needed to tell did not answer and the mirror has nothing: says which.' },
  } as const,
});

const EvidenceResultEnum = builder.enumType('EvidenceResult', {
  description: 'How a check came out.',
  values: {
    OK: { description: 'Fine.' },
    WARN: { description: 'Worth a look.' },
    FAIL: { description: 'Wrong.' },
    UNKNOWN: { description: 'Could not tell.' },
  } as const,
});

const EvidenceSourceEnum = builder.enumType('EvidenceSource', {
  description: 'Where a fact comes from.',
  values: {
    ISPCUBE: { description: 'ISPCube.' },
    ROUTEROS: { description: 'The MikroTik router.' },
    SMARTOLT: { description: 'SmartOLT.' },
    EMERALD: { description: 'Emerald’s own records (incidents, tickets).' },
  } as const,
});

const EvidenceNoteEnum = builder.enumType('EvidenceNote', {
  description: 'Why a live check fell back to the mirror.',
  values: {
    TIMEOUT: { description: 'It did not answer in time (DIAGNOSIS_LIVE_TIMEOUT_MS).' },
    UNREACHABLE: { description: 'It could not be reached.' },
    AUTH_FAILED: { description: 'It refused the credentials.' },
    NOT_ALLOWED: { description: 'Emerald refused to send credentials there (ROUTEROS_ALLOWED_NETWORKS, certificate).' },
    RATE_LIMITED: { description: 'The vendor is rate limiting.' },
    BUDGET_LOW: { description: 'Too little SmartOLT budget left this hour.' },
    NOT_CONFIGURED: { description: 'The vendor is not configured.' },
    NO_ROUTER: { description: 'No router is known for this connection.' },
    ERROR: { description: 'Another error (see `note`).' },
  } as const,
});

const EvidenceRef = builder.objectRef<Evidence>('Evidence').implement({
  description: 'One fact a diagnosis rests on.',
  fields: (t) => ({
    check: t.exposeString('check', {
      description:
        'What was checked: PPPOE_SESSION, PPP_SECRET, TRAFFIC, ONU_STATUS, ONU_SIGNAL, BILLING, INCIDENT, RECENT_TICKETS, SESSION_DROPS.',
    }),
    result: t.field({ type: EvidenceResultEnum, description: 'How it came out.', resolve: (e) => e.result }),
    value: t.exposeString('value', {
      description:
        'What it showed, in English, e.g. "LOS since 2026-11-27T10:42:00Z" or "-27.8 dBm (CRITICAL)" (`detail` has the facts to format it otherwise).',
    }),
    source: t.field({ type: EvidenceSourceEnum, description: 'Where from.', resolve: (e) => e.source }),
    live: t.exposeBoolean('live', { description: 'Asked just now (true) or taken from the mirror (false).' }),
    observedAt: t.expose('observedAt', { type: 'DateTime', nullable: true, description: 'When the fact was observed.' }),
    ageSeconds: t.int({
      nullable: true,
      description: 'How old the fact is, in seconds.',
      resolve: (e) => (e.observedAt ? Math.max(0, Math.round((Date.now() - e.observedAt.getTime()) / 1000)) : null),
    }),
    note: t.exposeString('note', {
      nullable: true,
      description: 'Why the live check was not used (timeout, unreachable, budget low), in English with the vendor’s words.',
    }),
    noteCode: t.field({
      type: EvidenceNoteEnum,
      nullable: true,
      description: 'Why the live check was not used, as a code (to show in the reader’s language).',
      resolve: (e) => e.noteCode,
    }),
    detail: t.expose('detail', { type: 'JSON', nullable: true, description: 'The raw facts (IP, MAC, last logout and reason, dBm…).' }),
  }),
});

const SuggestedActionRef = builder.objectRef<Diagnosis['action']>('SuggestedAction').implement({
  description: 'What to do about it.',
  fields: (t) => ({
    ticketType: t.field({ type: TicketTypeEnum, description: 'Ticket type to open.', resolve: (a) => a.ticketType }),
    priority: t.field({ type: TicketPriorityEnum, description: 'Its priority.', resolve: (a) => a.priority }),
    visit: t.exposeBoolean('visit', { description: 'Whether a technician should go.' }),
    es: t.exposeString('es', { description: 'The action, in Spanish.' }),
    en: t.exposeString('en', { description: 'The action, in English.' }),
  }),
});

const DiagnosisRef = builder.objectRef<Diagnosis>('Diagnosis').implement({
  description: 'A verdict on one connection, with the evidence behind it.',
  fields: (t) => ({
    verdict: t.field({ type: VerdictEnum, description: 'The verdict.', resolve: (d) => d.verdict }),
    reasons: t.exposeStringList('reasons', {
      description: 'Machine-readable reasons, most important first (e.g. ONU_LOS, SMARTOLT_UNREACHABLE).',
    }),
    summaryEs: t.string({
      description: 'One line, in Spanish: "ONU en LOS desde las 10:42 → problema de fibra, requiere visita".',
      resolve: (d) => d.summary.es,
    }),
    summaryEn: t.string({ description: 'One line, in English.', resolve: (d) => d.summary.en }),
    action: t.field({ type: SuggestedActionRef, description: 'What to do.', resolve: (d) => d.action }),
    evidence: t.field({ type: [EvidenceRef], description: 'Each check, its result, source and freshness.', resolve: (d) => d.evidence }),
    deviceAction: t.field({
      type: DeviceActionOptionRef,
      nullable: true,
      description:
        'The device action that fits the verdict (e.g. stuck session → disconnect it; secret disabled → enable it), with what it will do and whether it can be run now.',
      resolve: async (d, _a, ctx) => {
        if (!d.device || d.connectionId === null) return null;
        const [option] = await deviceActionOptions(ctx, d.connectionId, d.device);
        return option ? { ...option, facts: { ...option.facts, ...d.deviceFacts } } : null;
      },
    }),
    connection: t.prismaField({
      type: 'Connection',
      nullable: true,
      description: 'The connection diagnosed (null when none or several matched).',
      resolve: (query, d, _a, ctx) =>
        d.connectionId === null ? null : ctx.db.prisma.connection.findUnique({ ...query, where: { id: d.connectionId } }),
    }),
    candidates: t.prismaField({
      type: ['Connection'],
      description: 'When several connections matched: which (give one of them).',
      resolve: (query, d, _a, ctx) =>
        d.candidates.length > 1 ? ctx.db.prisma.connection.findMany({ ...query, where: { id: { in: d.candidates } } }) : [],
    }),
    diagnosedAt: t.expose('diagnosedAt', { type: 'DateTime', description: 'When.' }),
    tookMs: t.exposeInt('tookMs', { description: 'How long it took, live checks included.' }),
  }),
});

builder.queryField('diagnose', (t) =>
  t.field({
    type: DiagnosisRef,
    description:
      'Diagnose a connection: by id, or by PPPoE username (with the router when several have it). Live checks at the router and SmartOLT run in parallel with a short timeout; what does not answer falls back to the mirror and the verdict says so.',
    authScopes: readAs('ADMIN', 'NOC', 'SUPPORT'),
    errors: {
      types: [ValidationError, NotFoundError],
      union: { name: 'DiagnoseResult', description: 'A diagnosis, or why none could be made.' },
      result: { name: 'DiagnoseSuccess', description: 'The diagnosis.' },
      dataField: { name: 'diagnosis', description: 'The diagnosis.' },
    },
    args: {
      connectionId: t.arg.id({ required: false, description: 'Connection id.' }),
      pppoeUsername: t.arg.string({ required: false, description: 'PPPoE username (case-insensitive).' }),
      routerId: t.arg.id({ required: false, description: 'Router, when the username exists on several.' }),
    },
    resolve: async (_root, args, ctx) => {
      if (args.connectionId) return diagnose(ctx, { connectionId: idOf(String(args.connectionId), 'Connection', 'connectionId') });
      const username = args.pppoeUsername?.trim();
      if (!username) throw ValidationError.single('connectionId', 'REQUIRED', 'Give a connection id or a PPPoE username');
      return diagnose(ctx, { username, routerId: optionalIdOf(args.routerId ? String(args.routerId) : null, 'Router', 'routerId') });
    },
  }),
);

const CreateTicketFromDiagnosisInput = builder.inputType('CreateTicketFromDiagnosisInput', {
  description: 'Open a ticket pre-filled from a fresh diagnosis of the connection.',
  fields: (t) => ({
    connectionId: t.id({ required: true, description: 'The connection.' }),
    note: t.string({ required: false, description: 'What the customer said (added to the description).' }),
  }),
});

builder.mutationField('createTicketFromDiagnosis', (t) =>
  t.field({
    type: TicketRef,
    description:
      'Diagnose the connection now and open a ticket from the verdict: type, priority and subject from the suggested action, the evidence in its timeline (SYSTEM_EVIDENCE). Writes an audit entry.',
    authScopes: writeAs('ADMIN', 'SUPPORT'),
    errors: mutationResult('CreateTicketFromDiagnosis', 'ticket'),
    args: { input: t.arg({ type: CreateTicketFromDiagnosisInput, required: true, description: 'The connection.' }) },
    resolve: async (_root, { input }, ctx) => {
      const connectionId = idOf(String(input.connectionId), 'Connection', 'input.connectionId');
      const note = input.note?.trim() ?? '';
      if (note.length > 2000) throw ValidationError.single('input.note', 'TOO_LONG', 'The note must have at most 2,000 characters');
      const d = await diagnose(ctx, { connectionId });
      if (d.connectionId === null) throw new NotFoundError('input.connectionId', 'No connection with that id');
      const subject = d.summary.es.length > 200 ? `${d.summary.es.slice(0, 197)}…` : d.summary.es;
      const description = [
        note,
        `Diagnóstico: ${d.verdict}. ${d.summary.es}`,
        `Acción sugerida: ${d.action.es}${d.action.visit ? ' (requiere visita)' : ''}`,
      ]
        .filter(Boolean)
        .join('\n\n');
      return ctx.db.prisma.$transaction(async (tx) => {
        const conn = await tx.connection.findUniqueOrThrow({ where: { id: connectionId }, select: { customerId: true } });
        const ticket = await tx.ticket.create({
          data: {
            subject,
            description,
            type: d.action.ticketType,
            priority: d.action.priority,
            status: 'OPEN',
            connectionId,
            customerId: conn.customerId,
            creatorId: ctx.actor!.userId,
          },
        });
        await tx.ticketEvent.create({ data: { ticketId: ticket.id, kind: 'CREATED', authorId: ctx.actor!.userId, body: ticket.subject } });
        await linkTicketToActiveIncidents(tx, ticket.id, ticket.connectionId, ticket.customerId);
        await tx.ticketEvent.create({
          data: {
            ticketId: ticket.id,
            kind: 'SYSTEM_EVIDENCE',
            authorId: null,
            body: `${d.verdict}: ${d.summary.es}`,
            data: JSON.parse(
              JSON.stringify({
                verdict: d.verdict,
                reasons: d.reasons,
                summary: d.summary,
                action: d.action,
                evidence: d.evidence,
                diagnosedAt: d.diagnosedAt,
              }),
            ) as object,
          },
        });
        await audit(tx, ctx, {
          action: 'ticket.create_from_diagnosis',
          entityType: 'Ticket',
          entityId: ticket.id,
          after: { ...ticketSnapshot(ticket), connectionId, verdict: d.verdict },
        });
        return ticket;
      });
    },
  }),
);
