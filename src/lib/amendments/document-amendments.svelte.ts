import { amendmentLimits } from '$lib/domain/amendments.ts';
import type { CommentAnchor } from '$lib/comments/types.ts';
import type { AmendmentView, DocumentAmendmentsView } from './types.ts';
import type { PollView } from '$lib/realtime/protocol.ts';

/** How often an open page asks for the amendments while it is visible (as comments do). */
const pollIntervalMs = 4000;

type Answer<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * The amendments of one document in the browser: the list from the JSON API, the selection
 * waiting for its proposal, and the commands (propose, withdraw, put to the vote). Others'
 * proposals and the outcome of a vote arrive by polling while the page is visible, like comments.
 */
export class DocumentAmendments {
	amendments = $state<AmendmentView[]>([]);
	canPropose = $state(false);
	canManage = $state(false);
	readOnlyReason = $state<DocumentAmendmentsView['readOnlyReason']>(null);
	loaded = $state(false);
	/** The last failed load, in the reader's language; empty when fine. */
	loadError = $state('');
	/** The passage selected with "Proponi un emendamento", waiting for its replacement. */
	draft = $state<CommentAnchor | null>(null);
	/** Set when the selection was too long to amend (amendmentLimits.quote). */
	draftTooLong = $state(false);

	#timer: ReturnType<typeof setInterval> | undefined;
	#base: string;

	constructor(readonly documentId: string) {
		this.#base = `/api/v1/documents/${encodeURIComponent(documentId)}/amendments`;
	}

	/** Loads now, then polls while the page is visible; returns the stop function. */
	start(): () => void {
		void this.refresh();
		this.#timer = setInterval(() => {
			if (document.visibilityState === 'visible') void this.refresh();
		}, pollIntervalMs);
		const onVisible = () => {
			if (document.visibilityState === 'visible') void this.refresh();
		};
		document.addEventListener('visibilitychange', onVisible);
		return () => {
			clearInterval(this.#timer);
			document.removeEventListener('visibilitychange', onVisible);
		};
	}

	async refresh(): Promise<void> {
		try {
			const response = await fetch(this.#base, { credentials: 'same-origin', headers: { accept: 'application/json' } });
			const body = (await response.json().catch(() => null)) as (DocumentAmendmentsView & { error?: { message: string } }) | null;
			if (!response.ok || !body || body.error) {
				this.loadError = body?.error?.message ?? String(response.status);
				return;
			}
			// Replaced only when something changed, so the list is not redrawn every tick.
			if (JSON.stringify(body.amendments) !== JSON.stringify(this.amendments)) this.amendments = body.amendments;
			this.canPropose = body.canPropose;
			this.canManage = body.canManage;
			this.readOnlyReason = body.readOnlyReason;
			this.loaded = true;
			this.loadError = '';
		} catch (error) {
			// Offline or the server restarting: keep what is shown, try again on the next tick.
			this.loadError = error instanceof Error ? error.message : String(error);
		}
	}

	async #post<T>(url: string, body: unknown): Promise<Answer<T>> {
		try {
			const response = await fetch(url, {
				method: 'POST',
				credentials: 'same-origin',
				headers: { 'content-type': 'application/json', accept: 'application/json' },
				body: JSON.stringify(body)
			});
			const answer = (await response.json().catch(() => null)) as
				(T & { error?: { message: string; fields?: Record<string, string> } }) | null;
			if (!response.ok || !answer || answer.error) {
				const fields = answer?.error?.fields ? Object.values(answer.error.fields) : [];
				return { ok: false, message: [answer?.error?.message ?? String(response.status), ...fields].join(' ') };
			}
			return { ok: true, value: answer };
		} catch (error) {
			return { ok: false, message: error instanceof Error ? error.message : String(error) };
		}
	}

	#replace(amendment: AmendmentView): void {
		const index = this.amendments.findIndex((candidate) => candidate.id === amendment.id);
		this.amendments = index >= 0 ? this.amendments.with(index, amendment) : [...this.amendments, amendment];
	}

	/** The selection becomes the passage of a new proposal (refused beyond amendmentLimits.quote). */
	begin(anchor: CommentAnchor): void {
		this.draftTooLong = anchor.quote.length > amendmentLimits.quote;
		this.draft = this.draftTooLong ? null : anchor;
	}

	cancel(): void {
		this.draft = null;
		this.draftTooLong = false;
	}

	async propose(replacement: string, reason: string): Promise<Answer<AmendmentView>> {
		if (!this.draft) return { ok: false, message: '' };
		const result = await this.#post<AmendmentView>(this.#base, { anchor: this.draft, replacement, reason });
		if (result.ok) {
			this.#replace(result.value);
			this.draft = null;
		}
		return result;
	}

	async withdraw(amendmentId: string): Promise<Answer<AmendmentView>> {
		const result = await this.#post<AmendmentView>(`/api/v1/amendments/${encodeURIComponent(amendmentId)}/withdraw`, {});
		if (result.ok) this.#replace(result.value);
		return result;
	}

	/** A yes/no poll in the meeting, bound to the amendment (a draft in the room, opened by the moderator). */
	async putToVote(amendmentId: string, meetingId: string): Promise<Answer<PollView>> {
		const result = await this.#post<PollView>(`/api/v1/amendments/${encodeURIComponent(amendmentId)}/poll`, { meetingId });
		await this.refresh();
		return result;
	}
}
