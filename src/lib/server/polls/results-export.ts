import type { Db } from '../db/connect.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { fileStem } from '../documents/exports.ts';
import { getPollResults } from './service.ts';
import { pollResultsCsv } from '../../polls/results-csv.ts';
import { countingMethodLabel, csvWords, optionText } from '../../polls/labels.ts';

export interface PollCsvFile {
	filename: string;
	body: string;
}

/** "2027-01-14" in Rome: the day a meeting is held, as its files are named. */
const romeDay = (instant: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(instant);

/**
 * `GET /api/v1/polls/:id/results.csv`: the results of any poll of a meeting, to whoever may read
 * them as JSON (`getPollResults`: members of the table; results kept hidden from the room stay
 * hidden, and an open secret ballot shows only its published counts). Counts only: no voter's
 * name or ballot is in the file.
 */
export async function pollCsvFile(db: Db, user: SessionUser, pollId: string): Promise<PollCsvFile> {
	const results = await getPollResults(db, user, pollId);
	const poll = await db
		.selectFrom('polls')
		.innerJoin('meetings', 'meetings.id', 'polls.meeting_id')
		.select(['polls.question', 'polls.kind', 'polls.tie_choice', 'meetings.starts_at'])
		.where('polls.id', '=', pollId)
		.executeTakeFirstOrThrow();
	const body = pollResultsCsv(
		{ question: poll.question, kind: poll.kind, tieChoice: poll.tie_choice },
		results,
		csvWords(poll.kind),
		(option) => optionText(poll.kind, option),
		countingMethodLabel
	);
	return {
		filename: `votazione-${romeDay(new Date(poll.starts_at))}-${fileStem(poll.question, 'risultati').slice(0, 60).replace(/-+$/, '')}.csv`,
		body
	};
}
