/**
 * The stock `@y/websocket-server` (devDependency, comparison only), run as its own process so the
 * benchmark measures it exactly as it measures Tavolo: same machine, clients and workload.
 * In memory, no auth, no persistence: the best case for the stock server.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';

const wss = new WebSocketServer({ noServer: true });
const server = http.createServer((_req, res) => res.writeHead(200).end('ok'));
wss.on('connection', (ws, req) => setupWSConnection(ws, req));
server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
	const address = server.address() as { port: number };
	process.stdout.write(`ready ${address.port}\n`);
});
