import type { Redis } from 'ioredis';
import type { ConnectedMember } from '../../src/lib/realtime/protocol.ts';

/**
 * Who has a meeting's live room open, socket by socket, across the cluster, and the meeting's
 * presence version. Each change that alters the room's presence (a member's first tab joins,
 * their last tab leaves, their role changes, the check-ins change) takes the next version in the
 * same atomic step as the change itself, so two tabs of one person leaving at once on two nodes
 * are one departure, never none, and the versions of a meeting's changes have no holes: a client
 * that sees one can tell a delta is missing (src/lib/live/presence-list.ts).
 *
 * A meeting's first version is the clock in microseconds, so a ledger that starts again (the
 * process restarted, Redis lost its data) continues above every version a browser holds: the
 * browser sees a gap and asks the full list again.
 *
 * One process: in memory. With REDIS_URL: one Redis hash per meeting, changed by Lua scripts
 * (atomic), each socket tagged with its node; the sockets of a node that stopped beating in the
 * node list are swept (`sweep`).
 */
export interface PresenceLedger {
	/** A socket joined the room: the version when it is its member's first, else null (also when it is already in). */
	join(meetingId: string, socketId: string, member: ConnectedMember): Promise<number | null>;
	/** A socket left the room: the version and the member when it was their last, else null. */
	leave(meetingId: string, socketId: string): Promise<{ version: number; userId: string } | null>;
	/** A connected member's details changed (role): the version when they are connected and something changed. */
	update(meetingId: string, member: ConnectedMember): Promise<number | null>;
	/** The next version, for a change recorded elsewhere (the check-ins, in PostgreSQL). */
	next(meetingId: string): Promise<number>;
	/** Every connected member, at the version that holds them. */
	snapshot(meetingId: string): Promise<{ members: ConnectedMember[]; version: number }>;
	/** Removes the sockets of nodes that stopped (cluster only): each member whose last tab went, with its version. */
	sweep(): Promise<Array<{ meetingId: string; version: number; userId: string }>>;
}

const firstVersion = () => Date.now() * 1000;

interface LocalRoom {
	sockets: Map<string, string>;
	tabs: Map<string, number>;
	members: Map<string, ConnectedMember>;
	version: number;
}

/** One process: everything in memory, every step synchronous (so atomic). */
export function createLocalPresenceLedger(): PresenceLedger {
	const rooms = new Map<string, LocalRoom>();
	// A room leaves memory with its last socket; one made again starts above every version issued.
	let issued = 0;
	const room = (meetingId: string) => {
		let found = rooms.get(meetingId);
		if (!found) {
			issued = Math.max(firstVersion(), issued + 1);
			rooms.set(meetingId, (found = { sockets: new Map(), tabs: new Map(), members: new Map(), version: issued }));
		}
		return found;
	};
	const bump = (r: LocalRoom) => (issued = Math.max(issued, ++r.version));
	const forgetEmpty = (meetingId: string, r: LocalRoom) => {
		if (r.sockets.size === 0) rooms.delete(meetingId);
	};
	return {
		async join(meetingId, socketId, member) {
			const r = room(meetingId);
			if (r.sockets.has(socketId)) return null;
			r.sockets.set(socketId, member.userId);
			const tabs = (r.tabs.get(member.userId) ?? 0) + 1;
			r.tabs.set(member.userId, tabs);
			r.members.set(member.userId, member);
			return tabs === 1 ? bump(r) : null;
		},
		async leave(meetingId, socketId) {
			const r = rooms.get(meetingId);
			const userId = r?.sockets.get(socketId);
			if (!r || userId === undefined) return null;
			r.sockets.delete(socketId);
			const tabs = (r.tabs.get(userId) ?? 1) - 1;
			if (tabs > 0) {
				r.tabs.set(userId, tabs);
				return null;
			}
			r.tabs.delete(userId);
			r.members.delete(userId);
			const version = bump(r);
			forgetEmpty(meetingId, r);
			return { version, userId };
		},
		async update(meetingId, member) {
			const r = rooms.get(meetingId);
			const known = r?.members.get(member.userId);
			if (!r || !known || JSON.stringify(known) === JSON.stringify(member)) return null;
			r.members.set(member.userId, member);
			return bump(r);
		},
		async next(meetingId) {
			const r = room(meetingId);
			const version = bump(r);
			forgetEmpty(meetingId, r);
			return version;
		},
		async snapshot(meetingId) {
			const r = rooms.get(meetingId);
			return r ? { members: [...r.members.values()], version: r.version } : { members: [], version: issued };
		},
		async sweep() {
			return [];
		}
	};
}

// The meeting's hash holds `s:<socketId>` → `<nodeId> <userId>`, `c:<userId>` → tabs and `v` →
// the version; the members' hash `<userId>` → ConnectedMember as JSON.
const versionStep = `
local function nextVersion()
	if redis.call('HEXISTS', KEYS[1], 'v') == 0 then redis.call('HSET', KEYS[1], 'v', ARGV[1]) end
	return redis.call('HINCRBY', KEYS[1], 'v', 1)
end
local function keep()
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
`;
// A tab leaves: the member goes with their last one. Used by leave and sweep.
const leaveStep = `
local function leaveSocket(field)
	local entry = redis.call('HGET', KEYS[1], field)
	if not entry then return nil end
	redis.call('HDEL', KEYS[1], field)
	local userId = string.match(entry, ' (.+)$')
	if redis.call('HINCRBY', KEYS[1], 'c:' .. userId, -1) > 0 then return nil end
	redis.call('HDEL', KEYS[1], 'c:' .. userId)
	redis.call('HDEL', KEYS[2], userId)
	return {userId, nextVersion()}
end
`;
// KEYS: meeting hash, members hash, meetings set. ARGV: first version, ttl ms, socket id, node id, user id, member JSON, meeting id.
const joinScript = `${versionStep}
redis.call('SADD', KEYS[3], ARGV[7])
if redis.call('HSETNX', KEYS[1], 's:' .. ARGV[3], ARGV[4] .. ' ' .. ARGV[5]) == 0 then return false end
local tabs = redis.call('HINCRBY', KEYS[1], 'c:' .. ARGV[5], 1)
redis.call('HSET', KEYS[2], ARGV[5], ARGV[6])
local version = false
if tabs == 1 then version = nextVersion() end
keep()
return version`;
// KEYS: meeting hash, members hash. ARGV: first version, ttl ms, socket id.
const leaveScript = `${versionStep}${leaveStep}
local left = leaveSocket('s:' .. ARGV[3])
if not left then return false end
return left`;
// KEYS: meeting hash, members hash. ARGV: first version, ttl ms, user id, member JSON.
const updateScript = `${versionStep}
local known = redis.call('HGET', KEYS[2], ARGV[3])
if not known or known == ARGV[4] then return false end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
return nextVersion()`;
// KEYS: meeting hash, members hash. ARGV: first version, ttl ms.
const nextScript = `${versionStep}
local version = nextVersion()
keep()
return version`;
// KEYS: meeting hash, members hash. ARGV: first version, ttl ms. The version is drawn if missing,
// so the deltas after the snapshot follow it.
const snapshotScript = `${versionStep}
if redis.call('HEXISTS', KEYS[1], 'v') == 0 then redis.call('HSET', KEYS[1], 'v', ARGV[1]) end
keep()
local result = {redis.call('HGET', KEYS[1], 'v')}
for _, member in ipairs(redis.call('HVALS', KEYS[2])) do table.insert(result, member) end
return result`;
// KEYS: meeting hash, members hash, node list (sorted set by heartbeat), meetings set. ARGV:
// first version, ttl ms, oldest live heartbeat (ms), meeting id.
const sweepScript = `${versionStep}${leaveStep}
local left = {}
local fields = redis.call('HKEYS', KEYS[1])
local sockets = 0
for _, field in ipairs(fields) do
	if string.sub(field, 1, 2) == 's:' then
		local entry = redis.call('HGET', KEYS[1], field)
		local node = string.match(entry, '^([^ ]+) ')
		local beat = redis.call('ZSCORE', KEYS[3], node)
		if not beat or tonumber(beat) < tonumber(ARGV[3]) then
			local gone = leaveSocket(field)
			if gone then table.insert(left, gone[1]); table.insert(left, gone[2]) end
		else
			sockets = sockets + 1
		end
	end
end
if sockets == 0 then redis.call('SREM', KEYS[4], ARGV[4]) end
return left`;

export interface RedisLedgerOptions {
	redis: Redis;
	/** TAVOLO_REDIS_PREFIX. */
	prefix: string;
	nodeId: string;
	/** A node whose heartbeat in `<prefix>:nodes` is older than this is gone (server/cluster/cluster.ts). */
	nodeTimeoutMs: number;
	/** How long a meeting's entries outlive its last change. */
	ttlMs?: number;
}

export function createRedisPresenceLedger({
	redis,
	prefix,
	nodeId,
	nodeTimeoutMs,
	ttlMs = 24 * 3600_000
}: RedisLedgerOptions): PresenceLedger {
	const meetingsKey = `${prefix}:presence:meetings`;
	const keys = (meetingId: string) => [`${prefix}:presence:${meetingId}`, `${prefix}:presence:${meetingId}:members`];
	const run = (script: string, keyList: string[], ...args: Array<string | number>) =>
		redis.eval(script, keyList.length, ...keyList, firstVersion(), ttlMs, ...args) as Promise<unknown>;
	const asVersion = (reply: unknown) => (reply === null || reply === undefined ? null : Number(reply));
	return {
		async join(meetingId, socketId, member) {
			return asVersion(
				await run(joinScript, [...keys(meetingId), meetingsKey], socketId, nodeId, member.userId, JSON.stringify(member), meetingId)
			);
		},
		async leave(meetingId, socketId) {
			const reply = (await run(leaveScript, keys(meetingId), socketId)) as [string, number] | null;
			return reply ? { userId: reply[0], version: Number(reply[1]) } : null;
		},
		async update(meetingId, member) {
			return asVersion(await run(updateScript, keys(meetingId), member.userId, JSON.stringify(member)));
		},
		async next(meetingId) {
			return Number(await run(nextScript, keys(meetingId)));
		},
		async snapshot(meetingId) {
			const [version, ...members] = (await run(snapshotScript, keys(meetingId))) as string[];
			return { version: Number(version), members: members.map((json) => JSON.parse(json) as ConnectedMember) };
		},
		async sweep() {
			const left: Array<{ meetingId: string; version: number; userId: string }> = [];
			for (const meetingId of await redis.smembers(meetingsKey)) {
				const reply = (await run(
					sweepScript,
					[...keys(meetingId), `${prefix}:nodes`, meetingsKey],
					Date.now() - nodeTimeoutMs,
					meetingId
				)) as Array<string | number>;
				for (let i = 0; i < reply.length; i += 2) left.push({ meetingId, userId: String(reply[i]), version: Number(reply[i + 1]) });
			}
			return left;
		}
	};
}
