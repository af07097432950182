/**
 * The simulated ISP: one world behind the ISPCube, RouterOS and SmartOLT simulators and
 * the demo data, so the three vendor views agree (same PPPoE usernames in connections,
 * router secrets and ONU names) and keep the messiness of real data.
 */

export type CustomerStatusValue = 'enabled' | 'blocked' | 'no_service';
export type OnuStatusValue = 'Online' | 'Offline' | 'LOS' | 'Power fail';

export interface WorldCustomer {
  id: number;
  code: string;
  name: string;
  docNumber: string;
  /** ISPCube `type`. */
  type: 'particular' | 'empresa';
  address: string;
  city: string;
  lat: number;
  lng: number;
  status: CustomerStatusValue;
  debt: number;
  speedLimited: boolean;
  phones: string[];
  emails: string[];
  createdAt: Date;
}

export interface WorldPlan {
  id: number;
  name: string;
  speed: string;
  comment: string;
  profile: string;
  technology: 'fibre' | 'wireless';
}

export interface WorldRouter {
  id: number;
  name: string;
  ip: string;
  apiPort: number;
  identity: string;
  version: string;
  boardName: string;
  bootedAt: Date;
}

export interface WorldConnection {
  id: number;
  customerId: number;
  /** ISPCube `node_id`: usually the router holding the secret, not always. */
  nodeId: number;
  planId: number;
  user: string;
  address: string;
  city: string;
  lat: number;
  lng: number;
  technology: 'fibre' | 'wireless';
  ip: string | null;
}

export interface WorldSecret {
  routerId: number;
  /** RouterOS `.id`, like `*1A`. */
  rosId: string;
  name: string;
  password: string;
  profile: string;
  service: string;
  remoteAddress: string | null;
  disabled: boolean;
  comment: string;
  lastLoggedOut: Date | null;
  lastCallerId: string | null;
  lastDisconnectReason: string | null;
  /** The connection this secret belongs to in ISPCube, if any (simulator bookkeeping only). */
  connectionId: number | null;
  /** MAC of the customer's router, used as caller-id. */
  mac: string;
}

export interface WorldSession {
  routerId: number;
  rosId: string;
  name: string;
  address: string;
  callerId: string;
  startedAt: Date;
  sessionId: string;
  rxBytes: number;
  txBytes: number;
  /** Average traffic in bit/s, for monitor-traffic. */
  rxRate: number;
  txRate: number;
}

export interface WorldOlt {
  id: number;
  name: string;
  hardware: string;
  ip: string;
  boards: number;
  portsPerBoard: number;
}

export interface WorldOnu {
  /** SmartOLT's `unique_external_id`: duplicated for a few ONUs, as in real tenants. */
  externalId: string;
  sn: string;
  oltId: number;
  board: number;
  port: number;
  index: number;
  onuType: string;
  /** By convention the PPPoE username; sometimes in other case, with spaces, or empty. */
  name: string;
  mode: 'Routing' | 'Bridging';
  vlan: string;
  zone: string;
  status: OnuStatusValue;
  lastStatusChange: Date;
  /** ONU receive power (dBm); null when unmeasurable. */
  rx1490: number | null;
  /** OLT receive power (dBm). */
  rx1310: number | null;
  /** The value a "healthy" reading drifts around; restored after an outage. */
  baseRx1490: number;
  baseRx1310: number;
  connectionId: number | null;
}

export interface WorldData {
  seed: number;
  subscribers: number;
  generatedAt: Date;
  plans: WorldPlan[];
  routers: WorldRouter[];
  customers: WorldCustomer[];
  connections: WorldConnection[];
  secrets: WorldSecret[];
  sessions: WorldSession[];
  olts: WorldOlt[];
  onus: WorldOnu[];
}
