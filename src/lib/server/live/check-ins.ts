import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { accessMeeting } from '../authz/access.ts';
import { fields, parseInput, textLimits } from '../validation.ts';
import { checkInModes } from '../../domain/meetings.ts';
import type { LiveDeps } from './deps.ts';
import { broadcastPresence } from './presence.ts';

export interface CheckInLimits {
	/** TAVOLO_CHECK_INS_PER_MEETING: check-ins (open or ended) one meeting may hold. */
	perMeeting: number;
}

const checkInInput = z
	.object({
		mode: z.enum(checkInModes),
		userId: fields.id.optional(),
		guest: z
			.object({
				name: fields.personName,
				categoryId: fields.id.nullable().optional(),
				representedBody: z.string().trim().max(textLimits.representedBody).default('')
			})
			.optional()
	})
	.refine((input) => (input.userId === undefined) !== (input.guest === undefined), {
		path: ['userId'],
		params: { problem: 'required' }
	});

/**
 * `attendance:checkin`: a moderator or coordinator records someone present in the council chamber
 * or on the video call: a member of the table (once at a time) or a guest by name, with the
 * category and body they represent. Only while the meeting is live; the meeting row is locked, so
 * the status, the member's open check-in and the meeting's cap are checked with the insert.
 */
export async function checkIn(
	deps: Pick<LiveDeps, 'db' | 'broadcaster'>,
	user: SessionUser,
	meetingId: string,
	input: unknown,
	limits: CheckInLimits
): Promise<string> {
	const data = parseInput(checkInInput, input);
	const { meeting } = await accessMeeting(deps.db, user, meetingId, 'meeting.run');
	if (meeting.status !== 'live') throw new AppError('meeting_not_live');
	const id = newId();
	await deps.db.transaction().execute(async (trx) => {
		const locked = await trx.selectFrom('meetings').select('status').where('id', '=', meetingId).forUpdate().executeTakeFirstOrThrow();
		if (locked.status !== 'live') throw new AppError('meeting_not_live');
		const count = await trx
			.selectFrom('meeting_check_ins')
			.select(sql<number>`count(*)::int`.as('n'))
			.where('meeting_id', '=', meetingId)
			.executeTakeFirstOrThrow();
		if (Number(count.n) >= limits.perMeeting) throw new AppError('check_in_limit', { max: limits.perMeeting });
		if (data.userId !== undefined) {
			const member = await trx
				.selectFrom('memberships')
				.select('id')
				.where('table_id', '=', meeting.table_id)
				.where('user_id', '=', data.userId)
				.executeTakeFirst();
			if (!member) throw new AppError('not_found');
			const open = await findOpenCheckInOf(trx, meetingId, data.userId);
			if (open) throw new AppError('already_checked_in');
			await trx
				.insertInto('meeting_check_ins')
				.values({ id, meeting_id: meetingId, user_id: data.userId, mode: data.mode, checked_in_by: user.id })
				.execute();
			return;
		}
		const guest = data.guest!;
		if (guest.categoryId) {
			const category = await trx
				.selectFrom('stakeholder_categories')
				.innerJoin('tables', 'tables.programme_id', 'stakeholder_categories.programme_id')
				.select('stakeholder_categories.id')
				.where('tables.id', '=', meeting.table_id)
				.where('stakeholder_categories.id', '=', guest.categoryId)
				.executeTakeFirst();
			if (!category) throw new AppError('validation_failed', { fields: { categoryId: 'invalid_choice' } });
		}
		await trx
			.insertInto('meeting_check_ins')
			.values({
				id,
				meeting_id: meetingId,
				guest_name: guest.name,
				category_id: guest.categoryId ?? null,
				represented_body: guest.representedBody,
				mode: data.mode,
				checked_in_by: user.id
			})
			.execute();
	});
	broadcastPresence(deps, meetingId);
	return id;
}

function findOpenCheckInOf(db: Db, meetingId: string, userId: string) {
	return db
		.selectFrom('meeting_check_ins')
		.select('id')
		.where('meeting_id', '=', meetingId)
		.where('user_id', '=', userId)
		.where('checked_out_at', 'is', null)
		.executeTakeFirst();
}

/** `attendance:checkout`: the person checked in left (moderator or coordinator, while live). */
export async function checkOut(
	deps: Pick<LiveDeps, 'db' | 'broadcaster'>,
	user: SessionUser,
	meetingId: string,
	input: unknown
): Promise<void> {
	const { checkInId } = parseInput(z.object({ checkInId: fields.id }), input);
	const { meeting } = await accessMeeting(deps.db, user, meetingId, 'meeting.run');
	if (meeting.status !== 'live') throw new AppError('meeting_not_live');
	const ended = await deps.db
		.updateTable('meeting_check_ins')
		.set({ checked_out_at: sql`now()`, checked_out_by: user.id })
		.where('id', '=', checkInId)
		.where('meeting_id', '=', meetingId)
		.where('checked_out_at', 'is', null)
		.where(({ exists, selectFrom }) => exists(selectFrom('meetings').select('id').where('id', '=', meetingId).where('status', '=', 'live')))
		.executeTakeFirst();
	if (Number(ended.numUpdatedRows) !== 1) throw new AppError('not_found');
	broadcastPresence(deps, meetingId);
}

/** The meeting closed: everyone still checked in leaves with it. */
export async function endOpenCheckIns(db: Db, meetingId: string): Promise<void> {
	await db
		.updateTable('meeting_check_ins')
		.set({ checked_out_at: sql`now()` })
		.where('meeting_id', '=', meetingId)
		.where('checked_out_at', 'is', null)
		.execute();
}
