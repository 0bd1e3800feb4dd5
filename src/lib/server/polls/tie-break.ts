import { z } from 'zod';
import { sql } from 'kysely';
import { AppError } from '../errors.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { accessPoll } from '../authz/access.ts';
import { parseInput } from '../validation.ts';
import type { LiveDeps } from '../live/deps.ts';
import { broadcastState } from '../live/service.ts';
import { auditPoll } from '../audit/service.ts';
import { pollStanding } from '../../polls/tally.ts';
import type { PollView } from '../../realtime/protocol.ts';
import { computeResults, getPoll } from './service.ts';

const tieBreakInput = z.object({ optionId: z.string().min(1).max(100) });

/**
 * `POST /polls/:id/tie-break`, `poll:break-tie`: a closed poll whose leaders are level
 * (`pollStanding`: same Borda points and first preferences, same "yes" and "maybe" for a date…)
 * is decided by a moderator or coordinator, among the tied options only; recorded with who and
 * when, audited, and shown to the room. The next meeting and the minutes read it. The choice may
 * be changed until a next meeting was created from the poll.
 */
export async function breakTie(deps: LiveDeps, user: SessionUser, pollId: string, input: unknown): Promise<PollView> {
	const { optionId } = parseInput(tieBreakInput, input);
	await accessPoll(deps.db, user, pollId, 'poll.manage');
	const poll = await deps.db.transaction().execute(async (trx) => {
		// Serialises two moderators choosing at once; the tally of a closed poll no longer changes.
		const row = await trx.selectFrom('polls').selectAll().where('id', '=', pollId).forUpdate().executeTakeFirstOrThrow();
		if (row.status !== 'closed') throw new AppError('poll_not_closed');
		if (row.next_meeting_id) throw new AppError('poll_invalid_transition');
		const standing = pollStanding(await computeResults(trx, row));
		if (!standing.tied) throw new AppError('poll_not_tied');
		const chosen = standing.ranking.find((e) => e.id === optionId);
		if (!chosen || !standing.leaders.includes(optionId))
			throw new AppError('validation_failed', { fields: { optionId: 'invalid_choice' } });
		const updated = await trx
			.updateTable('polls')
			.set({ tie_choice: optionId, tie_chosen_by: user.id, tie_chosen_at: sql`now()` })
			.where('id', '=', pollId)
			.returningAll()
			.executeTakeFirstOrThrow();
		await auditPoll(trx, user, updated, 'poll.tie_break', { option: chosen.label });
		return updated;
	});
	broadcastState(deps, poll.meeting_id);
	return (await getPoll(deps.db, user, pollId)).poll;
}
