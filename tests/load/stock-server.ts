/**
 * The stock `@y/websocket-server` (devDependency, comparison only), run as its own process so the
 * benchmark measures it exactly as it measures Tavolo: same machine, clients and workload.
 * In memory, no auth, no persistence: the best case for the stock server.
 *
 * With STOCK_DATABASE_URL (the cold-load benchmark), documents are loaded through the stock
 * persistence hook (`setPersistence`, `bindState`) from the same `yjs_snapshots` / `yjs_updates`
 * rows Tavolo reads, the way the stock server's own LevelDB persistence does it: every stored
 * update applied to a fresh Y.Doc in one transaction, then that state applied to the shared doc.
 * Nothing is written back.
 */
import http from 'node:http';
import pg from 'pg';
import { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { setPersistence, setupWSConnection } from '@y/websocket-server/utils';

const databaseUrl = process.env.STOCK_DATABASE_URL;
if (databaseUrl) {
	const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
	setPersistence({
		provider: null,
		bindState: async (docName: string, ydoc: Y.Doc) => {
			const snapshot = await pool.query<{ state: Buffer }>('select state from yjs_snapshots where doc_name = $1', [docName]);
			const rows = await pool.query<{ update: Buffer }>('select update from yjs_updates where doc_name = $1 order by id', [docName]);
			const persisted = new Y.Doc();
			persisted.transact(() => {
				for (const row of [...snapshot.rows.map((r) => r.state), ...rows.rows.map((r) => r.update)]) Y.applyUpdate(persisted, row);
			});
			Y.applyUpdate(ydoc, Y.encodeStateAsUpdate(persisted));
		},
		writeState: async () => {}
	});
}

const wss = new WebSocketServer({ noServer: true });
const server = http.createServer((_req, res) => res.writeHead(200).end('ok'));
wss.on('connection', (ws, req) => setupWSConnection(ws, req));
server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
	const address = server.address() as { port: number };
	process.stdout.write(`ready ${address.port}\n`);
});
