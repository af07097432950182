/**
 * The main screens' GraphQL queries, as the monitor asks them: shared by the API and peer
 * benchmarks and by the statement-budget test, so all three measure the same thing.
 */
export const CUSTOMER_PAGE = `query($id: ID!) { customer(id: $id) {
  name docNumber address city status debt phones { number } emails { email }
  connections {
    pppoeUsername address plan { name speed } router { name }
    onu { serial status { value since observedAt } signal { rxPower level observedAt } ponPort { label olt { name } } }
    session { address callerId uptimeSeconds observedAt }
    pppSecret { lastLoggedOut lastDisconnectReason }
    tickets(first: 5) { totalCount nodes { number subject status priority createdAt } }
  }
} }`;

export const ONUS_BY_PON = `query($p: ID!) { onus(first: 100, filter: { ponPortId: $p }) { totalCount nodes { serial name status { value since } signal { rxPower level } connection { pppoeUsername } } } }`;
