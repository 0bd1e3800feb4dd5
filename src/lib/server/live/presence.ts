import type { Db } from '../db/connect.ts';
import type { PresenceSnapshot, PresentCheckIn } from '../../realtime/protocol.ts';
import { countEligiblePresent, mergePresence } from '../../live/presence-list.ts';
import type { LiveDeps } from './deps.ts';

/** An open check-in as presence needs it: the member's name and place on the table, or the guest's. */
export type OpenCheckIn = PresentCheckIn;

export { mergePresence };

/** The open check-ins of a live meeting, with each member's name, role, category and body on its table. */
export async function findOpenCheckIns(db: Db, meetingId: string): Promise<OpenCheckIn[]> {
	const rows = await db
		.selectFrom('meeting_check_ins as c')
		.innerJoin('meetings as mt', 'mt.id', 'c.meeting_id')
		.leftJoin('users as u', 'u.id', 'c.user_id')
		.leftJoin('memberships as mem', (join) => join.onRef('mem.user_id', '=', 'c.user_id').onRef('mem.table_id', '=', 'mt.table_id'))
		.select([
			'c.id',
			'c.user_id',
			'c.guest_name',
			'c.category_id',
			'c.represented_body',
			'c.mode',
			'u.name',
			'mem.role',
			'mem.category_id as member_category_id',
			'mem.represented_body as member_body'
		])
		.where('c.meeting_id', '=', meetingId)
		.where('c.checked_out_at', 'is', null)
		.where('mt.status', '=', 'live')
		.orderBy('c.checked_in_at')
		.execute();
	return rows.map((r) => ({
		id: r.id,
		userId: r.user_id,
		name: r.user_id ? (r.name ?? '') : (r.guest_name ?? ''),
		role: r.role ?? null,
		categoryId: r.user_id ? (r.member_category_id ?? null) : r.category_id,
		representedBody: r.user_id ? (r.member_body ?? '') : r.represented_body,
		mode: r.mode
	}));
}

/**
 * Everyone present in a meeting now: in Tavolo (across nodes, from the presence ledger, at the
 * version that holds them) and checked in (read after that version was current, so at least as
 * new: a check-in made later takes a later version, see `broadcastPresence`).
 */
export async function readPresence(deps: Pick<LiveDeps, 'db' | 'broadcaster'>, meetingId: string): Promise<PresenceSnapshot> {
	const { members, version } = await deps.broadcaster.presence(meetingId);
	const present = mergePresence(members, await findOpenCheckIns(deps.db, meetingId));
	return { present, eligiblePresent: countEligiblePresent(present), version };
}

/**
 * Tells the room its check-ins changed (coalesced: a burst is one or two deltas): the version is
 * drawn first and the check-ins read after it, so the delta with the highest version holds the
 * latest check-ins.
 */
export function broadcastPresence(deps: Pick<LiveDeps, 'db' | 'broadcaster'>, meetingId: string): void {
	deps.broadcaster.coalesce(`presence:${meetingId}`, async () => {
		const version = await deps.broadcaster.nextPresenceVersion(meetingId);
		const checkIns = await findOpenCheckIns(deps.db, meetingId);
		deps.broadcaster.toMeeting(meetingId, 'presence:changed', { meetingId, version, checkIns });
	});
}
