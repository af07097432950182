/** The signed-in user, as the monitor knows them. */
export type Role = 'ADMIN' | 'NOC' | 'SUPPORT' | 'TECHNICIAN';

export interface Me {
  id: string;
  username: string;
  name: string;
  role: Role;
}
