import { commentLimits, type CommentAnchor, type CommentPerson, type CommentThreadView, type DocumentCommentsView } from './types.ts';

/** How often an open document page asks for new comments while it is visible. */
const pollIntervalMs = 4000;

export type CommentFilter = 'open' | 'resolved';

/**
 * The comments of one open document in the browser: the threads from the JSON API, the thread
 * selected (in the list or by clicking its highlight), the selection waiting for a first comment,
 * and which threads lost their text. Others' comments arrive by polling while the page is visible
 * (simple and robust across nodes; a socket room can replace it without changing the panel).
 */
export class DocumentComments {
	threads = $state<CommentThreadView[]>([]);
	members = $state<CommentPerson[]>([]);
	canComment = $state(false);
	readOnlyReason = $state<DocumentCommentsView['readOnlyReason']>(null);
	loaded = $state(false);
	/** The last failed load, in the reader's language; empty when fine. */
	loadError = $state('');
	activeId = $state<string | null>(null);
	/** The text selected with "Commenta", waiting for its first comment. */
	draft = $state<CommentAnchor | null>(null);
	/** Threads whose text was deleted entirely ("testo eliminato"). */
	// Replaced as a whole by setOrphans, never changed in place: a plain Set is what $state tracks.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	orphaned = $state<ReadonlySet<string>>(new Set());
	filter = $state<CommentFilter>('open');

	readonly openThreads = $derived(this.threads.filter((thread) => !thread.resolved));
	readonly resolvedThreads = $derived(this.threads.filter((thread) => thread.resolved));
	/** What the editor highlights: open threads only. */
	readonly highlighted = $derived(this.openThreads.map((thread) => ({ id: thread.id, anchor: thread.anchor })));

	#timer: ReturnType<typeof setInterval> | undefined;
	#base: string;

	constructor(
		readonly documentId: string,
		readonly userId: string
	) {
		this.#base = `/api/v1/documents/${encodeURIComponent(documentId)}/comments`;
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
			const body = (await response.json().catch(() => null)) as (DocumentCommentsView & { error?: { message: string } }) | null;
			if (!response.ok || !body || body.error) {
				this.loadError = body?.error?.message ?? String(response.status);
				return;
			}
			this.#apply(body);
			this.loadError = '';
		} catch (error) {
			// Offline or the server restarting: keep what is shown, try again on the next tick.
			this.loadError = error instanceof Error ? error.message : String(error);
		}
	}

	#apply(view: DocumentCommentsView): void {
		// Replace only when something changed, so the highlights are not recomputed every tick.
		if (JSON.stringify(view.threads) !== JSON.stringify(this.threads)) this.threads = view.threads;
		if (JSON.stringify(view.members) !== JSON.stringify(this.members)) this.members = view.members;
		this.canComment = view.canComment;
		this.readOnlyReason = view.readOnlyReason;
		this.loaded = true;
	}

	#replaceThread(thread: CommentThreadView): void {
		const index = this.threads.findIndex((candidate) => candidate.id === thread.id);
		this.threads = index >= 0 ? this.threads.with(index, thread) : [...this.threads, thread];
	}

	/** POSTs to the API; the thread it answers, or the server's message. */
	async #send(path: string, body: unknown): Promise<{ ok: true; thread: CommentThreadView } | { ok: false; message: string }> {
		try {
			const response = await fetch(this.#base + path, {
				method: 'POST',
				credentials: 'same-origin',
				headers: { 'content-type': 'application/json', accept: 'application/json' },
				body: JSON.stringify(body)
			});
			const answer = (await response.json().catch(() => null)) as
				(CommentThreadView & { error?: { message: string; fields?: Record<string, string> } }) | null;
			if (!response.ok || !answer || answer.error) {
				const fields = answer?.error?.fields ? Object.values(answer.error.fields) : [];
				return { ok: false, message: [answer?.error?.message ?? String(response.status), ...fields].join(' ') };
			}
			this.#replaceThread(answer);
			return { ok: true, thread: answer };
		} catch (error) {
			return { ok: false, message: error instanceof Error ? error.message : String(error) };
		}
	}

	beginThread(anchor: CommentAnchor): void {
		// A long selection is quoted in part; the anchor still covers all of it.
		const quote = anchor.quote.length > commentLimits.quote ? `${anchor.quote.slice(0, commentLimits.quote - 1)}…` : anchor.quote;
		this.draft = { ...anchor, quote };
		this.activeId = null;
	}

	cancelThread(): void {
		this.draft = null;
	}

	async startThread(body: string, mentions: string[]) {
		if (!this.draft) return { ok: false as const, message: '' };
		const result = await this.#send('', { body, anchor: this.draft, mentions });
		if (result.ok) {
			this.draft = null;
			this.filter = 'open';
			this.activeId = result.thread.id;
		}
		return result;
	}

	reply(threadId: string, body: string, mentions: string[]) {
		return this.#send('', { body, parentId: threadId, mentions });
	}

	setResolved(threadId: string, resolved: boolean) {
		return this.#send(`/${encodeURIComponent(threadId)}/${resolved ? 'resolve' : 'reopen'}`, {});
	}

	select(threadId: string | null): void {
		this.activeId = threadId;
		const thread = this.threads.find((candidate) => candidate.id === threadId);
		if (thread) this.filter = thread.resolved ? 'resolved' : 'open';
	}

	setOrphans(ids: ReadonlySet<string>): void {
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- replaced as a whole (see `orphaned`)
		this.orphaned = new Set(ids);
	}

	mentionsMe(thread: CommentThreadView): boolean {
		return [thread, ...thread.replies].some((comment) => comment.mentions.some((person) => person.id === this.userId));
	}
}
