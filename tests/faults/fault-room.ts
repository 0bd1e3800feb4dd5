import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { io, type ManagerOptions } from 'socket.io-client';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { jitterReconnects, type BackoffPolicy, type JitteredReconnect } from '../../src/lib/collab/reconnect-backoff.ts';
import type { Ack } from '../../src/lib/realtime/protocol.ts';
import { isCoveredBy, messageDurable, readDurable, snapshotOfUpdates, tavoloNoticeParams } from '../../src/lib/realtime/yjs-messages.ts';
import type { ClientSocket } from '../support/socket-test-client.ts';
import { ApiClient } from '../support/app.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * What the fault scripts share: a table with members, a meeting with open polls and co-edited
 * documents, made over the HTTP API of a running server; editors (the stock y-websocket provider)
 * and voters (socket.io-client) that keep a ledger of what the server acknowledged; and the checks
 * that compare those ledgers with what a restarted server and the database hold.
 */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const randomBetween = (low: number, high: number) => low + Math.random() * (high - low);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

/**
 * Whether the clients' network reaches the server. Down, every new connection goes to a port
 * nobody listens on, so a restarted server can be read before old clients re-send anything.
 */
export interface Link {
	up: boolean;
}
const unreachable = 'ws://127.0.0.1:1/';

// ---------------------------------------------------------------------------------------------
// The room: people, table, meeting, polls, documents

export interface Member {
	api: ApiClient;
	userId: string;
	cookie: string;
}

export interface OpenPoll {
	id: string;
	kind: 'single' | 'multiple' | 'yesno';
	anonymous: boolean;
	options: Array<{ id: string; label: string }>;
}

export interface FaultRoom {
	coordinator: Member;
	members: Member[];
	tableId: string;
	meetingId: string;
	polls: OpenPoll[];
	newDocument(title: string): Promise<string>;
}

/**
 * A coordinator, `memberCount` participants, a live meeting and three open polls with live
 * results: single choice (named), multiple choice up to two (named), yes/no (anonymous: its
 * ballots are keyed by HMAC of the poll's secret, which must survive every restart).
 */
export async function createFaultRoom(url: string, memberCount: number): Promise<FaultRoom> {
	const member = async (api: ApiClient, email: string, name: string): Promise<Member> => {
		const user = await api.signUp(email, name);
		return { api, userId: user.id, cookie: api.sessionCookie };
	};
	const coordinator = await member(new ApiClient(url), 'coordinatrice@guasti.example', 'Giulia Coordinatrice');
	const table = await coordinator.api.post('/api/v1/tables', { name: 'Tavolo Guasti', territory: 'Val di Cecina' });
	if (table.status !== 201) throw new Error(`table: ${table.status} ${table.text}`);
	const tableId = table.body.id as string;
	const invitation = await coordinator.api.post(`/api/v1/tables/${tableId}/invitations`, { role: 'participant', maxUses: memberCount });
	if (invitation.status !== 201) throw new Error(`invitation: ${invitation.status} ${invitation.text}`);
	const members: Member[] = [];
	// A few at a time: sign-up hashes with argon2, and the API limits requests per address.
	for (let i = 0; i < memberCount; i += 8) {
		const batch = await Promise.all(
			Array.from({ length: Math.min(8, memberCount - i) }, async (_, j) => {
				const joined = await member(new ApiClient(url), `membro${i + j}@guasti.example`, `Membro ${i + j}`);
				const accepted = await joined.api.post(`/api/v1/invitations/${invitation.body.token}/accept`);
				if (accepted.status !== 201) throw new Error(`accept: ${accepted.status} ${accepted.text}`);
				return joined;
			})
		);
		members.push(...batch);
	}
	const meeting = await coordinator.api.post(`/api/v1/tables/${tableId}/meetings`, {
		title: 'Incontro con guasti',
		startsAt: '2027-03-10T15:00:00+01:00',
		endsAt: '2027-03-10T17:00:00+01:00'
	});
	if (meeting.status !== 201) throw new Error(`meeting: ${meeting.status} ${meeting.text}`);
	const meetingId = meeting.body.id as string;
	const polls: OpenPoll[] = [];
	for (const spec of [
		{ question: 'Quale tema per primo?', kind: 'single', anonymous: false, options: ['Trasporti', 'Scuola', 'Casa', 'Lavoro'] },
		{
			question: 'Quali servizi rafforzare?',
			kind: 'multiple',
			anonymous: false,
			maxChoices: 2,
			options: ['Consultorio', 'Centro diurno', 'Sportello']
		},
		{ question: 'Approvare il protocollo?', kind: 'yesno', anonymous: true }
	] as const) {
		const created = await coordinator.api.post(`/api/v1/meetings/${meetingId}/polls`, { resultsVisible: 'live', ...spec });
		if (created.status !== 201) throw new Error(`poll: ${created.status} ${created.text}`);
		const opened = await coordinator.api.post(`/api/v1/polls/${created.body.id}/open`);
		if (opened.status !== 200) throw new Error(`open poll: ${opened.status} ${opened.text}`);
		polls.push({ id: created.body.id, kind: spec.kind, anonymous: spec.anonymous, options: created.body.options });
	}
	return {
		coordinator,
		members,
		tableId,
		meetingId,
		polls,
		async newDocument(title) {
			const created = await coordinator.api.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title });
			if (created.status !== 201) throw new Error(`document: ${created.status} ${created.text}`);
			return created.body.docName as string;
		}
	};
}

// ---------------------------------------------------------------------------------------------
// Editors

interface Edit {
	update: Uint8Array;
	token: string;
	kind: 'insert' | 'delete';
}

export interface Editor {
	readonly who: string;
	readonly doc: Y.Doc;
	readonly text: Y.Text;
	readonly provider: WebsocketProvider;
	/** The latest durable ack (message 101): the server has committed everything in it. */
	durable: Y.Snapshot | null;
	/** Edits not yet seen acknowledged (an ack seen at a check takes them off). */
	readonly pending: Edit[];
	/** The tokens this editor inserted and did not delete: the text must end up with exactly these. */
	readonly alive: Set<string>;
	/** Connections opened so far ('connected' status events). */
	connections: number;
	/** Every connection attempt (WebSocket constructed), by Date.now(). */
	readonly attempts: number[];
	/** When each connection closed, and when each one opened, by Date.now(). */
	readonly closedAt: number[];
	readonly connectedAt: number[];
	/** One edit, in one transaction: a token at either end, or (one time in ten) deleting an own token. */
	edit(): void;
	/** Everything this editor typed is covered by its latest ack, as the browser judges "Salvato". */
	isSaved(): boolean;
	destroy(): void;
}

export interface EditorOptions {
	yjsUrl: string;
	origin: string;
	docName: string;
	cookie: string;
	/** Token prefix, lower-case letters: tokens look like `<ab00042>`. */
	who: string;
	link?: Link;
	/** Reconnect with Tavolo's jittered policy (src/lib/collab/reconnect-backoff.ts), as the browser does. */
	backoff: BackoffPolicy;
}

export const tokenPattern = /<[a-z]+\d{5}>/g;

export function openEditor(options: EditorOptions): Editor {
	const link = options.link ?? { up: true };
	const headers = { Cookie: options.cookie, Origin: options.origin };
	const attempts: number[] = [];
	class BrowserLikeSocket extends WebSocket {
		constructor(address: string | URL, protocols?: string | string[]) {
			attempts.push(Date.now());
			super(link.up ? address : unreachable, protocols, { headers });
		}
	}
	const doc = new Y.Doc();
	const provider = new WebsocketProvider(options.yjsUrl, options.docName, doc, {
		WebSocketPolyfill: BrowserLikeSocket as unknown as typeof globalThis.WebSocket,
		disableBc: true,
		maxBackoffTime: options.backoff.maxMs,
		params: { ...tavoloNoticeParams }
	});
	const reconnect: JitteredReconnect = jitterReconnects(provider, options.backoff);
	let sequence = 0;
	let lastUpdate: Uint8Array | null = null;
	const own: Uint8Array[] = [];
	doc.on('update', (update: Uint8Array, origin: unknown) => {
		if (origin === provider) return;
		lastUpdate = update;
		own.push(update);
	});
	const token = (i: number) => `<${options.who}${String(i).padStart(5, '0')}>`;
	const editor: Editor = {
		who: options.who,
		doc,
		text: doc.getText('body'),
		provider,
		durable: null,
		pending: [],
		alive: new Set(),
		connections: 0,
		attempts,
		closedAt: [],
		connectedAt: [],
		edit() {
			lastUpdate = null;
			let made: Omit<Edit, 'update'>;
			const victim = sequence % 10 === 9 ? token(sequence - 5) : null;
			if (victim && editor.alive.has(victim)) {
				const at = editor.text.toString().indexOf(victim);
				if (at < 0) throw new Error(`${victim} is alive but not in ${options.who}'s text`);
				editor.text.delete(at, victim.length);
				editor.alive.delete(victim);
				made = { token: victim, kind: 'delete' };
			} else {
				const inserted = token(sequence);
				editor.text.insert(Math.random() < 0.5 ? editor.text.length : 0, inserted);
				editor.alive.add(inserted);
				made = { token: inserted, kind: 'insert' };
			}
			sequence += 1;
			if (!lastUpdate) throw new Error('an edit made no update');
			editor.pending.push({ ...made, update: lastUpdate });
		},
		isSaved: () => editor.durable !== null && (own.length === 0 || isCoveredBy(snapshotOfUpdates(own), editor.durable)),
		destroy() {
			reconnect.cancel();
			provider.destroy();
			doc.destroy();
		}
	};
	provider.messageHandlers[messageDurable] = (_encoder, decoder) => {
		editor.durable = readDurable(decoder);
	};
	provider.on('status', ({ status }) => {
		if (status !== 'connected') return;
		editor.connections += 1;
		editor.connectedAt.push(Date.now());
	});
	provider.on('connection-close', () => editor.closedAt.push(Date.now()));
	return editor;
}

/** The document as a server process serves it now: a fresh client syncs, copies it and leaves. */
export async function readDocument(yjsUrl: string, origin: string, docName: string, cookie: string): Promise<Y.Doc> {
	const doc = new Y.Doc();
	const provider = new WebsocketProvider(yjsUrl, docName, doc, {
		WebSocketPolyfill: class extends WebSocket {
			constructor(address: string | URL, protocols?: string | string[]) {
				super(address, protocols, { headers: { Cookie: cookie, Origin: origin } });
			}
		} as unknown as typeof globalThis.WebSocket,
		disableBc: true,
		maxBackoffTime: 200
	});
	// A reader has nothing to save and does not ask for durable acks (no ?tavolo=1).
	try {
		await waitUntil(() => provider.synced, 15_000, `a fresh reader to sync ${docName}`);
		const copy = new Y.Doc();
		Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
		return copy;
	} finally {
		provider.destroy();
		doc.destroy();
	}
}

export interface EditCheck {
	/** Acknowledged edits compared with the document. */
	acknowledged: number;
	/** Acknowledged edits missing from it. */
	lost: string[];
	/** Tokens that appear more than once, or text that is not made of whole tokens. */
	doubled: string[];
}

/**
 * Compares the editors' acknowledged edits with `reloaded` (the document as a restarted server
 * loads it). An edit is acknowledged when the editor's latest durable ack covers its update; it
 * is present when the reloaded document's snapshot covers it too (its insertion, or its deletion,
 * is there). Checked edits leave `pending`; unacknowledged ones stay for a later check.
 */
export function checkEdits(editors: Editor[], reloaded: Y.Doc): EditCheck {
	const here = Y.snapshot(reloaded);
	const text = reloaded.getText('body').toString();
	const tokens = text.match(tokenPattern) ?? [];
	const counts = new Map<string, number>();
	for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
	const result: EditCheck = { acknowledged: 0, lost: [], doubled: [] };
	for (const [token, n] of counts) if (n > 1) result.doubled.push(`${token}×${n}`);
	if (tokens.join('') !== text) result.doubled.push(`text not made of whole tokens: ${JSON.stringify(text.slice(0, 200))}`);
	for (const editor of editors) {
		const durable = editor.durable;
		if (!durable) continue;
		const stillPending: Edit[] = [];
		for (const edit of editor.pending) {
			const own = snapshotOfUpdates([edit.update]);
			if (!isCoveredBy(own, durable)) {
				stillPending.push(edit);
				continue;
			}
			result.acknowledged += 1;
			const visible = counts.has(edit.token);
			const deletedLater = !editor.alive.has(edit.token);
			if (!isCoveredBy(own, here)) result.lost.push(`${edit.kind} ${edit.token}`);
			else if (edit.kind === 'insert' && !visible && !deletedLater) result.lost.push(`insert ${edit.token} (not in the text)`);
			else if (edit.kind === 'delete' && visible) result.lost.push(`delete ${edit.token} (still in the text)`);
		}
		editor.pending.splice(0, editor.pending.length, ...stillPending);
	}
	return result;
}

/** The text holds exactly the editors' alive tokens, each once: the end state once all is synced. */
export function checkFinalText(editors: Editor[], text: string): { missing: string[]; extra: string[] } {
	const tokens = text.match(tokenPattern) ?? [];
	const expected = new Set(editors.flatMap((e) => [...e.alive]));
	const seen = new Set<string>();
	const extra: string[] = [];
	for (const token of tokens) {
		if (!expected.has(token) || seen.has(token)) extra.push(token);
		seen.add(token);
	}
	if (tokens.join('') !== text) extra.push('(text not made of whole tokens)');
	return { missing: [...expected].filter((t) => !seen.has(t)), extra };
}

// ---------------------------------------------------------------------------------------------
// Voters

type Ballot = { kind: 'single' | 'yesno'; option: string } | { kind: 'multiple'; options: string[] };

interface BallotLedger {
	/** The ballot of the last vote acknowledged `{ok: true}`. */
	acknowledged: Ballot | null;
	/** Votes sent after it whose fate is unknown (no answer, or an internal error): stored or not. */
	inDoubt: Ballot[];
}

export interface Voter {
	readonly member: Member;
	readonly socket: ClientSocket;
	/** Joined the meeting on the current connection. */
	joined: boolean;
	/** Times it (re)joined the meeting. */
	joins: number;
	/** Votes answered `{ok: true}`, refused with an error, or unanswered. */
	readonly counts: { acknowledged: number; refused: number; unanswered: number };
	readonly ledger: Map<string, BallotLedger>;
	/** Every connection attempt of its socket.io manager after the first, by Date.now(). */
	readonly attempts: number[];
	/** When it lost its connection, and when it (re)joined the meeting, by Date.now(). */
	readonly disconnectedAt: number[];
	readonly joinedAt: number[];
	/** Casts one vote (a random ballot in a random poll) if connected; resolves with the answer. */
	/**
	 * 'sealed': the member's anonymous ballot stands but can no longer be changed, its key gone with
	 * a restart without Redis (`poll_vote_sealed`, issue 11): what a voter must be told then.
	 */
	voteOnce(polls: OpenPoll[]): Promise<'acknowledged' | 'refused' | 'sealed' | 'unanswered' | 'offline'>;
	close(): void;
}

export function randomBallot(poll: OpenPoll): { choice: string | string[]; ballot: Ballot } {
	if (poll.kind === 'multiple') {
		const first = pick(poll.options);
		const second = pick(poll.options);
		const ids = first.id === second.id || Math.random() < 0.3 ? [first.id] : [first.id, second.id];
		return { choice: ids, ballot: { kind: 'multiple', options: ids } };
	}
	const option = pick(poll.options);
	// Half by label, half by id: both name an option (shared/DESIGN.md §4).
	return { choice: Math.random() < 0.5 ? option.label : option.id, ballot: { kind: poll.kind, option: option.id } };
}

export function openVoter(origin: string, member: Member, meetingId: string, reconnection: Partial<ManagerOptions>): Voter {
	const socket: ClientSocket = io(origin, {
		path: '/socket.io',
		transports: ['websocket'],
		extraHeaders: { cookie: member.cookie, origin },
		forceNew: true,
		...reconnection
	});
	const voter: Voter = {
		member,
		socket,
		joined: false,
		joins: 0,
		counts: { acknowledged: 0, refused: 0, unanswered: 0 },
		ledger: new Map(),
		attempts: [],
		disconnectedAt: [],
		joinedAt: [],
		async voteOnce(polls) {
			// Never queued while disconnected: socket.io-client would send a buffered vote to the
			// next process long after its answer was given up on.
			if (!socket.connected || !voter.joined) return 'offline';
			const poll = pick(polls);
			const { choice, ballot } = randomBallot(poll);
			const entry = voter.ledger.get(poll.id) ?? { acknowledged: null, inDoubt: [] };
			voter.ledger.set(poll.id, entry);
			entry.inDoubt.push(ballot);
			let answer: Ack;
			try {
				answer = await socket.timeout(5000).emitWithAck('poll:vote', { pollId: poll.id, choice });
			} catch {
				voter.counts.unanswered += 1;
				return 'unanswered';
			}
			if (answer.ok) {
				entry.acknowledged = ballot;
				entry.inDoubt = [];
				voter.counts.acknowledged += 1;
				return 'acknowledged';
			}
			voter.counts.refused += 1;
			if (answer.error.code === 'poll_vote_sealed' && poll.anonymous) {
				entry.inDoubt.pop();
				return 'sealed';
			}
			// A refusal the service decided (poll closed, bad choice…) stored nothing; an internal
			// error may have come after the commit (the connection died on its way back).
			if (answer.error.code !== 'internal') entry.inDoubt.pop();
			return 'refused';
		},
		close() {
			socket.close();
		}
	};
	socket.io.on('reconnect_attempt', () => voter.attempts.push(Date.now()));
	socket.on('connect', () => {
		void socket
			.timeout(10_000)
			.emitWithAck('meeting:join', { meetingId })
			.then((answer) => {
				if (answer.ok && socket.connected) {
					voter.joined = true;
					voter.joins += 1;
					voter.joinedAt.push(Date.now());
				}
			})
			.catch(() => undefined);
	});
	socket.on('disconnect', () => {
		voter.joined = false;
		voter.disconnectedAt.push(Date.now());
	});
	return voter;
}

export interface VoteCheck {
	/** Members' last acknowledged ballots compared with the database. */
	acknowledged: number;
	/** Acknowledged ballots missing or replaced by something the member never sent after it. */
	lost: string[];
	/** Ballots beyond one per member: rows no member owns, voters without exactly one ballot, tallies off. */
	doubled: string[];
}

/**
 * Reads the ballots straight from the database and the tallies from the API. For a named poll
 * the ballot key is the user id. An anonymous poll's key never leaves the server (polls/ballot-keys.ts),
 * so its ballots are matched to the members by content: every member whose vote was acknowledged
 * must own a stored ballot equal to one they sent, each ballot owned by one member at most
 * (a maximum bipartite matching), and every acknowledged member must be on the roll.
 */
export async function checkVotes(databaseUrl: string, api: ApiClient, polls: OpenPoll[], voters: Voter[]): Promise<VoteCheck> {
	const result: VoteCheck = { acknowledged: 0, lost: [], doubled: [] };
	const client = new pg.Client({ connectionString: databaseUrl });
	await client.connect();
	try {
		for (const poll of polls) {
			const ballots = await client.query<{ ballot_key: string; choice: string }>(
				'select ballot_key, choice from poll_ballots where poll_id = $1',
				[poll.id]
			);
			const voterRows = await client.query<{ user_id: string }>('select user_id from poll_voters where poll_id = $1', [poll.id]);
			const stored = ballots.rows.map((row) => ({ key: row.ballot_key, ballot: JSON.parse(row.choice) as Ballot }));
			const onRoll = new Set(voterRows.rows.map((row) => row.user_id));
			const owned = poll.anonymous
				? matchAnonymousBallots(poll, stored, voters, onRoll, result)
				: matchNamedBallots(poll, stored, voters, result);
			const unowned = stored.length - owned;
			if (unowned > 0) result.doubled.push(`poll ${poll.kind}: ${unowned} ballot(s) no member owns`);
			if (voterRows.rows.length !== ballots.rows.length) {
				result.doubled.push(`poll ${poll.kind}: ${voterRows.rows.length} voters but ${ballots.rows.length} ballots`);
			}
			const tally = await api.get(`/api/v1/polls/${poll.id}/results`);
			if (tally.status !== 200) throw new Error(`results of ${poll.id}: ${tally.status} ${tally.text}`);
			// An open anonymous poll shows the counts last published (in batches): never more than stored.
			if (poll.anonymous ? tally.body.voters > ballots.rows.length : tally.body.voters !== ballots.rows.length) {
				result.doubled.push(
					`poll ${poll.kind}: the tally counts ${tally.body.voters} voters, the table holds ${ballots.rows.length} ballots`
				);
			}
			if (poll.kind === 'single' && Array.isArray(tally.body.results)) {
				const counted = (tally.body.results as Array<{ count: number }>).reduce((sum, option) => sum + option.count, 0);
				if (counted !== ballots.rows.length)
					result.doubled.push(`poll single: ${counted} votes counted for ${ballots.rows.length} ballots`);
			}
		}
	} finally {
		await client.end();
	}
	return result;
}

/** Named polls: each member's ballot is under their user id. Returns how many stored ballots a member owns. */
function matchNamedBallots(poll: OpenPoll, stored: Array<{ key: string; ballot: Ballot }>, voters: Voter[], result: VoteCheck): number {
	const byKey = new Map(stored.map((row) => [row.key, row.ballot]));
	let owned = 0;
	for (const voter of voters) {
		const mine = byKey.get(voter.member.userId);
		if (mine) owned += 1;
		const entry = voter.ledger.get(poll.id);
		if (!entry) continue;
		const allowed = [entry.acknowledged, ...entry.inDoubt].filter((b): b is Ballot => b !== null);
		const matches = mine !== undefined && allowed.some((b) => isDeepStrictEqual(b, mine));
		if (entry.acknowledged) {
			result.acknowledged += 1;
			if (!matches) {
				result.lost.push(
					`poll ${poll.kind} member ${voter.member.userId}: acknowledged ${JSON.stringify(entry.acknowledged)}, stored ${JSON.stringify(mine ?? null)}`
				);
			}
		} else if (mine && !matches) {
			result.lost.push(`poll ${poll.kind} member ${voter.member.userId}: stored ${JSON.stringify(mine)}, never sent`);
		}
	}
	return owned;
}

/**
 * Anonymous polls: members are matched to stored ballots equal to one they may have left (their
 * last acknowledged vote or one still in doubt), acknowledged members first; augmenting paths
 * (Kuhn's algorithm) never unmatch a member once matched. Returns how many ballots were matched.
 */
function matchAnonymousBallots(
	poll: OpenPoll,
	stored: Array<{ key: string; ballot: Ballot }>,
	voters: Voter[],
	onRoll: Set<string>,
	result: VoteCheck
): number {
	const owner = new Array<number>(stored.length).fill(-1);
	const candidates = voters.map((voter) => {
		const entry = voter.ledger.get(poll.id);
		const allowed = entry ? [entry.acknowledged, ...entry.inDoubt].filter((b): b is Ballot => b !== null) : [];
		return stored.flatMap((row, index) => (allowed.some((b) => isDeepStrictEqual(b, row.ballot)) ? [index] : []));
	});
	const augment = (member: number, seen: Set<number>): boolean => {
		for (const index of candidates[member]) {
			if (seen.has(index)) continue;
			seen.add(index);
			if (owner[index] === -1 || augment(owner[index], seen)) {
				owner[index] = member;
				return true;
			}
		}
		return false;
	};
	const acknowledged = voters.flatMap((voter, i) => (voter.ledger.get(poll.id)?.acknowledged ? [i] : []));
	for (const member of acknowledged) {
		const voter = voters[member];
		result.acknowledged += 1;
		if (!onRoll.has(voter.member.userId))
			result.lost.push(`poll ${poll.kind} member ${voter.member.userId}: acknowledged, not on the roll`);
		if (!augment(member, new Set())) {
			result.lost.push(
				`poll ${poll.kind} member ${voter.member.userId}: acknowledged ${JSON.stringify(voter.ledger.get(poll.id)!.acknowledged)}, no stored ballot left to match it`
			);
		}
	}
	for (const [member, voter] of voters.entries()) {
		if (!voter.ledger.get(poll.id)?.acknowledged) augment(member, new Set());
	}
	return owner.filter((member) => member !== -1).length;
}

/** The document as the database holds it (snapshot + update log), read without any Tavolo process. */
export async function storedDocument(databaseUrl: string, docName: string): Promise<Y.Doc> {
	const client = new pg.Client({ connectionString: databaseUrl });
	await client.connect();
	try {
		// One consistent view: a compaction running meanwhile moves rows from the log into the snapshot.
		await client.query('begin isolation level repeatable read');
		const snapshot = await client.query<{ state: Buffer }>('select state from yjs_snapshots where doc_name = $1', [docName]);
		const log = await client.query<{ update: Buffer }>('select update from yjs_updates where doc_name = $1 order by id', [docName]);
		await client.query('commit');
		const doc = new Y.Doc();
		for (const row of [...snapshot.rows.map((r) => r.state), ...log.rows.map((r) => r.update)]) Y.applyUpdate(doc, new Uint8Array(row));
		return doc;
	} finally {
		await client.end();
	}
}

/** GET /healthz: `ok` (200) or `degraded` (503, the database unreachable). */
export async function health(url: string): Promise<string> {
	try {
		const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
		return ((await response.json()) as { status: string }).status;
	} catch (error) {
		return `unreachable (${(error as Error).message})`;
	}
}
