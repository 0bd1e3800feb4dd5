import { createTransport, type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { MailTransport } from '../../domain/convocation.ts';

export interface MailAttachment {
	filename: string;
	content: string | Uint8Array;
	contentType: string;
}

export interface MailMessage {
	to: { name: string; email: string };
	/** Where answers go: the coordinator who sent it, not the no-reply From address. */
	replyTo?: { name: string; email: string };
	subject: string;
	text: string;
	/** A calendar invitation (text/calendar), shown by mail clients as an event to accept. */
	icalEvent?: { filename: string; method: 'REQUEST' | 'PUBLISH' | 'CANCEL'; content: string };
	attachments?: MailAttachment[];
}

/**
 * How Tavolo sends e-mail: over SMTP when SMTP_URL is set, otherwise into the log (a deployment
 * without a mail server still works, and a developer sees what would have gone out).
 */
export interface Mailer {
	readonly transport: MailTransport;
	send(message: MailMessage): Promise<void>;
	close(): void;
}

export interface MailerOptions {
	smtpUrl: string | undefined;
	/** The From header, e.g. `Tavolo <tavolo@consorzio.example>`. */
	from: string;
	/**
	 * The From display name, asked for each mail: the organisation's name as an admin set it, so
	 * letters come from the body that convenes, not from the product. Absent: `from` as it is.
	 */
	senderName?: () => Promise<string>;
	logger: Pick<Logger, 'info'>;
}

/** The From address when none is configured: a no-reply address on the public host. */
export function defaultSender(origin: string | undefined): string {
	const host = origin ? new URL(origin).hostname : 'localhost';
	return `Tavolo <tavolo@${host}>`;
}

/** The address of a From header (`Name <a@b>` or `a@b`). */
export function senderAddress(from: string): string {
	return /<([^<>]+)>\s*$/.exec(from)?.[1].trim() ?? from.trim();
}

export function createMailer(options: MailerOptions): Mailer {
	if (!options.smtpUrl) return createLogMailer(options.logger);
	const transporter: Transporter = createTransport(options.smtpUrl);
	return {
		transport: 'smtp',
		async send(message) {
			await transporter.sendMail({
				from: options.senderName ? { name: await options.senderName(), address: senderAddress(options.from) } : options.from,
				to: { name: message.to.name, address: message.to.email },
				...(message.replyTo ? { replyTo: { name: message.replyTo.name, address: message.replyTo.email } } : {}),
				subject: message.subject,
				text: message.text,
				icalEvent: message.icalEvent,
				attachments: message.attachments?.map((a) => ({
					filename: a.filename,
					contentType: a.contentType,
					content: typeof a.content === 'string' ? a.content : Buffer.from(a.content)
				}))
			});
		},
		close() {
			transporter.close();
		}
	};
}

function createLogMailer(logger: Pick<Logger, 'info'>): Mailer {
	return {
		transport: 'log',
		async send(message) {
			logger.info(
				{
					mail: {
						to: message.to.email,
						replyTo: message.replyTo?.email,
						subject: message.subject,
						text: message.text,
						attachments: [...(message.icalEvent ? [message.icalEvent.filename] : []), ...(message.attachments ?? []).map((a) => a.filename)]
					}
				},
				'mail not sent (SMTP_URL is not set): logged instead'
			);
		},
		close() {}
	};
}
