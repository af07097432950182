/** Enums shared by several aggregates (mirroring the Prisma enums, with descriptions). */
import { builder } from '../builder.ts';

export const SourceEnum = builder.enumType('Source', {
  description: 'An outside system Emerald mirrors.',
  values: {
    ISPCUBE: { description: 'ISPCube billing/CRM (customers, connections, plans, nodes).' },
    ROUTEROS: { description: 'MikroTik RouterOS routers (PPP secrets and live sessions).' },
    SMARTOLT: { description: 'SmartOLT (ONU inventory, status and optical signal).' },
  } as const,
});

export const OnuStatusEnum = builder.enumType('OnuStatus', {
  description: 'State of an ONU as its OLT reports it.',
  values: {
    ONLINE: { description: 'Working.' },
    OFFLINE: { description: 'Switched off or unplugged cleanly.' },
    LOS: { description: 'Loss of signal: no light reaches the ONU (fibre problem).' },
    POWER_FAIL: { description: 'The ONU lost power (dying gasp).' },
    UNKNOWN: { description: 'Not reported yet, or a state Emerald does not know.' },
  } as const,
});

export const SignalCategoryEnum = builder.enumType('SignalCategory', {
  description: "SmartOLT's own category of an ONU's optical signal.",
  values: {
    VERY_GOOD: { description: 'Very good.' },
    GOOD: { description: 'Good.' },
    WARNING: { description: 'Warning: marginal.' },
    CRITICAL: { description: 'Critical: service at risk.' },
    UNKNOWN: { description: 'Not measurable (ONU not online) or not reported.' },
  } as const,
});

export const SignalLevelEnum = builder.enumType('SignalLevel', {
  description: "Emerald's reading of an ONU receive power against the configured thresholds (class B+ by default).",
  values: {
    OVERLOAD: { description: 'Above the overload threshold (default −8 dBm): too much light.' },
    GOOD: { description: 'Between the warning and overload thresholds.' },
    WARNING: { description: 'Between the critical and warning thresholds (default −27 to −25 dBm).' },
    CRITICAL: { description: 'Below the critical threshold (default −27 dBm).' },
    UNKNOWN: { description: 'No reading.' },
  } as const,
});

export const CustomerStatusEnum = builder.enumType('CustomerStatus', {
  description: "A customer's status in billing.",
  values: {
    ENABLED: { description: 'Active customer with service.' },
    BLOCKED: { description: 'Blocked (usually for debt).' },
    NO_SERVICE: { description: 'Without service (suspended or withdrawn).' },
    UNKNOWN: { description: 'A status Emerald does not know.' },
  } as const,
});

export const RoleEnum = builder.enumType('Role', {
  description: 'What a user may do.',
  values: {
    ADMIN: { description: 'Everything, including users, API keys and audit.' },
    NOC: { description: 'Network operations: all network data, incidents, syncs.' },
    SUPPORT: { description: 'Help desk: customers, search, diagnosis, tickets, work orders.' },
    TECHNICIAN: { description: 'Field technician: own work orders and what hangs off them.' },
  } as const,
});

export const SyncKindEnum = builder.enumType('SyncKind', {
  description: 'What a sync refreshes.',
  values: {
    INVENTORY: { description: 'Inventory: customers, connections, plans, routers, secrets, OLTs, ONUs.' },
    SESSIONS: { description: 'Live PPPoE sessions of routers.' },
    ONU_STATUS: { description: 'ONU statuses (bulk per OLT).' },
    ONU_SIGNAL: { description: 'ONU optical signals (bulk per OLT).' },
  } as const,
});

export const SyncScopeEnum = builder.enumType('SyncScope', {
  description: 'How much a sync covers.',
  values: {
    ALL: { description: 'Everything of the source.' },
    ROUTER: { description: 'One router.' },
    OLT: { description: 'One OLT.' },
    CUSTOMER: { description: 'One customer (ISPCube, by DNI/CUIT).' },
  } as const,
});

export const SortDirectionEnum = builder.enumType('SortDirection', {
  description: 'Order of a sorted list.',
  values: { ASC: { description: 'Smallest first.' }, DESC: { description: 'Largest first.' } } as const,
});

export const TicketTypeEnum = builder.enumType('TicketType', {
  description: 'Kind of ticket.',
  values: {
    TECHNICAL: { description: 'Service problem (no service, slow, cuts).' },
    INSTALLATION: { description: 'New installation or equipment change.' },
    WITHDRAWAL: { description: 'Service withdrawal, equipment pickup.' },
    RELOCATION: { description: 'Move to another address.' },
    ADMINISTRATIVE: { description: 'Billing, plan changes, paperwork.' },
  } as const,
});

export const TicketStatusEnum = builder.enumType('TicketStatus', {
  description: 'Where a ticket is in its life.',
  values: {
    OPEN: { description: 'New, not yet worked on.' },
    IN_PROGRESS: { description: 'Someone is working on it.' },
    PENDING: { description: 'Waiting for the customer.' },
    WAITING_INTERNAL: { description: 'Waiting for another team (e.g. a field visit).' },
    RESOLVED: { description: 'Solved, awaiting confirmation.' },
    CLOSED: { description: 'Done.' },
    CANCELLED: { description: 'Dropped (duplicate, mistaken, withdrawn).' },
  } as const,
});

export const TicketPriorityEnum = builder.enumType('TicketPriority', {
  description: 'How urgent a ticket is.',
  values: {
    LOW: { description: 'Low.' },
    MEDIUM: { description: 'Medium.' },
    HIGH: { description: 'High (e.g. no service).' },
    CRITICAL: { description: 'Critical (e.g. business customer down, mass outage).' },
  } as const,
});

export const TicketEventKindEnum = builder.enumType('TicketEventKind', {
  description: 'What a timeline entry records.',
  values: {
    CREATED: { description: 'The ticket was opened.' },
    NOTE: { description: 'A note by a person.' },
    STATUS_CHANGE: { description: 'Status changed (data: from, to).' },
    PRIORITY_CHANGE: { description: 'Priority changed (data: from, to).' },
    ASSIGNMENT: { description: 'Assignee changed (data: from, to user ids).' },
    SYSTEM_EVIDENCE: { description: 'Evidence recorded by Emerald (diagnosis checks, signal readings).' },
    WORK_ORDER: { description: 'A work order was created, scheduled, started, completed or failed.' },
  } as const,
});

export const WorkOrderTypeEnum = builder.enumType('WorkOrderType', {
  description: 'Kind of field visit.',
  values: {
    REPAIR: { description: 'Fix a fault.' },
    INSTALL: { description: 'Install a new service.' },
    PICKUP: { description: 'Collect equipment.' },
    INFRASTRUCTURE: { description: 'Work on the network itself (fibre, boxes, poles).' },
  } as const,
});

export const WorkOrderStatusEnum = builder.enumType('WorkOrderStatus', {
  description: 'Where a work order is.',
  values: {
    PENDING_PLANNING: { description: 'Created, not scheduled.' },
    SCHEDULED: { description: 'Has a technician or team and a start time.' },
    IN_PROGRESS: { description: 'The technician started it.' },
    COMPLETED: { description: 'Done, with a resolution.' },
    FAILED: { description: 'Could not be done (customer absent, access …).' },
  } as const,
});

export const ResolutionTypeEnum = builder.enumType('ResolutionType', {
  description: 'How a completed visit resolved the problem.',
  values: {
    FIBRE_REPAIRED: { description: 'Fibre repaired or spliced.' },
    CONNECTOR_CLEANED: { description: 'Connector cleaned or replaced.' },
    ONU_REPLACED: { description: 'ONU replaced.' },
    ROUTER_REPLACED: { description: "Customer's router replaced." },
    CONFIGURATION: { description: 'Configuration fixed.' },
    INSTALLED: { description: 'Service installed.' },
    EQUIPMENT_PICKED_UP: { description: 'Equipment collected.' },
    NO_FAULT_FOUND: { description: 'No fault found.' },
    OTHER: { description: 'Other (see notes).' },
  } as const,
});
