/** Ticket and work-order state machines: which changes are allowed from where. */

export type TicketStatus = 'OPEN' | 'IN_PROGRESS' | 'PENDING' | 'WAITING_INTERNAL' | 'RESOLVED' | 'CLOSED' | 'CANCELLED';
export type WorkOrderStatus = 'PENDING_PLANNING' | 'SCHEDULED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export const OPEN_TICKET_STATUSES: readonly TicketStatus[] = ['OPEN', 'IN_PROGRESS', 'PENDING', 'WAITING_INTERNAL'];

const TICKET_TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  OPEN: ['IN_PROGRESS', 'PENDING', 'WAITING_INTERNAL', 'RESOLVED', 'CANCELLED'],
  IN_PROGRESS: ['OPEN', 'PENDING', 'WAITING_INTERNAL', 'RESOLVED', 'CANCELLED'],
  PENDING: ['IN_PROGRESS', 'WAITING_INTERNAL', 'RESOLVED', 'CANCELLED'],
  WAITING_INTERNAL: ['IN_PROGRESS', 'PENDING', 'RESOLVED', 'CANCELLED'],
  // A resolved ticket is closed when the customer confirms, or reopened when they do not.
  RESOLVED: ['CLOSED', 'IN_PROGRESS'],
  // Closed and cancelled tickets are history: a new problem is a new ticket.
  CLOSED: [],
  CANCELLED: [],
};

export function canChangeTicketStatus(from: TicketStatus, to: TicketStatus): boolean {
  return TICKET_TRANSITIONS[from].includes(to);
}

export function isTicketOpen(status: TicketStatus): boolean {
  return OPEN_TICKET_STATUSES.includes(status);
}

export type WorkOrderAction = 'schedule' | 'start' | 'complete' | 'fail';

const WORK_ORDER_FROM: Record<WorkOrderAction, readonly WorkOrderStatus[]> = {
  schedule: ['PENDING_PLANNING', 'SCHEDULED'],
  start: ['SCHEDULED'],
  complete: ['SCHEDULED', 'IN_PROGRESS'],
  fail: ['SCHEDULED', 'IN_PROGRESS'],
};

export const WORK_ORDER_TARGET: Record<WorkOrderAction, WorkOrderStatus> = {
  schedule: 'SCHEDULED',
  start: 'IN_PROGRESS',
  complete: 'COMPLETED',
  fail: 'FAILED',
};

/**
 * Why a work-order action is refused, or null when allowed. A work order of a ticket that
 * is closed or cancelled cannot move on (its ticket is history).
 */
export function workOrderRefusal(action: WorkOrderAction, status: WorkOrderStatus, ticketStatus: TicketStatus): string | null {
  if (ticketStatus === 'CANCELLED' || ticketStatus === 'CLOSED') {
    return `Its ticket is ${ticketStatus.toLowerCase()}: reopen or create a ticket first`;
  }
  if (!WORK_ORDER_FROM[action].includes(status)) {
    return `A ${status.toLowerCase().replace('_', ' ')} work order cannot be ${action === 'schedule' ? 'scheduled' : action === 'start' ? 'started' : action === 'complete' ? 'completed' : 'failed'}`;
  }
  return null;
}
