import { invalidateAll } from '$app/navigation';
import { m } from '$lib/paraglide/messages.js';
import type { ExternalRecipientDraft, SendLine, SendProgress, SendSummary } from '$lib/domain/convocation.ts';

/**
 * Saving and sending the letter from the page over the JSON API: the send streams one line per
 * recipient (application/x-ndjson), so the count moves while the mails go out.
 */
export class ConvocationSender {
	busy = $state(false);
	progress = $state<SendProgress | null>(null);
	summary = $state<SendSummary | null>(null);
	error = $state<string | undefined>(undefined);
	/** The refused fields of the last send (`externalRecipients.0.email`…), with their messages. */
	fields = $state<Record<string, string>>({});

	constructor(readonly meetingId: string) {}

	get #base() {
		return `/api/v1/meetings/${this.meetingId}/convocation`;
	}

	async #failure(response: Response): Promise<string> {
		const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
		return body?.error?.message ?? m.convocation_network_error();
	}

	async save(subject: string, body: string, protocolNumber: string): Promise<boolean> {
		this.error = undefined;
		try {
			const response = await fetch(this.#base, {
				method: 'PUT',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ subject, body, protocolNumber })
			});
			if (!response.ok) {
				this.error = await this.#failure(response);
				return false;
			}
			await invalidateAll();
			return true;
		} catch {
			this.error = m.convocation_network_error();
			return false;
		}
	}

	async send(
		subject: string,
		body: string,
		protocolNumber: string,
		external: { externalRecipients: ExternalRecipientDraft[]; invitationIds: string[] } = { externalRecipients: [], invitationIds: [] }
	): Promise<boolean> {
		this.busy = true;
		this.progress = null;
		this.summary = null;
		this.error = undefined;
		this.fields = {};
		try {
			const response = await fetch(`${this.#base}/send`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
				body: JSON.stringify({ subject, body, protocolNumber, ...external })
			});
			if (!response.ok || !response.body) {
				this.error = await this.#failure(response);
				return false;
			}
			const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
			let buffer = '';
			for (;;) {
				const { value, done } = await reader.read();
				if (done) break;
				buffer += value;
				const lines = buffer.split('\n');
				buffer = lines.pop() ?? '';
				for (const line of lines.filter(Boolean)) this.#apply(JSON.parse(line) as SendLine);
			}
			await invalidateAll();
			return this.summary !== null;
		} catch {
			this.error = m.convocation_network_error();
			return false;
		} finally {
			this.busy = false;
		}
	}

	#apply(line: SendLine) {
		if (line.type === 'progress') this.progress = { done: line.done, total: line.total, sent: line.sent, failed: line.failed };
		else if (line.type === 'done') this.summary = line.summary;
		else {
			this.error = line.error.message;
			this.fields = line.error.fields ?? {};
		}
	}
}
