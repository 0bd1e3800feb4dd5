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
