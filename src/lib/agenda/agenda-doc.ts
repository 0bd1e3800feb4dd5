import * as Y from 'yjs';
import { isPositionKey, keyBetween, positionKeyMax, spreadKeys } from './position-key.ts';
import { applyTextChange } from './text-diff.ts';

/**
 * The agenda of a meeting as a Yjs document (`agenda:<meetingId>`): a Y.Array `items` of Y.Maps,
 * so people edit different items, or different fields of one item, at the same time without
 * overwriting each other. Title, presenter and notes are Y.Texts so two people typing in one field
 * merge by character (issue 12).
 *
 * The order is each item's `position` key (position-key.ts), not its place in the array: a move
 * sets one key and never recreates the item, so typing into it at the same time survives, and two
 * people moving one item at once leave one item (the last key written wins). Items without a key
 * (agendas saved before it) follow, in array order: an old agenda reads as it always did.
 *
 * Agendas saved before issue 12 hold plain strings in title and presenter: the server upgrades
 * them when it loads them (upgradeAgenda, server/yjs/agenda-upgrade.ts), and every reader accepts
 * both. Framework-free: used by the browser editor, the server, the meeting services and tests.
 */
export const agendaStatuses = ['todo', 'in_progress', 'done', 'postponed'] as const;
export type AgendaStatus = (typeof agendaStatuses)[number];

export interface AgendaItem {
	id: string;
	title: string;
	/** Planned duration in minutes. */
	minutes: number;
	presenter: string;
	notes: string;
	status: AgendaStatus;
}

export type AgendaItemFields = Pick<AgendaItem, 'title' | 'minutes' | 'presenter' | 'status'>;

/**
 * Limits of an agenda: the browser's editor keeps to them, and the server refuses an update that
 * breaks them (server/yjs/update-gate.ts, close 4422) — one table for both. Lengths in characters
 * (UTF-16 code units, as Yjs and `maxlength` count them).
 */
export const agendaLimits = {
	itemsMax: 100,
	titleMax: 200,
	presenterMax: 120,
	minutesMax: 600,
	/** Ids are made by newItemId (about 12 characters). */
	idMax: 64,
	/** Notes are typed during the meeting: a few pages per item at most. */
	notesMax: 20_000,
	/** An item's order key (position-key.ts). */
	positionMax: positionKeyMax
} as const;

export function agendaItems(doc: Y.Doc): Y.Array<Y.Map<unknown>> {
	return doc.getArray<Y.Map<unknown>>('items');
}

function newItemId(): string {
	return Math.random().toString(36).slice(2, 10) + Date.now().toString(36).slice(-4);
}

function clampMinutes(value: number): number {
	if (!Number.isFinite(value)) return 0;
	return Math.min(agendaLimits.minutesMax, Math.max(0, Math.round(value)));
}

/** The fields typed by people: Y.Texts (plain strings in agendas saved before issue 12). */
export const agendaTextFields = ['title', 'presenter', 'notes'] as const;
export type AgendaTextField = (typeof agendaTextFields)[number];

/** The text of a field, a Y.Text or a plain string; '' for anything else. */
export function fieldText(value: unknown): string {
	if (value instanceof Y.Text) return value.toString();
	return typeof value === 'string' ? value : '';
}

/** Title and presenter: a Y.Text, or a plain string of an older agenda. */
const isTextOrString = (value: unknown): value is Y.Text | string => value instanceof Y.Text || typeof value === 'string';

/** The keys of an item's map, each with the type it must have; `position` may be missing (older agendas). */
const itemKeys = ['id', 'title', 'minutes', 'presenter', 'status', 'notes', 'position'] as const;

/**
 * Why one entry of the `items` array is not an agenda item, or null when it is one: a Y.Map with
 * exactly the keys of an item, each of its type and within agendaLimits. A correct client never
 * writes anything else (createItemMap sets every field in one transaction). Title and presenter
 * may be Y.Texts or (older agendas) plain strings; notes are always a Y.Text.
 */
export type AgendaEntryProblem = 'not_an_item' | 'bad_field' | 'field_too_long';

export function agendaEntryProblem(entry: unknown): AgendaEntryProblem | null {
	if (!(entry instanceof Y.Map)) return 'not_an_item';
	for (const key of entry.keys()) if (!(itemKeys as readonly string[]).includes(key)) return 'bad_field';
	const id = entry.get('id');
	const title = entry.get('title');
	const presenter = entry.get('presenter');
	const minutes = entry.get('minutes');
	const notes = entry.get('notes');
	if (typeof id !== 'string' || id === '' || !isTextOrString(title) || !isTextOrString(presenter)) return 'bad_field';
	if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 0 || minutes > agendaLimits.minutesMax) return 'bad_field';
	if (!agendaStatuses.includes(entry.get('status') as AgendaStatus) || !(notes instanceof Y.Text)) return 'bad_field';
	const position = entry.get('position');
	if (position !== undefined && !isPositionKey(position)) {
		return typeof position === 'string' && position.length > agendaLimits.positionMax ? 'field_too_long' : 'bad_field';
	}
	if (id.length > agendaLimits.idMax || title.length > agendaLimits.titleMax || presenter.length > agendaLimits.presenterMax) {
		return 'field_too_long';
	}
	if (notes.length > agendaLimits.notesMax) return 'field_too_long';
	return null;
}

/** An entry of `items` that readers skip: where it is and why (a second entry with an id already seen is 'duplicate_id'). */
export interface InvalidAgendaEntry {
	index: number;
	problem: AgendaEntryProblem | 'duplicate_id';
}

export interface AgendaReading {
	items: AgendaItem[];
	/** Entries that are not items (an old document, or one written around the server's check). */
	invalid: InvalidAgendaEntry[];
}

/** The order key of a valid item's map, or null (an agenda saved before keys). */
const positionOf = (map: Y.Map<unknown>): string | null => {
	const position = map.get('position');
	return isPositionKey(position) ? position : null;
};

/**
 * Items with a key first, by key (equal keys, from two inserts at one place at the same time, by
 * array order, the same in every copy of the document); then items without one, in array order.
 */
function byPosition<T extends { position: string | null; index: number }>(a: T, b: T): number {
	if (a.position === null || b.position === null) {
		return a.position === b.position ? a.index - b.index : a.position === null ? 1 : -1;
	}
	return a.position < b.position ? -1 : a.position > b.position ? 1 : a.index - b.index;
}

interface ValidEntry {
	map: Y.Map<unknown>;
	index: number;
	position: string | null;
}

/** The valid items' maps in reading order, and the entries skipped (with their array index). */
function orderedEntries(doc: Y.Doc): { valid: ValidEntry[]; invalid: InvalidAgendaEntry[] } {
	const valid: ValidEntry[] = [];
	const invalid: InvalidAgendaEntry[] = [];
	const seen = new Set<string>();
	agendaItems(doc)
		.toArray()
		.forEach((entry: unknown, index) => {
			const problem = agendaEntryProblem(entry);
			if (problem) return invalid.push({ index, problem });
			const map = entry as Y.Map<unknown>;
			const id = map.get('id') as string;
			if (seen.has(id)) return invalid.push({ index, problem: 'duplicate_id' });
			seen.add(id);
			valid.push({ map, index, position: positionOf(map) });
		});
	return { valid: valid.sort(byPosition), invalid };
}

/**
 * The agenda as every reader sees it: the valid items in order (by position key, see above), and
 * the entries skipped. Never throws on a document of any shape. Two copies of one item (left by
 * two people moving it at the same time before moves kept the item) keep the first in the array:
 * the second is reported as 'duplicate_id', so each id names one item.
 */
export function readAgendaEntries(doc: Y.Doc): AgendaReading {
	const { valid, invalid } = orderedEntries(doc);
	return { items: valid.map(({ map }) => readItem(map)), invalid };
}

function readItem(map: Y.Map<unknown>): AgendaItem {
	const notes = map.get('notes');
	const status = map.get('status');
	return {
		id: String(map.get('id') ?? ''),
		title: fieldText(map.get('title')),
		minutes: clampMinutes(Number(map.get('minutes') ?? 0)),
		presenter: fieldText(map.get('presenter')),
		notes: fieldText(notes),
		status: agendaStatuses.includes(status as AgendaStatus) ? (status as AgendaStatus) : 'todo'
	};
}

/** The valid items of the agenda (readAgendaEntries without the skipped entries). */
export function readAgenda(doc: Y.Doc): AgendaItem[] {
	return readAgendaEntries(doc).items;
}

/** Deletes every entry that is not a valid item (and second copies of an item), in one transaction. */
export function removeInvalidEntries(doc: Y.Doc): number {
	const items = agendaItems(doc);
	const { invalid } = readAgendaEntries(doc);
	doc.transact(() => {
		for (const { index } of [...invalid].reverse()) items.delete(index, 1);
	});
	return invalid.length;
}

export function totalMinutes(items: readonly Pick<AgendaItem, 'minutes'>[]): number {
	return items.reduce((sum, item) => sum + item.minutes, 0);
}

function createItemMap(fields: Partial<AgendaItemFields> & { notes?: string }): Y.Map<unknown> {
	const map = new Y.Map<unknown>();
	map.set('id', newItemId());
	map.set('title', new Y.Text((fields.title ?? '').slice(0, agendaLimits.titleMax)));
	map.set('minutes', clampMinutes(fields.minutes ?? 15));
	map.set('presenter', new Y.Text((fields.presenter ?? '').slice(0, agendaLimits.presenterMax)));
	map.set('status', fields.status ?? 'todo');
	map.set('notes', new Y.Text((fields.notes ?? '').slice(0, agendaLimits.notesMax)));
	return map;
}

/**
 * Gives `map` a key placing it at `index` of `order` (the other items, in reading order), inside
 * the caller's transaction. Only the map's own key is written, unless there is no key to give (an
 * item without one, two equal keys, keys grown too long): then the whole agenda is respaced.
 */
function placeAt(order: ValidEntry[], map: Y.Map<unknown>, index: number): void {
	const at = Math.max(0, Math.min(order.length, index));
	const before = order[at - 1];
	const after = order[at];
	const key = order.every((entry) => entry.position !== null) && keyBetween(before?.position ?? null, after?.position ?? null);
	if (key) {
		map.set('position', key);
		return;
	}
	const maps = order.map((entry) => entry.map);
	maps.splice(at, 0, map);
	const keys = spreadKeys(maps.length);
	maps.forEach((each, i) => {
		if (each.get('position') !== keys[i]) each.set('position', keys[i]);
	});
}

/**
 * Adds an item at `index` of the reading order (the end when omitted). The map goes at the end of
 * the array; its position key puts it in its place.
 */
export function addItem(doc: Y.Doc, fields: Partial<AgendaItemFields> = {}, index?: number, origin: unknown = null): string | null {
	const items = agendaItems(doc);
	if (items.length >= agendaLimits.itemsMax) return null;
	const map = createItemMap(fields);
	const { valid } = orderedEntries(doc);
	doc.transact(() => {
		items.push([map]);
		placeAt(valid, map, index ?? valid.length);
	}, origin);
	return String(map.get('id'));
}

/** Entries that are not maps (a bad document) are passed over, never called. */
const isItemWithId = (entry: unknown, id: string) => entry instanceof Y.Map && entry.get('id') === id;

function indexOf(doc: Y.Doc, id: string): number {
	return agendaItems(doc)
		.toArray()
		.findIndex((entry) => isItemWithId(entry, id));
}

export function findItemMap(doc: Y.Doc, id: string): Y.Map<unknown> | undefined {
	return agendaItems(doc)
		.toArray()
		.find((entry) => isItemWithId(entry, id));
}

/**
 * Sets a text field to `value`: a Y.Text is changed by the difference only (so concurrent typing
 * elsewhere in it survives); a plain string of an older agenda becomes a Y.Text. Only for code
 * that owns its copy (tests, a server building an agenda): an agenda served by /yjs holds no
 * strings (the server upgrades it), and the browser's editor never converts one (ytext-input.ts).
 */
export function setFieldText(map: Y.Map<unknown>, field: AgendaTextField, value: string): void {
	const current = map.get(field);
	if (current instanceof Y.Text) applyTextChange(current, current.toString(), value);
	else map.set(field, new Y.Text(value));
}

export function updateItem(doc: Y.Doc, id: string, fields: Partial<AgendaItemFields>, origin: unknown = null): void {
	const map = findItemMap(doc, id);
	if (!map) return;
	doc.transact(() => {
		if (fields.title !== undefined) setFieldText(map, 'title', fields.title.slice(0, agendaLimits.titleMax));
		if (fields.presenter !== undefined) setFieldText(map, 'presenter', fields.presenter.slice(0, agendaLimits.presenterMax));
		if (fields.minutes !== undefined) map.set('minutes', clampMinutes(fields.minutes));
		if (fields.status !== undefined && agendaStatuses.includes(fields.status)) map.set('status', fields.status);
	}, origin);
}

/** Removes the item; `origin` names the transaction (the editor's undo tracks its own). */
export function removeItem(doc: Y.Doc, id: string, origin: unknown = null): boolean {
	const index = indexOf(doc, id);
	if (index < 0) return false;
	doc.transact(() => agendaItems(doc).delete(index, 1), origin);
	return true;
}

/**
 * Moves an item to `toIndex` of the reading order (its index after the move) by writing its
 * position key only: the item's map, and whatever anyone is typing into it, stays as it is.
 */
export function moveItem(doc: Y.Doc, id: string, toIndex: number, origin: unknown = null): void {
	const { valid } = orderedEntries(doc);
	const from = valid.findIndex((entry) => entry.map.get('id') === id);
	if (from < 0) return;
	const target = Math.max(0, Math.min(valid.length - 1, toIndex));
	if (target === from) return;
	const [moved] = valid.splice(from, 1);
	doc.transact(() => placeAt(valid, moved.map, target), origin);
}

/** The plain-string text fields of an agenda (saved before issue 12, or written by an older client). */
function legacyTexts(doc: Y.Doc): Array<[Y.Map<unknown>, AgendaTextField, string]> {
	const found: Array<[Y.Map<unknown>, AgendaTextField, string]> = [];
	for (const entry of agendaItems(doc).toArray() as unknown[]) {
		if (!(entry instanceof Y.Map)) continue;
		for (const field of agendaTextFields) {
			const value = entry.get(field);
			if (typeof value === 'string') found.push([entry, field, value]);
		}
	}
	return found;
}

const hasUnplacedItems = (doc: Y.Doc) => orderedEntries(doc).valid.some((entry) => entry.position === null);

/**
 * What upgradeAgenda would change: 'texts' counts plain-string text fields only, 'all' also items
 * without a position key.
 */
export function needsUpgrade(doc: Y.Doc, scope: 'texts' | 'all' = 'all'): boolean {
	return legacyTexts(doc).length > 0 || (scope === 'all' && hasUnplacedItems(doc));
}

/**
 * Brings an agenda written by older versions up to date, in one transaction: plain-string title,
 * presenter and notes become Y.Texts holding the same text (two people making the first edit of
 * such a field would otherwise each write a Y.Text of their own, and one person's keystrokes
 * would be lost); with scope 'all', items without a position key get one, in their reading order.
 * Entries that are not items are left alone. Returns whether anything changed. Run by the server
 * (server/yjs/agenda-upgrade.ts), never by a browser.
 */
export function upgradeAgenda(doc: Y.Doc, scope: 'texts' | 'all' = 'all', origin: unknown = null): boolean {
	if (!needsUpgrade(doc, scope)) return false;
	doc.transact(() => {
		for (const [map, field, value] of legacyTexts(doc)) map.set(field, new Y.Text(value));
		// After the texts: an item whose notes were a string is a valid item only now.
		if (scope === 'all' && hasUnplacedItems(doc)) {
			const entries = orderedEntries(doc).valid;
			const keys = spreadKeys(entries.length);
			entries.forEach((entry, i) => entry.map.set('position', keys[i]));
		}
	}, origin);
	return true;
}

export type AgendaTemplate = 'first_meeting' | 'standard' | 'empty';

/**
 * The four points of the first meeting, from the convocation letter
 * (shared/context/lettera-convocazione-tavoli.txt, "Cosa faremo nel primo incontro del tavolo").
 */
export const firstMeetingItems: AgendaItemFields[] = [
	{
		title: 'Condivisione e approfondimento del progetto e del Report con i partecipanti al tavolo',
		minutes: 40,
		presenter: '',
		status: 'todo'
	},
	{ title: 'Condivisione delle finalità e degli obiettivi specifici del tavolo', minutes: 30, presenter: '', status: 'todo' },
	{ title: 'Definizione delle regole base e dei ruoli per il funzionamento del tavolo', minutes: 25, presenter: '', status: 'todo' },
	{
		title: 'Ipotesi di programmazione degli incontri successivi (argomenti, temi da discutere e calendario)',
		minutes: 25,
		presenter: '',
		status: 'todo'
	}
];

/** The item every standard agenda ends with. */
export const closingItem: AgendaItemFields = { title: 'Varie ed eventuali', minutes: 10, presenter: '', status: 'todo' };

const standardItems: AgendaItemFields[] = [
	{ title: "Approvazione del verbale dell'incontro precedente", minutes: 10, presenter: '', status: 'todo' },
	{ title: 'Aggiornamenti dal tavolo', minutes: 30, presenter: '', status: 'todo' },
	closingItem
];

/** The whole initial state of an agenda holding `items`, as one Yjs update. */
export function agendaUpdate(items: ReadonlyArray<Partial<AgendaItemFields> & { notes?: string }>): Uint8Array {
	const doc = new Y.Doc();
	for (const item of items) addItem(doc, item);
	const update = Y.encodeStateAsUpdate(doc);
	doc.destroy();
	return update;
}

/** A template's items, in order. */
export function agendaTemplateItems(template: AgendaTemplate): AgendaItemFields[] {
	return template === 'first_meeting' ? firstMeetingItems : template === 'standard' ? standardItems : [];
}

/** The whole initial state of a new meeting's agenda from a template, as one Yjs update. */
export function agendaTemplateUpdate(template: AgendaTemplate): Uint8Array {
	return agendaUpdate(agendaTemplateItems(template));
}
