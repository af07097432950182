/** What every resolver receives: the services, the caller and request-scoped helpers. */
import type { AddressThrottle } from '../auth/throttle.ts';
import type { Actor, Services } from '../services.ts';
import type { Outlet } from './fanOut.ts';

export interface Context extends Services {
  actor: Actor | null;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** Set-Cookie headers the response must carry (login/logout). */
  setCookies: string[];
  /** Per-process throttle of failed sign-ins by client address. */
  loginThrottle: AddressThrottle;
  /** A subscription over WebSocket: where its frames go (fanOut.ts). */
  outlet?: Outlet;
}
