import { m } from '$lib/paraglide/messages.js';
import type { TopicStatus } from '$lib/domain/topics.ts';

/** A topic of the backlog as the room shows it (GET /api/v1/tables/:id/topics). */
export interface RoomTopic {
	id: string;
	title: string;
	description: string;
	status: TopicStatus;
	proposedBy: string | null;
	supporters: number;
	supportedByMe: boolean;
}

interface ApiAnswer {
	ok: boolean;
	body: Record<string, unknown> | null;
	/** The server's refusal in words (a field's problem first), or a network failure. */
	message: string;
}

async function call(url: string, init: RequestInit = {}): Promise<ApiAnswer> {
	try {
		const response = await fetch(url, {
			...init,
			headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) }
		});
		const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
		const error = body?.error as { message?: string; fields?: Record<string, string> } | undefined;
		const message = error ? (Object.values(error.fields ?? {})[0] ?? error.message ?? '') : '';
		return { ok: response.ok, body, message: response.ok ? '' : message || m.room_request_failed() };
	} catch {
		return { ok: false, body: null, message: m.live_error_offline() };
	}
}

/**
 * The table's topic backlog inside the live room, over the same JSON API as the table page:
 * propose, support, and (those who run the meeting) put the chosen ones to a vote in this
 * meeting. The room's socket says when someone changed it (`topics:changed`); then it is read again.
 */
export class RoomTopics {
	topics = $state<RoomTopic[]>([]);
	loaded = $state(false);
	/** The last refusal or failure, in words; empty when fine. */
	error = $state('');
	readonly #base: string;

	constructor(
		tableId: string,
		readonly meetingId: string
	) {
		this.#base = `/api/v1/tables/${encodeURIComponent(tableId)}/topics`;
	}

	readonly open = $derived(this.topics.filter((t) => t.status === 'open'));
	readonly decided = $derived(this.topics.filter((t) => t.status !== 'open'));

	async load(): Promise<void> {
		const answer = await call(this.#base);
		if (answer.ok && Array.isArray(answer.body?.topics)) {
			this.topics = answer.body.topics as RoomTopic[];
			this.error = '';
		} else this.error = answer.message;
		this.loaded = true;
	}

	/** Proposes a topic; true when it was added (the list is read again). */
	async propose(title: string): Promise<boolean> {
		const answer = await call(this.#base, { method: 'POST', body: JSON.stringify({ title }) });
		this.error = answer.message;
		if (answer.ok) await this.load();
		return answer.ok;
	}

	async support(topic: RoomTopic): Promise<void> {
		const answer = await call(`${this.#base}/${encodeURIComponent(topic.id)}/support`, { method: topic.supportedByMe ? 'DELETE' : 'POST' });
		this.error = answer.message;
		if (answer.ok) await this.load();
	}

	/** The chosen open topics become a draft poll of this meeting; true when it was created. */
	async toPoll(topicIds: string[]): Promise<boolean> {
		const answer = await call(`${this.#base}/poll`, { method: 'POST', body: JSON.stringify({ meetingId: this.meetingId, topicIds }) });
		this.error = answer.message;
		if (answer.ok) await this.load();
		return answer.ok;
	}
}
