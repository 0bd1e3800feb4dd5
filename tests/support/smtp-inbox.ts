import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { waitUntil } from './wait-until.ts';

export interface ReceivedMail {
	to: string[];
	mail: ParsedMail;
}

/**
 * A real SMTP server in the test process: the app sends to it over SMTP_URL as it would to the
 * consortium's mail server, and the test reads what arrived.
 */
export interface SmtpInbox {
	url: string;
	received: ReceivedMail[];
	/**
	 * Waits for mail number `after + 1` to `address` and answers it: count their mails before the
	 * action that sends one (the app may send it before this is called).
	 */
	nextMailTo(address: string, after: number): Promise<ReceivedMail>;
	mailsTo(address: string): ReceivedMail[];
	/** Addresses the server refuses (550 at RCPT TO), like a mailbox that does not exist; change it at will. */
	refused: Set<string>;
	/** Mails whose delivery is being held (see `hold`). */
	readonly waiting: number;
	/** From now on the server keeps each mail's DATA unanswered until `release()`: a slow mail server. */
	hold(): void;
	release(): void;
	close(): Promise<void>;
}

export async function startSmtpInbox(): Promise<SmtpInbox> {
	const received: ReceivedMail[] = [];
	const refused = new Set<string>();
	let held: (() => void)[] | null = null;
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		logger: false,
		onRcptTo(address, _session, callback) {
			if (refused.has(address.address.toLowerCase())) {
				return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
			}
			callback();
		},
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('end', () => {
				const deliver = () =>
					simpleParser(Buffer.concat(chunks)).then(
						(mail) => {
							received.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), mail });
							callback();
						},
						(error: Error) => callback(error)
					);
				if (held) held.push(deliver);
				else void deliver();
			});
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.server.address() as AddressInfo;
	const mailsTo = (address: string) => received.filter((r) => r.to.includes(address.toLowerCase()));
	return {
		url: `smtp://127.0.0.1:${port}`,
		received,
		refused,
		mailsTo,
		async nextMailTo(address, after) {
			return waitUntil(() => mailsTo(address)[after], 15_000, `mail number ${after + 1} to ${address}`);
		},
		get waiting() {
			return held?.length ?? 0;
		},
		hold() {
			held ??= [];
		},
		release() {
			const pending = held ?? [];
			held = null;
			for (const deliver of pending) deliver();
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

/** The first link in a mail's text that starts with `prefix`. */
export function linkIn(entry: ReceivedMail, prefix: string): URL {
	const match = (entry.mail.text ?? '').split(/\s+/).find((word) => word.startsWith(prefix));
	if (!match) throw new Error(`no link starting with ${prefix} in: ${entry.mail.text}`);
	return new URL(match);
}
