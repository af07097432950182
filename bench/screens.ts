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

/** The customer page's rows in one hand-written statement (the floor both benchmarks compare with). */
export const CUSTOMER_PAGE_SQL = `
SELECT c.name, c.doc_number, c.address, c.city, c.status, c.debt,
  (SELECT json_agg(p.number ORDER BY p.position) FROM customer_phones p WHERE p.customer_id = c.id) AS phones,
  (SELECT json_agg(e.email ORDER BY e.position) FROM customer_emails e WHERE e.customer_id = c.id) AS emails,
  (SELECT json_agg(json_build_object(
      'pppoe', cn.pppoe_username, 'address', cn.address, 'plan', pl.name, 'speed', pl.speed, 'router', r.name,
      'onu', (SELECT json_build_object('serial', o.serial, 'status', o.status, 'since', o.status_changed_at, 'observed', o.status_observed_at,
                                       'rx', o.rx_power, 'signalAt', o.signal_observed_at, 'board', pp.board, 'port', pp.port, 'olt', ol.name)
              FROM onus o LEFT JOIN pon_ports pp ON pp.id = o.pon_port_id LEFT JOIN olts ol ON ol.id = o.olt_id
              WHERE o.connection_id = cn.id AND o.gone_at IS NULL ORDER BY o.id LIMIT 1),
      'session', (SELECT json_build_object('address', s.address, 'mac', s.caller_id, 'started', s.started_at, 'observed', s.observed_at)
                  FROM ppp_sessions s WHERE s.connection_id = cn.id ORDER BY s.started_at DESC LIMIT 1),
      'secret', (SELECT json_build_object('lastLoggedOut', sc.last_logged_out, 'reason', sc.last_disconnect_reason)
                 FROM ppp_secrets sc WHERE sc.connection_id = cn.id AND sc.gone_at IS NULL ORDER BY (sc.router_id = cn.router_id) DESC, sc.id LIMIT 1),
      'tickets', (SELECT json_agg(t) FROM (SELECT tk.id, tk.subject, tk.status, tk.priority, tk.created_at FROM tickets tk
                  WHERE tk.connection_id = cn.id ORDER BY tk.created_at DESC LIMIT 5) t),
      'ticketCount', (SELECT count(*) FROM tickets tk WHERE tk.connection_id = cn.id)
    ) ORDER BY cn.id)
   FROM connections cn LEFT JOIN plans pl ON pl.id = cn.plan_id LEFT JOIN routers r ON r.id = cn.router_id
   WHERE cn.customer_id = c.id AND cn.gone_at IS NULL) AS connections
FROM customers c WHERE c.id = $1`;
