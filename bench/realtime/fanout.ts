/**
 * The fan-out floor of bench/realtime.ts: the least a WebSocket server must do to push one
 * change to N subscribers — one frame written to each socket, the payload serialised once —
 * speaking the same protocol (graphql-transport-ws) to the same clients, in its own
 * process. No authentication, database, queueing or execution.
 *   fork('bench/realtime/fanout.ts'): sends { port } when listening; each { payload } it
 *   receives goes to every subscription as a `next` message.
 */
import { type WebSocket, WebSocketServer } from 'ws';

const subscriptions = new Map<WebSocket, Set<string>>();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 4096 });
wss.on('connection', (socket) => {
  subscriptions.set(socket, new Set());
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; id?: string };
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
    else if (message.type === 'subscribe' && message.id) subscriptions.get(socket)?.add(message.id);
    else if (message.type === 'complete' && message.id) subscriptions.get(socket)?.delete(message.id);
  });
  socket.on('close', () => subscriptions.delete(socket));
});
wss.on('listening', () => process.send?.({ port: (wss.address() as { port: number }).port }));
process.on('message', (m: { payload: unknown }) => {
  const payload = JSON.stringify(m.payload);
  for (const [socket, ids] of subscriptions)
    for (const id of ids) socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`);
});
process.on('disconnect', () => process.exit(0));
