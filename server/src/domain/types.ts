/** Value types shared by domain modules, mirroring the Prisma enums without importing the client. */
export type OnuStatusValue = 'ONLINE' | 'OFFLINE' | 'LOS' | 'POWER_FAIL' | 'UNKNOWN';
export type SignalCategoryValue = 'VERY_GOOD' | 'GOOD' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
export type CustomerStatusValue = 'ENABLED' | 'BLOCKED' | 'NO_SERVICE' | 'UNKNOWN';
export type SourceValue = 'ISPCUBE' | 'ROUTEROS' | 'SMARTOLT';
export type RoleValue = 'ADMIN' | 'NOC' | 'SUPPORT' | 'TECHNICIAN';
