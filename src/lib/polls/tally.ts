/**
 * Pure poll tallies, shared by the server (results it stores and broadcasts) and the browser
 * (projection, previews). Ballots arrive already normalised to option ids (server/polls/choice).
 */
import type { MajorityRule, PollKind } from '../domain/polls.ts';

export const availabilities = ['yes', 'maybe', 'no'] as const;
export type Availability = (typeof availabilities)[number];

/** The fixed options of a yes/no motion; their ids are stable so clients can name them. */
export const yesNoOptionIds = ['yes', 'no', 'abstain'] as const;

export interface TallyOption {
	id: string;
	label: string;
}

/** One member's ballot, by kind. */
export type Ballot =
	| { kind: 'single' | 'yesno'; option: string }
	| { kind: 'multiple' | 'ranked'; options: string[] }
	| { kind: 'dots'; dots: Record<string, number> }
	| { kind: 'scheduling'; answers: Record<string, Availability> };

export interface OptionCount {
	id: string;
	label: string;
	count: number;
}

export interface RunoffRound {
	/** First preferences among the options still in the race. */
	counts: Record<string, number>;
	/** Options dropped after this round (all those tied for fewest votes). */
	eliminated: string[];
	/** Ballots that still rank an option in the race. */
	continuing: number;
}

export interface RunoffResult {
	rounds: RunoffRound[];
	winner: string | null;
	/** When no one reaches a majority and the rest are level: the options tied at the end. */
	tied: string[];
}

export interface YesNoOutcome {
	rule: MajorityRule;
	quorum: number | null;
	quorumMet: boolean;
	yes: number;
	no: number;
	abstain: number;
	passed: boolean;
}

export interface SlotAnswers {
	id: string;
	label: string;
	yes: number;
	maybe: number;
	no: number;
}

/** `{results, voters}` of the contract, plus the fields of the kinds that need more. */
export interface PollResults {
	kind: PollKind;
	voters: number;
	/** single/multiple/yesno: ballots naming the option; ranked: first preferences; dots: dots; scheduling: "yes". */
	results: OptionCount[];
	borda?: Array<{ id: string; label: string; points: number }>;
	runoff?: RunoffResult;
	outcome?: YesNoOutcome;
	slots?: SlotAnswers[];
	/** scheduling: the slot most can attend (most yes, then most maybe, then earliest listed). */
	best?: string | null;
}

export interface PollRules {
	majority?: MajorityRule | null;
	quorum?: number | null;
}

/**
 * Borda count: in a ranking of k options the first gets k−1 points, the next k−2, … the last 0;
 * options a ballot leaves unranked get nothing from it.
 */
export function bordaScores(optionIds: readonly string[], rankings: readonly (readonly string[])[]): Record<string, number> {
	const k = optionIds.length;
	const points = Object.fromEntries(optionIds.map((id) => [id, 0]));
	for (const ranking of rankings) {
		ranking.forEach((id, position) => {
			if (id in points) points[id] += k - 1 - position;
		});
	}
	return points;
}

/**
 * Instant-runoff: each round counts every ballot for its highest-ranked option still in the race;
 * an option with more than half of the continuing ballots wins. Otherwise all options tied for
 * fewest votes are dropped together (no arbitrary tie-break), unless that would drop every option
 * left: then those are declared tied. Every round removes at least one option, so it terminates.
 */
export function instantRunoff(optionIds: readonly string[], rankings: readonly (readonly string[])[]): RunoffResult {
	let remaining = [...optionIds];
	const rounds: RunoffRound[] = [];
	while (remaining.length > 0) {
		const counts = Object.fromEntries(remaining.map((id) => [id, 0]));
		let continuing = 0;
		for (const ranking of rankings) {
			const top = ranking.find((id) => id in counts);
			if (top !== undefined) {
				counts[top] += 1;
				continuing += 1;
			}
		}
		const leader = remaining.find((id) => 2 * counts[id] > continuing);
		if (leader !== undefined) {
			rounds.push({ counts, eliminated: [], continuing });
			return { rounds, winner: leader, tied: [] };
		}
		const fewest = Math.min(...remaining.map((id) => counts[id]));
		const losers = remaining.filter((id) => counts[id] === fewest);
		if (losers.length === remaining.length) {
			rounds.push({ counts, eliminated: [], continuing });
			return { rounds, winner: null, tied: remaining };
		}
		rounds.push({ counts, eliminated: losers, continuing });
		remaining = remaining.filter((id) => counts[id] !== fewest);
	}
	return { rounds, winner: null, tied: [] };
}

/**
 * Whether a motion passes. `simple`: more in favour than against (abstentions do not count);
 * `absolute`: more than half of all ballots cast, abstentions included; `two_thirds`: at least
 * two thirds of the ballots cast. The quorum is the fewest ballots (abstentions included) for a
 * valid vote; without it nothing passes.
 */
export function yesNoOutcome(counts: { yes: number; no: number; abstain: number }, rules: PollRules = {}): YesNoOutcome {
	const rule = rules.majority ?? 'simple';
	const quorum = rules.quorum ?? null;
	const cast = counts.yes + counts.no + counts.abstain;
	const quorumMet = quorum === null || cast >= quorum;
	const majority =
		rule === 'simple' ? counts.yes > counts.no : rule === 'absolute' ? 2 * counts.yes > cast : cast > 0 && 3 * counts.yes >= 2 * cast;
	return { rule, quorum, quorumMet, ...counts, passed: quorumMet && majority };
}

/** The slot with most "yes", then most "maybe", then the earliest listed; null without ballots. */
export function bestSlot(slots: readonly SlotAnswers[]): string | null {
	let best: SlotAnswers | null = null;
	for (const slot of slots) {
		if (slot.yes + slot.maybe === 0) continue;
		if (!best || slot.yes > best.yes || (slot.yes === best.yes && slot.maybe > best.maybe)) best = slot;
	}
	return best?.id ?? null;
}

/** The results of a poll from its ballots (one per member: the database guarantees it). */
export function tallyPoll(kind: PollKind, options: readonly TallyOption[], ballots: readonly Ballot[], rules: PollRules = {}): PollResults {
	const counts = new Map(options.map((o) => [o.id, 0]));
	const add = (id: string, n = 1) => {
		if (counts.has(id)) counts.set(id, counts.get(id)! + n);
	};
	const result = (): OptionCount[] => options.map((o) => ({ id: o.id, label: o.label, count: counts.get(o.id)! }));
	const ids = options.map((o) => o.id);

	switch (kind) {
		case 'single':
		case 'yesno': {
			for (const b of ballots) if (b.kind === 'single' || b.kind === 'yesno') add(b.option);
			const base: PollResults = { kind, voters: ballots.length, results: result() };
			if (kind === 'yesno') {
				base.outcome = yesNoOutcome({ yes: counts.get('yes') ?? 0, no: counts.get('no') ?? 0, abstain: counts.get('abstain') ?? 0 }, rules);
			}
			return base;
		}
		case 'multiple':
			for (const b of ballots) if (b.kind === 'multiple') for (const id of new Set(b.options)) add(id);
			return { kind, voters: ballots.length, results: result() };
		case 'ranked': {
			const rankings = ballots.flatMap((b) => (b.kind === 'ranked' ? [b.options] : []));
			for (const r of rankings) if (r.length > 0) add(r[0]);
			const points = bordaScores(ids, rankings);
			return {
				kind,
				voters: ballots.length,
				results: result(),
				borda: options.map((o) => ({ id: o.id, label: o.label, points: points[o.id] })),
				runoff: instantRunoff(ids, rankings)
			};
		}
		case 'dots':
			for (const b of ballots) if (b.kind === 'dots') for (const [id, n] of Object.entries(b.dots)) add(id, n);
			return { kind, voters: ballots.length, results: result() };
		case 'scheduling': {
			const slots: SlotAnswers[] = options.map((o) => ({ id: o.id, label: o.label, yes: 0, maybe: 0, no: 0 }));
			const byId = new Map(slots.map((s) => [s.id, s]));
			for (const b of ballots) {
				if (b.kind !== 'scheduling') continue;
				for (const [id, answer] of Object.entries(b.answers)) {
					const slot = byId.get(id);
					if (slot) slot[answer] += 1;
				}
			}
			for (const s of slots) counts.set(s.id, s.yes);
			return { kind, voters: ballots.length, results: result(), slots, best: bestSlot(slots) };
		}
	}
}

/** How a poll of each kind is decided: the one method the room, the next agenda and the minutes use. */
export type CountingMethod = 'plurality' | 'approval' | 'borda' | 'dots' | 'availability' | 'majority';

export const countingMethods: Record<PollKind, CountingMethod> = {
	single: 'plurality',
	multiple: 'approval',
	ranked: 'borda',
	dots: 'dots',
	scheduling: 'availability',
	yesno: 'majority'
};

export interface StandingEntry {
	id: string;
	label: string;
	/** By the method: votes, Borda points, dots, or "yes" answers for a date. */
	score: number;
	/** What decides between equal scores: first preferences (ranked), "maybe" answers (scheduling); else 0. */
	secondary: number;
}

export interface Standing {
	method: CountingMethod;
	/** Every option, best first; equals keep the poll's order. */
	ranking: StandingEntry[];
	/** The options level at the top (score and secondary), when anyone chose any; empty for yes/no. */
	leaders: string[];
	/** More than one leader: a tie ("Parità"), which the moderator decides. */
	tied: boolean;
	/** The single leader, or the moderator's choice among tied leaders; null otherwise. */
	winner: string | null;
	/** Whether the winner is the moderator's choice in a tie. */
	chosen: boolean;
}

/**
 * Who leads a poll, by the method its kind uses (`countingMethods`): one function for the room,
 * the next meeting's agenda and the minutes, so they never disagree. Ranked polls go by Borda
 * points, then first preferences; dates by "yes", then "maybe"; the others by what they count.
 * A yes/no motion has no leaders: its outcome (majority, quorum) decides. `tieChoice` is the
 * moderator's choice, taken only when it names one of the tied leaders.
 */
export function pollStanding(results: PollResults, tieChoice: string | null = null): Standing {
	const method = countingMethods[results.kind];
	const firsts = new Map(results.results.map((r) => [r.id, r.count]));
	const entries: StandingEntry[] =
		results.kind === 'ranked'
			? (results.borda ?? []).map((b) => ({ id: b.id, label: b.label, score: b.points, secondary: firsts.get(b.id) ?? 0 }))
			: results.kind === 'scheduling'
				? (results.slots ?? []).map((s) => ({ id: s.id, label: s.label, score: s.yes, secondary: s.maybe }))
				: results.results.map((r) => ({ id: r.id, label: r.label, score: r.count, secondary: 0 }));
	const ranking = entries
		.map((entry, position) => ({ entry, position }))
		.sort((a, b) => b.entry.score - a.entry.score || b.entry.secondary - a.entry.secondary || a.position - b.position)
		.map(({ entry }) => entry);
	const top = ranking[0];
	const leaders =
		method === 'majority' || !top || top.score + top.secondary === 0
			? []
			: ranking.filter((e) => e.score === top.score && e.secondary === top.secondary).map((e) => e.id);
	const tied = leaders.length > 1;
	const chosen = tied && tieChoice !== null && leaders.includes(tieChoice);
	return { method, ranking, leaders, tied, winner: leaders.length === 1 ? leaders[0] : chosen ? tieChoice : null, chosen };
}
