/**
 * Sending a meeting's convocation, as the server reports it and the page shows it:
 * `POST /api/v1/meetings/:id/convocation/send` answers a SendSummary, or streams SendLines
 * (application/x-ndjson) when asked to.
 */

/** How mail leaves: over SMTP (SMTP_URL), or into the log without it. */
export type MailTransport = 'smtp' | 'log';

/** After each recipient: how many mails are done, of how many, and how they went. */
export interface SendProgress {
	done: number;
	total: number;
	sent: number;
	failed: number;
}

export interface SendSummary {
	transport: MailTransport;
	total: number;
	sent: number;
	failed: Array<{ name: string; email: string; error: string }>;
}

/** One line of the streamed answer: progress after each recipient, then the summary or the error. */
export type SendLine =
	| ({ type: 'progress' } & SendProgress)
	| { type: 'done'; summary: SendSummary }
	| { type: 'error'; error: { code: string; message: string; fields?: Record<string, string> } };

/** A recipient from outside the table, as the page sends it (checked again by the server). */
export interface ExternalRecipientDraft {
	email: string;
	categoryId: string;
	name: string;
	representedBody: string;
	role: 'coordinator' | 'moderator' | 'participant' | 'observer';
}
