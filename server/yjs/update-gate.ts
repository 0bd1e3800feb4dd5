import * as Y from 'yjs';
import { agendaEntryProblem, agendaItems, agendaLimits, type AgendaEntryProblem } from '../../src/lib/agenda/agenda-doc.ts';
import { yjsCloseCodes } from '../../src/lib/realtime/yjs-messages.ts';
import { Refusal } from './connection.ts';

export interface UpdateGateOptions {
	/** The room's document; the gate follows its 'update' events. */
	doc: Y.Doc;
	/** TAVOLO_YJS_MAX_DOC_BYTES. */
	maxDocBytes: number;
	/** `agenda:<meetingId>`: every update is checked against the agenda's shape. */
	agenda: boolean;
}

/**
 * How much an update can make the encoded state grow, per byte of update, at most. An update that
 * deletes or inserts inside an existing item splits it, and the encoded state then holds the
 * pieces: measured worst case about 6.5 (a delete of every other character of a long text),
 * inserts about 1.5. Until the bound reaches the limit the state is not measured at all.
 */
const growthPerUpdateByte = 8;

/** How far an agenda is from valid: entries that are not items, by problem, and how many entries. */
interface AgendaShape {
	entries: number;
	problems: Record<AgendaEntryProblem, number>;
}

function agendaShape(doc: Y.Doc): AgendaShape {
	const problems: Record<AgendaEntryProblem, number> = { not_an_item: 0, bad_field: 0, field_too_long: 0 };
	const entries = agendaItems(doc).toArray();
	for (const entry of entries) {
		const problem = agendaEntryProblem(entry);
		if (problem) problems[problem] += 1;
	}
	return { entries: entries.length, problems };
}

/**
 * Decides whether a client's update may be applied to the room's document, before it touches it.
 * Yjs cannot take an update back once applied (and the room broadcasts it at once), so a doubtful
 * update is applied first to a trial copy: the copy's real encoded size and, for an agenda, its
 * shape decide, and only an accepted update reaches the room.
 *
 * - Size: an update is refused (4413) only when the state after it is over TAVOLO_YJS_MAX_DOC_BYTES
 *   AND larger than before. So an update that shrinks the document, or keeps its size, is always
 *   accepted, even in a document already over the limit (loaded under an older, larger limit, or
 *   grown on two nodes at once). `Y.mergeUpdates` cannot measure this: it keeps deleted content,
 *   so a "delete everything" looked larger than the document and was refused.
 * - Recovery: a connection that may recover (a coordinator or an admin) may also apply an update
 *   that only deletes, even when splitting items makes the state a few bytes larger, so it can
 *   clear any piece of an over-limit document, however small.
 * - Agenda: an update is refused (4422) when it adds entries that are not valid items, or takes
 *   the number of entries over agendaLimits.itemsMax (and higher than it was). An agenda that is
 *   already bad (an old document) can still be edited and repaired, never made worse.
 *
 * - Structure: while an agenda's meeting is live, a connection that may not reshape it (a
 *   participant) is refused (4422 `agenda_structure_locked`) an update that inserts, deletes or
 *   moves entries of `items` (a move sets an item's `position`); it may still change the other
 *   fields inside them (texts, minutes, status). The entries are compared by their Yjs ids and
 *   position keys on the trial copy, before and after the update.
 *
 * The trial copy: an agenda (small, checked on every update) keeps one, in step with the room's
 * document; any other document gets a fresh one, and only near its limit.
 */
export class UpdateGate {
	private readonly options: UpdateGateOptions;
	/** Upper bound of the room's encoded state size; exact after each measurement. */
	private sizeBound = 0;
	/** An agenda's copy; null until needed, and after a refusal (it then holds what was refused). */
	private shadow: Y.Doc | null = null;
	/** True while a checked update goes into the room's document: the shadow has it already. */
	private applying = false;
	/** The agenda's shape as the room's document has it now; null when unknown. */
	private shape: AgendaShape | null = null;

	constructor(options: UpdateGateOptions) {
		this.options = options;
		options.doc.on('update', (update: Uint8Array) => this.follow(update));
	}

	/** The stored state is in the document: the size is measured once, exactly. */
	loaded(): void {
		this.sizeBound = Y.encodeStateAsUpdate(this.options.doc).byteLength;
	}

	/**
	 * Applies a client's `update` to the room's document with `origin`, or throws a Refusal (and
	 * the document is untouched). A malformed update throws lib0's or Yjs's error, also before
	 * anything reached the room's document whenever a trial copy was used.
	 */
	apply(update: Uint8Array, origin: unknown, mayRecover: boolean, structureLocked = false): void {
		const { doc, agenda, maxDocBytes } = this.options;
		const nearLimit = this.sizeBound + update.byteLength * growthPerUpdateByte > maxDocBytes;
		if (!nearLimit && !agenda) {
			Y.applyUpdate(doc, update, origin);
			return;
		}
		const before = nearLimit ? Y.encodeStateAsUpdate(doc) : null;
		const trial = agenda ? this.agendaShadow() : new Y.Doc();
		let measured: number | null = null;
		try {
			if (!agenda && before) Y.applyUpdate(trial, before);
			const entriesBefore = agenda && structureLocked ? entryIds(agendaItems(trial)) : null;
			Y.applyUpdate(trial, update);
			if (before) measured = this.checkSize(before.byteLength, Y.encodeStateAsUpdate(trial).byteLength, update, mayRecover);
			if (entriesBefore && !sameEntries(entriesBefore, entryIds(agendaItems(trial)))) {
				throw new Refusal(yjsCloseCodes.invalidAgenda, 'agenda_structure_locked');
			}
			if (agenda) this.checkAgenda(trial);
		} catch (error) {
			// The shadow now holds an update the room will not: it is made again when next needed.
			if (agenda) this.dropShadow();
			throw error;
		} finally {
			if (!agenda) trial.destroy();
		}
		this.applying = true;
		try {
			Y.applyUpdate(doc, update, origin);
		} finally {
			this.applying = false;
		}
		if (measured !== null) this.sizeBound = measured;
	}

	/** The encoded size after the update when it may be applied; a Refusal otherwise. */
	private checkSize(before: number, after: number, update: Uint8Array, mayRecover: boolean): number {
		if (after <= this.options.maxDocBytes || after <= before) return after;
		if (mayRecover && Y.decodeUpdate(update).structs.length === 0) return after;
		throw new Refusal(yjsCloseCodes.tooLarge, 'document_too_large');
	}

	private checkAgenda(trial: Y.Doc): void {
		const before = this.shape ?? agendaShape(this.options.doc);
		const after = agendaShape(trial);
		if (after.entries > agendaLimits.itemsMax && after.entries > before.entries) {
			throw new Refusal(yjsCloseCodes.invalidAgenda, 'agenda_too_many_items');
		}
		const worse = (Object.keys(after.problems) as AgendaEntryProblem[]).filter((p) => after.problems[p] > before.problems[p]);
		if (sum(after.problems) > sum(before.problems)) {
			throw new Refusal(yjsCloseCodes.invalidAgenda, `agenda_${worse[0] ?? 'bad_field'}`);
		}
		this.shape = after;
	}

	/** Every update the room's document integrates: a client's, relayed, reloaded. */
	private follow(update: Uint8Array): void {
		if (!this.applying) {
			this.shape = null;
			if (this.shadow) Y.applyUpdate(this.shadow, update);
		}
		this.sizeBound += update.byteLength * growthPerUpdateByte;
	}

	private agendaShadow(): Y.Doc {
		if (!this.shadow) {
			this.shadow = new Y.Doc();
			Y.applyUpdate(this.shadow, Y.encodeStateAsUpdate(this.options.doc));
		}
		return this.shadow;
	}

	private dropShadow(): void {
		this.shadow?.destroy();
		this.shadow = null;
	}

	destroy(): void {
		this.dropShadow();
	}
}

/**
 * The identity and place of every entry of `items`, in order: its Yjs id and, for an item, its
 * position key. An insert or a delete changes the ids; a move changes the item's key (an older
 * client's move, a delete and an insert, the ids); any other change inside an item's map keeps
 * both. Runs of primitive entries (a bad document) count one id per entry, so Yjs merging or
 * splitting them changes nothing.
 */
function entryIds(items: Y.Array<Y.Map<unknown>>): string[] {
	const ids: string[] = [];
	for (let item = items._start; item !== null; item = item.right) {
		if (item.deleted || !item.countable) continue;
		const values = item.content.getContent() as unknown[];
		for (let i = 0; i < item.length; i++) {
			const entry = values[i];
			const position = entry instanceof Y.Map ? entry.get('position') : undefined;
			ids.push(`${item.id.client}:${item.id.clock + i}@${typeof position === 'string' ? position : ''}`);
		}
	}
	return ids;
}

function sameEntries(a: string[], b: string[]): boolean {
	return a.length === b.length && a.every((id, i) => id === b[i]);
}

function sum(counts: Record<string, number>): number {
	return Object.values(counts).reduce((a, b) => a + b, 0);
}
