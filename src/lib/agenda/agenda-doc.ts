import * as Y from 'yjs';
import { applyTextChange } from './text-diff.ts';

/**
 * The agenda of a meeting as a Yjs document (`agenda:<meetingId>`): a Y.Array `items` of Y.Maps,
 * so people edit different items, or different fields of one item, at the same time without
 * overwriting each other. Title, presenter and notes are Y.Texts so two people typing in one field
 * merge by character (issue 12). Agendas saved before that hold plain strings in title and
 * presenter: every reader accepts both, and the editor turns such a field into a Y.Text on its
 * first edit (src/lib/agenda/ytext-input.ts), so no stored agenda needs rewriting.
 * Framework-free: used by the browser editor, the meeting service (templates) and tests.
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
	notesMax: 20_000
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

/** The keys of an item's map, each with the type it must have. */
const itemKeys = ['id', 'title', 'minutes', 'presenter', 'status', 'notes'] as const;

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

/**
 * The agenda as every reader sees it: the valid items in order, and the entries skipped. Never
 * throws on a document of any shape. Two copies of one item (two people moving it at the same
 * time) keep the first: the second is reported as 'duplicate_id', so each id names one item.
 */
export function readAgendaEntries(doc: Y.Doc): AgendaReading {
	const items: AgendaItem[] = [];
	const invalid: InvalidAgendaEntry[] = [];
	const seen = new Set<string>();
	agendaItems(doc)
		.toArray()
		.forEach((entry: unknown, index) => {
			const problem = agendaEntryProblem(entry);
			if (problem) return invalid.push({ index, problem });
			const item = readItem(entry as Y.Map<unknown>);
			if (seen.has(item.id)) return invalid.push({ index, problem: 'duplicate_id' });
			seen.add(item.id);
			items.push(item);
		});
	return { items, invalid };
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

export function addItem(doc: Y.Doc, fields: Partial<AgendaItemFields> = {}, index?: number, origin: unknown = null): string | null {
	const items = agendaItems(doc);
	if (items.length >= agendaLimits.itemsMax) return null;
	const map = createItemMap(fields);
	doc.transact(() => items.insert(index ?? items.length, [map]), origin);
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
 * elsewhere in it survives); a plain string of an older agenda becomes a Y.Text.
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
 * Moves an item to `toIndex` (its position after the move). Yjs has no move: the item is copied
 * (notes included) and the old one deleted in one transaction, keeping its id, so focus and
 * timers that name the id still find it.
 */
export function moveItem(doc: Y.Doc, id: string, toIndex: number, origin: unknown = null): void {
	const items = agendaItems(doc);
	const from = indexOf(doc, id);
	if (from < 0) return;
	const target = Math.max(0, Math.min(items.length - 1, toIndex));
	if (target === from) return;
	const current = readItem(items.get(from));
	doc.transact(() => {
		items.delete(from, 1);
		const copy = createItemMap(current);
		copy.set('id', current.id);
		items.insert(target, [copy]);
	}, origin);
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
