/** What GraphiQL opens with: ready-to-run examples for developers. */
export const graphiqlExamples = `# Welcome to the Emerald API.
#
# Sign in first (the cookie is kept by the browser):
#   mutation { login(username: "soporte", password: "emerald-demo") { __typename ... on LoginSuccess { session { user { name role } } } ... on LoginError { message } } }
# Scripts use a bearer token: an API key (emk_…) or login(returnToken: true).
# Pick an operation with the ▶ button. Every type and field is documented (Docs panel).

# One box for everything: name, address, DNI/CUIT, phone, e-mail, PPPoE user, serial, MAC, IP.
query Search {
  search(query: "perez", first: 5) {
    hits {
      kind exact matchedField matchedValue linked
      customer { id name docNumber }
      connection { id pppoeUsername }
      pppSecret { id name linked }
    }
  }
}

# A customer with everything support looks at (use an id from Search).
query CustomerWithEverything($id: ID = "Q3VzdG9tZXI6MQ==") {
  customer(id: $id) {
    name docNumber address city status debt
    phones { number }
    connections {
      pppoeUsername address
      plan { name speed }
      router { name }
      session { address callerId uptimeSeconds observedAt }
      pppSecret { lastLoggedOut lastDisconnectReason }
      onu { serial status { value since observedAt source } signal { rxPower level observedAt } ponPort { label olt { name } } }
      tickets(first: 5) { nodes { number subject status priority createdAt } }
    }
  }
}

# ONUs of a PON port that are down (use an id from the network summary).
query OnusOfPonPort($ponPortId: ID) {
  onus(first: 50, filter: { ponPortId: $ponPortId, status: [LOS, POWER_FAIL, OFFLINE] }, orderBy: { field: STATUS_SINCE, direction: DESC }) {
    totalCount
    nodes { serial name status { value since } signal { rxPower level } connection { pppoeUsername customer { name } } }
  }
}

query NetworkSummary {
  networkSummary {
    sessionsUp openIncidents
    onus { total online offline los powerFail }
    olts { name statusCounts { total los } ponPorts { id label statusCounts { total online los powerFail } } }
  }
}

# Live ONU changes (over WebSocket; GraphiQL connects by itself). Each message is a batch
# of ONUs with their current state; resync: true means refetch (changes were dropped).
subscription OnuChanges {
  onuStatusChanged(status: [LOS, POWER_FAIL, OFFLINE]) { resync onus { serial status { value since } ponPort { label } } }
}

# The NOC summary, pushed when the network changes (at most once a second).
subscription LiveSummary {
  networkSummary { at sessionsUp openIncidents onus { total online los powerFail } }
}
`;
