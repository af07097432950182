/** Imports every aggregate (each registers its types on the builder) and builds the schema. */
import { builder } from '../builder.ts';
import { describeGeneratedTypes } from '../describe.ts';
import './errorTypes.ts';
import './enums.ts';
import './system.ts';
import './auth.ts';
import './user.ts';
import './apiKey.ts';
import './customer.ts';
import './connection.ts';
import './router.ts';
import './ppp.ts';
import './olt.ts';
import './onu.ts';
import './network.ts';
import './incident.ts';
import './notification.ts';
import './reference.ts';
import './ticket.ts';
import './workOrder.ts';
import './sync.ts';
import './search.ts';
import './auditEntry.ts';
import './deviceAction.ts';
import './diagnosis.ts';
import './subscriptions.ts';

export const schema = describeGeneratedTypes(builder.toSchema({ sortSchema: true }));
