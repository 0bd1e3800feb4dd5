/**
 * The floor of `npm run bench`: the least a y-websocket relay can do. No Y.Doc, no auth, no
 * persistence: a client's sync step 1 gets an empty sync step 2 (enough for the stock provider to
 * call itself synced: the benchmark's documents start empty), and every other frame goes, as
 * received, to every other socket on the same document. A server that keeps a document must do at
 * least this much per update, so its CPU per delivered message is the yardstick.
 */
import http from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/** [messageSync, syncStep2, length 2, the empty update 0 0]. */
const emptySyncStep2 = Buffer.from([0, 1, 2, 0, 0]);
const rooms = new Map<string, Set<WebSocket>>();

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
wss.on('connection', (ws: WebSocket, docName: string) => {
	let room = rooms.get(docName);
	if (!room) rooms.set(docName, (room = new Set()));
	room.add(ws);
	ws.on('message', (data: RawData) => {
		const bytes = data as Buffer;
		// Sync step 1 ([0, 0, …]): answered, not relayed.
		if (bytes[0] === 0 && bytes[1] === 0) return ws.send(emptySyncStep2);
		for (const other of room) if (other !== ws && other.readyState === other.OPEN) other.send(bytes);
	});
	ws.on('close', () => {
		room.delete(ws);
		if (room.size === 0) rooms.delete(docName);
	});
});
const server = http.createServer((_req, res) => res.writeHead(200).end('ok'));
server.on('upgrade', (req, socket, head) => {
	const docName = (req.url ?? '/').slice(1).split('?')[0];
	wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, docName));
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
	const address = server.address() as { port: number };
	process.stdout.write(`ready ${address.port}\n`);
});
