import * as Y from 'yjs';

/**
 * The agenda of a meeting as a Yjs document (`agenda:<meetingId>`): a Y.Array `items` of Y.Maps,
 * so people edit different items, or different fields of one item, at the same time without
 * overwriting each other. Notes are a Y.Text so two people typing in them merge by character.
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

/** Limits on an item, checked where items are edited (and by the meeting service's templates). */
export const agendaLimits = { titleMax: 200, presenterMax: 120, minutesMax: 600, itemsMax: 100 } as const;

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

function readItem(map: Y.Map<unknown>): AgendaItem {
	const notes = map.get('notes');
	const status = map.get('status');
	return {
		id: String(map.get('id') ?? ''),
		title: String(map.get('title') ?? ''),
		minutes: clampMinutes(Number(map.get('minutes') ?? 0)),
		presenter: String(map.get('presenter') ?? ''),
		notes: notes instanceof Y.Text ? notes.toString() : '',
		status: agendaStatuses.includes(status as AgendaStatus) ? (status as AgendaStatus) : 'todo'
	};
}

export function readAgenda(doc: Y.Doc): AgendaItem[] {
	return agendaItems(doc).toArray().map(readItem);
}

export function totalMinutes(items: readonly Pick<AgendaItem, 'minutes'>[]): number {
	return items.reduce((sum, item) => sum + item.minutes, 0);
}

function createItemMap(fields: Partial<AgendaItemFields> & { notes?: string }): Y.Map<unknown> {
	const map = new Y.Map<unknown>();
	map.set('id', newItemId());
	map.set('title', (fields.title ?? '').slice(0, agendaLimits.titleMax));
	map.set('minutes', clampMinutes(fields.minutes ?? 15));
	map.set('presenter', (fields.presenter ?? '').slice(0, agendaLimits.presenterMax));
	map.set('status', fields.status ?? 'todo');
	map.set('notes', new Y.Text(fields.notes ?? ''));
	return map;
}

export function addItem(doc: Y.Doc, fields: Partial<AgendaItemFields> = {}, index?: number): string | null {
	const items = agendaItems(doc);
	if (items.length >= agendaLimits.itemsMax) return null;
	const map = createItemMap(fields);
	doc.transact(() => items.insert(index ?? items.length, [map]));
	return String(map.get('id'));
}

function indexOf(doc: Y.Doc, id: string): number {
	return agendaItems(doc)
		.toArray()
		.findIndex((map) => map.get('id') === id);
}

export function findItemMap(doc: Y.Doc, id: string): Y.Map<unknown> | undefined {
	return agendaItems(doc)
		.toArray()
		.find((map) => map.get('id') === id);
}

export function updateItem(doc: Y.Doc, id: string, fields: Partial<AgendaItemFields>): void {
	const map = findItemMap(doc, id);
	if (!map) return;
	doc.transact(() => {
		if (fields.title !== undefined) map.set('title', fields.title.slice(0, agendaLimits.titleMax));
		if (fields.presenter !== undefined) map.set('presenter', fields.presenter.slice(0, agendaLimits.presenterMax));
		if (fields.minutes !== undefined) map.set('minutes', clampMinutes(fields.minutes));
		if (fields.status !== undefined && agendaStatuses.includes(fields.status)) map.set('status', fields.status);
	});
}

export function removeItem(doc: Y.Doc, id: string): void {
	const index = indexOf(doc, id);
	if (index >= 0) agendaItems(doc).delete(index, 1);
}

/**
 * Moves an item to `toIndex` (its position after the move). Yjs has no move: the item is copied
 * (notes included) and the old one deleted in one transaction, keeping its id, so focus and
 * timers that name the id still find it.
 */
export function moveItem(doc: Y.Doc, id: string, toIndex: number): void {
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
	});
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

/** The whole initial state of a new meeting's agenda from a template, as one Yjs update. */
export function agendaTemplateUpdate(template: AgendaTemplate): Uint8Array {
	return agendaUpdate(template === 'first_meeting' ? firstMeetingItems : template === 'standard' ? standardItems : []);
}
