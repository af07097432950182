import { describe, expect, it } from 'vitest';
import { canChangeTicketStatus, workOrderRefusal, type TicketStatus, type WorkOrderStatus } from './workflow.ts';

const ticketStatuses: TicketStatus[] = ['OPEN', 'IN_PROGRESS', 'PENDING', 'WAITING_INTERNAL', 'RESOLVED', 'CLOSED', 'CANCELLED'];
const woStatuses: WorkOrderStatus[] = ['PENDING_PLANNING', 'SCHEDULED', 'IN_PROGRESS', 'COMPLETED', 'FAILED'];

describe('ticket transitions', () => {
  it('never leaves closed or cancelled, and never stays in place', () => {
    for (const to of ticketStatuses) {
      expect(canChangeTicketStatus('CLOSED', to)).toBe(false);
      expect(canChangeTicketStatus('CANCELLED', to)).toBe(false);
    }
    for (const s of ticketStatuses) expect(canChangeTicketStatus(s, s)).toBe(false);
  });

  it('closes only resolved tickets and reopens them to in progress', () => {
    expect(ticketStatuses.filter((from) => canChangeTicketStatus(from, 'CLOSED'))).toEqual(['RESOLVED']);
    expect(canChangeTicketStatus('RESOLVED', 'IN_PROGRESS')).toBe(true);
    expect(canChangeTicketStatus('RESOLVED', 'OPEN')).toBe(false);
  });

  it('lets every open status be resolved or cancelled', () => {
    for (const s of ['OPEN', 'IN_PROGRESS', 'PENDING', 'WAITING_INTERNAL'] as const) {
      expect(canChangeTicketStatus(s, 'RESOLVED')).toBe(true);
      expect(canChangeTicketStatus(s, 'CANCELLED')).toBe(true);
    }
  });
});

describe('work order actions', () => {
  const allowed = (action: Parameters<typeof workOrderRefusal>[0]) =>
    woStatuses.filter((s) => workOrderRefusal(action, s, 'OPEN') === null);

  it('allows each action only from its states', () => {
    expect(allowed('schedule')).toEqual(['PENDING_PLANNING', 'SCHEDULED']);
    expect(allowed('start')).toEqual(['SCHEDULED']);
    expect(allowed('complete')).toEqual(['SCHEDULED', 'IN_PROGRESS']);
    expect(allowed('fail')).toEqual(['SCHEDULED', 'IN_PROGRESS']);
  });

  it('refuses everything on a cancelled or closed ticket', () => {
    for (const action of ['schedule', 'start', 'complete', 'fail'] as const) {
      for (const s of woStatuses) {
        expect(workOrderRefusal(action, s, 'CANCELLED')).toMatch(/ticket is cancelled/);
        expect(workOrderRefusal(action, s, 'CLOSED')).toMatch(/ticket is closed/);
      }
    }
  });

  it('explains a refusal in words', () => {
    expect(workOrderRefusal('start', 'COMPLETED', 'IN_PROGRESS')).toBe('A completed work order cannot be started');
  });
});
