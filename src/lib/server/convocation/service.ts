import { sql } from 'kysely';
import * as Y from 'yjs';
import { z } from 'zod';
import type { Logger } from 'pino';
import { m } from '$lib/paraglide/messages.js';
import { formatRomeDate, formatRomeTime, MEETING_TIME_ZONE } from '$lib/meetings/rome-time.ts';
import { categoryLabel } from '$lib/tables/labels.ts';
import type { Db } from '../db/connect.ts';
import type { MeetingRow } from '../db/schema.ts';
import type { TableRole } from '../../domain/tables.ts';
import type { SendProgress, SendSummary } from '../../domain/convocation.ts';
import { AppError } from '../errors.ts';
import type { SessionUser } from '../auth/sessions.ts';
import type { LiveDocuments } from '../live-documents.ts';
import { findTableHeading } from '../tables/queries.ts';
import { accessMeeting } from '../authz/access.ts';
import { listCategories } from '../programmes/service.ts';
import { recordAudit } from '../audit/service.ts';
import { loadDocumentState } from '../documents/yjs-state.ts';
import { parseInput } from '../validation.ts';
import type { Mailer } from '../mail/mailer.ts';
import { readAgendaEntries } from '../../agenda/agenda-doc.ts';
import { agendaDocName } from '../../realtime/doc-names.ts';
import { composeLetter, letterJson, type Letter } from './letter.ts';
import { fileSlug } from './naming.ts';
import { readOrganization, readOrganizationLogo, type Organization } from '../organization/service.ts';
import type { HeavyWork } from '../heavy-work.ts';
import { cancellationIcs, invitationIcs } from './calendar.ts';
import { checkExternalRecipients, prepareInvitations, recordInvitationMail, type PreparedRecipient } from './external.ts';
import { notify, type NotificationDeps } from '../notifications/service.ts';

export interface ConvocationDeps {
	db: Db;
	mailer: Mailer;
	logger: Pick<Logger, 'error' | 'info' | 'warn'>;
	/** The public URL links in mails point to (ORIGIN, or the address the app answers on). */
	baseUrl: string;
	live?: LiveDocuments;
	/** Lays out the PDF and DOCX off the event loop (src/lib/server/heavy-work.ts). */
	heavy: HeavyWork;
	/** Recipients outside the table (external.ts): how many one send may add, and how long their links last. */
	external?: { maxRecipients: number; invitationDays: number };
	/** Tells the members in the app that the meeting was convened; absent in scripts. */
	notifications?: NotificationDeps;
}

export interface Recipient {
	userId: string;
	name: string;
	email: string;
	role: TableRole;
	/** The category's label in the reader's language; '' when the member has none. */
	category: string;
}

export interface Convocation extends Letter {
	/** Whether the coordinator saved an edited letter (otherwise it is generated afresh). */
	edited: boolean;
	/** The registry's number for the letter; '' when none. */
	protocolNumber: string;
	recipients: Recipient[];
	transport: Mailer['transport'];
	sentAt: Date | null;
	reminderSentAt: Date | null;
}

export const letterLimits = { subject: 300, body: 20_000, protocolNumber: 60 } as const;

export const letterInput = z.object({
	subject: z.string().trim().min(1).max(letterLimits.subject),
	body: z.string().trim().min(1).max(letterLimits.body),
	/** Left out: the number saved before stays; '' clears it. */
	protocolNumber: z.string().trim().max(letterLimits.protocolNumber).optional()
});

/** Convening a meeting is the coordinators' work, like scheduling it. */
const conveneAction = 'meeting.create';

interface LetterContext {
	meeting: MeetingRow;
	letter: Letter;
	edited: boolean;
	protocolNumber: string;
	organization: Organization;
	recipients: Recipient[];
	coordinator: { name: string; email: string };
	sentAt: Date | null;
	reminderSentAt: Date | null;
}

export function meetingUrl(baseUrl: string, meetingId: string): string {
	return `${baseUrl.replace(/\/$/, '')}/meetings/${meetingId}`;
}

/** The letter (saved or generated), its recipients and the coordinator who signs it. */
async function loadLetter(
	deps: Pick<ConvocationDeps, 'db' | 'baseUrl' | 'live' | 'logger'>,
	meeting: MeetingRow,
	signer: { name: string; email: string } | null,
	/** Categories of the recipients from outside the table this send adds. */
	addedCategoryIds: readonly (string | null)[] = []
): Promise<LetterContext> {
	const { db } = deps;
	const table = await findTableHeading(db, meeting.table_id);
	await deps.live?.flush();
	const [categories, expected, members, saved, agendaState, organization, convenedExternal] = await Promise.all([
		listCategories(db, table.programme_id),
		db.selectFrom('table_expected_categories').select('category_id').where('table_id', '=', meeting.table_id).execute(),
		db
			.selectFrom('memberships')
			.innerJoin('users', 'users.id', 'memberships.user_id')
			.select(['users.id', 'users.name', 'users.email', 'memberships.role', 'memberships.category_id'])
			.where('memberships.table_id', '=', meeting.table_id)
			.orderBy('users.name')
			.execute(),
		db.selectFrom('convocations').selectAll().where('meeting_id', '=', meeting.id).executeTakeFirst(),
		loadDocumentState(db, agendaDocName(meeting.id)),
		readOrganization(db),
		// Recipients from outside the table convened before: the letter keeps listing their categories.
		db
			.selectFrom('convocation_recipients')
			.select('category_id')
			.where('meeting_id', '=', meeting.id)
			.where('user_id', 'is', null)
			.where('category_id', 'is not', null)
			.execute()
	]);
	const externalCategoryIds = new Set([...convenedExternal.map((r) => r.category_id), ...addedCategoryIds].filter(Boolean));
	const labelOf = (categoryId: string | null) => {
		const category = categories.find((c) => c.id === categoryId);
		return category ? categoryLabel(category) : '';
	};
	const recipients: Recipient[] = members.map((r) => ({
		userId: r.id,
		name: r.name,
		email: r.email,
		role: r.role,
		category: labelOf(r.category_id)
	}));
	// Without a signer (the reminder runs on its own): the coordinator who last edited, or the first one.
	const coordinator = signer ??
		members.find((r) => r.id === saved?.updated_by) ??
		members.find((r) => r.role === 'coordinator') ?? { name: table.organization, email: '' };

	const agendaDoc = new Y.Doc();
	Y.applyUpdate(agendaDoc, agendaState);
	const reading = readAgendaEntries(agendaDoc);
	agendaDoc.destroy();
	// An agenda saved before the server checked its shape may hold bad entries: the letter goes
	// out without them, and whoever looks after the server learns which.
	if (reading.invalid.length > 0)
		deps.logger.warn({ meetingId: meeting.id, invalid: reading.invalid }, 'agenda entries left out of the convocation');
	const agenda = reading.items.map((item) => item.title).filter(Boolean);

	const generated = composeLetter({
		organization,
		programme: table.programme,
		table: { name: table.name, territory: table.territory },
		meeting: {
			title: meeting.title,
			startsAt: new Date(meeting.starts_at),
			endsAt: new Date(meeting.ends_at),
			videoUrl: meeting.video_url
		},
		meetingUrl: meetingUrl(deps.baseUrl, meeting.id),
		recipientCategories: categories
			.filter((c) => members.some((r) => r.category_id === c.id) || externalCategoryIds.has(c.id))
			.map(categoryLabel),
		hasExternalRecipients: externalCategoryIds.size > 0,
		expectedCategories: categories.filter((c) => expected.some((e) => e.category_id === c.id)).map(categoryLabel),
		agenda,
		coordinator: { name: coordinator.name },
		today: new Date()
	});
	const edited = Boolean(saved?.subject && saved.body);
	return {
		meeting,
		letter: edited ? { subject: saved!.subject!, body: saved!.body! } : generated,
		edited,
		protocolNumber: saved?.protocol_number ?? '',
		organization,
		recipients,
		coordinator: { name: coordinator.name, email: coordinator.email },
		sentAt: saved?.sent_at ? new Date(saved.sent_at) : null,
		reminderSentAt: saved?.reminder_sent_at ? new Date(saved.reminder_sent_at) : null
	};
}

async function accessLetter(deps: ConvocationDeps, user: SessionUser, meetingId: string): Promise<LetterContext> {
	const { meeting } = await accessMeeting(deps.db, user, meetingId, conveneAction);
	return loadLetter(deps, meeting, { name: user.name, email: user.email });
}

/** `GET /api/v1/meetings/:id/convocation` (coordinators). */
export async function getConvocation(deps: ConvocationDeps, user: SessionUser, meetingId: string): Promise<Convocation> {
	const context = await accessLetter(deps, user, meetingId);
	return {
		...context.letter,
		edited: context.edited,
		protocolNumber: context.protocolNumber,
		recipients: context.recipients,
		transport: deps.mailer.transport,
		sentAt: context.sentAt,
		reminderSentAt: context.reminderSentAt
	};
}

/** `PUT /api/v1/meetings/:id/convocation {subject, body, protocolNumber?}`: keeps the coordinator's edits. */
export async function saveConvocation(
	deps: ConvocationDeps,
	user: SessionUser,
	meetingId: string,
	input: unknown
): Promise<Letter & { protocolNumber?: string }> {
	await accessMeeting(deps.db, user, meetingId, conveneAction);
	const letter = parseInput(letterInput, input);
	const protocol = letter.protocolNumber === undefined ? {} : { protocol_number: letter.protocolNumber };
	await deps.db
		.insertInto('convocations')
		.values({ meeting_id: meetingId, subject: letter.subject, body: letter.body, updated_by: user.id, ...protocol })
		.onConflict((oc) =>
			oc
				.column('meeting_id')
				.doUpdateSet({ subject: letter.subject, body: letter.body, updated_by: user.id, updated_at: sql`now()`, ...protocol })
		)
		.execute();
	return letter;
}

/** `DELETE /api/v1/meetings/:id/convocation`: drops the edits; the letter is generated afresh. */
export async function resetConvocation(deps: ConvocationDeps, user: SessionUser, meetingId: string): Promise<void> {
	await accessMeeting(deps.db, user, meetingId, conveneAction);
	await deps.db
		.updateTable('convocations')
		.set({ subject: null, body: null, updated_at: sql`now()` })
		.where('meeting_id', '=', meetingId)
		.execute();
}

export const letterFormats = ['docx', 'pdf'] as const;
const contentTypes = {
	docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
	pdf: 'application/pdf'
} as const;

/** `GET /api/v1/meetings/:id/convocation/export?format=docx|pdf`: the saved (or generated) letter. */
export async function exportConvocation(deps: ConvocationDeps, user: SessionUser, meetingId: string, format: unknown) {
	const parsed = z.enum(letterFormats).safeParse(format);
	if (!parsed.success) throw new AppError('validation_failed', { fields: { format: 'invalid_choice' } });
	const { letter, meeting, protocolNumber, organization } = await accessLetter(deps, user, meetingId);
	const origin = await deps.db
		.selectFrom('tables')
		.innerJoin('programmes', 'programmes.id', 'tables.programme_id')
		.select(['tables.name as table', 'programmes.name as programme'])
		.where('tables.id', '=', meeting.table_id)
		.executeTakeFirstOrThrow();
	const pageNumbers = m.export_page({ page: '{page}', pages: '{pages}' });
	// The organisation heads the page like a letterhead, its contacts under its name; the subject
	// is in the text, and its footer (tax code, registered office) goes beside the page numbers.
	const meta = {
		...origin,
		organization: organization.shortName || organization.name,
		title: organization.name,
		versionLabel: contactLine(organization) || m.convocation_export_label({ table: origin.table }),
		pageTemplate: organization.footer ? `${organization.footer.replace(/\s*\n\s*/g, ' · ')} · ${pageNumbers}` : pageNumbers,
		logo: (await readOrganizationLogo(deps.db)) ?? undefined
	};
	const json = letterJson(withProtocol(letter.body, protocolNumber));
	const body = await deps.heavy.layout(user.id, { format: parsed.data, json, meta });
	return { filename: letterFilename(origin.table, new Date(meeting.starts_at), parsed.data), contentType: contentTypes[parsed.data], body };
}

/** The letterhead's second line: address, e-mail, PEC, website, those given. */
function contactLine(organization: Organization): string {
	return [
		organization.address.replace(/\s*\n\s*/g, ', '),
		organization.email && m.org_letter_email({ email: organization.email }),
		organization.pec && m.org_letter_pec({ pec: organization.pec }),
		organization.website
	]
		.filter(Boolean)
		.join(' · ');
}

/** "Prot. n. …" above the letter's text, when the coordinator gave one. */
function withProtocol(body: string, protocolNumber: string): string {
	return protocolNumber ? `${m.org_letter_protocol({ number: protocolNumber })}\n\n${body}` : body;
}

/** `convocazione-tavolo-pistoiese-2027-01-14.pdf`: the table and the meeting's day (Rome). */
export function letterFilename(table: string, startsAt: Date, format: (typeof letterFormats)[number]): string {
	const day = new Intl.DateTimeFormat('en-CA', { timeZone: MEETING_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
		startsAt
	);
	return `convocazione-${fileSlug(table, 'tavolo')}-${day}.${format}`;
}

function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

interface Mailing {
	meeting: MeetingRow;
	recipients: Array<{
		name: string;
		email: string;
		userId: string | null;
		role: TableRole | null;
		/** Someone from outside the table: their category, body, and the invitation whose link the mail carries. */
		external?: PreparedRecipient;
	}>;
	/** Who signs: the calendar's ORGANIZER and the mail's Reply-To, so answers reach a person. */
	organizer: { name: string; email: string };
	/** The calendar event's description (the mail's subject and the meeting's link). */
	description: string;
	/** REQUEST: the invitation or its update; CANCEL: the meeting was called off. */
	method: 'REQUEST' | 'CANCEL';
}

/**
 * Sends one mail per recipient with the meeting's calendar event (its current SEQUENCE); a
 * refusal is reported for that recipient and the rest go on. Whoever was sent an invitation is
 * recorded: they get the meeting's later updates and its cancellation (notifyConvened).
 */
async function mailEach(
	deps: Pick<ConvocationDeps, 'db' | 'mailer' | 'logger' | 'baseUrl'>,
	mailing: Mailing,
	mail: { subject: string; text: string },
	onProgress?: (progress: SendProgress) => void
): Promise<SendSummary> {
	const { meeting, recipients, organizer } = mailing;
	const url = meetingUrl(deps.baseUrl, meeting.id);
	const host = new URL(deps.baseUrl).hostname;
	const summary: SendSummary = { transport: deps.mailer.transport, total: recipients.length, sent: 0, failed: [] };
	for (const recipient of recipients) {
		try {
			const event = {
				meetingId: meeting.id,
				title: meeting.title,
				description: `${mailing.description}\n\n${url}`,
				startsAt: new Date(meeting.starts_at),
				endsAt: new Date(meeting.ends_at),
				location: meeting.video_url ?? url,
				url,
				organizer: { name: organizer.name, email: organizer.email || `tavolo@${host}` },
				attendee: { name: recipient.name, email: recipient.email, optional: recipient.role === 'observer' },
				host,
				sequence: meeting.calendar_sequence
			};
			const ics = mailing.method === 'CANCEL' ? cancellationIcs(event) : invitationIcs(event);
			await deps.mailer.send({
				to: { name: recipient.name, email: recipient.email },
				...(organizer.email ? { replyTo: { name: organizer.name, email: organizer.email } } : {}),
				subject: mail.subject,
				text: recipient.external ? `${mail.text}\n${externalNote(recipient.external)}\n` : mail.text,
				icalEvent: { filename: mailing.method === 'CANCEL' ? 'annullamento.ics' : 'invito.ics', method: mailing.method, content: ics }
			});
			summary.sent += 1;
			if (mailing.method === 'REQUEST') {
				await deps.db
					.insertInto('convocation_recipients')
					.values({
						meeting_id: meeting.id,
						email: recipient.email,
						name: recipient.name,
						user_id: recipient.userId,
						category_id: recipient.external?.categoryId ?? null,
						represented_body: recipient.external?.representedBody ?? ''
					})
					.onConflict((oc) => oc.columns(['meeting_id', 'email']).doNothing())
					.execute();
			}
			if (recipient.external) await recordInvitationMail(deps.db, recipient.external.invitationId, 'sent', null);
		} catch (error) {
			deps.logger.error({ err: error, meetingId: meeting.id, to: recipient.email }, 'a convocation mail was not sent');
			summary.failed.push({ name: recipient.name, email: recipient.email, error: errorText(error) });
			if (recipient.external)
				await recordInvitationMail(deps.db, recipient.external.invitationId, 'failed', errorText(error).slice(0, 500)).catch(() => {});
		}
		onProgress?.({ done: summary.sent + summary.failed.length, total: summary.total, sent: summary.sent, failed: summary.failed.length });
	}
	return summary;
}

/** What an external recipient's mail adds: their personal link to join the table, and until when it works. */
function externalNote(recipient: PreparedRecipient): string {
	return m.orgx_external_mail_link({ url: recipient.url, date: formatRomeDate(recipient.expiresAt) });
}

/** The mailing of a convocation or reminder: every member, the invitation as the meeting is now. */
function letterMailing(context: LetterContext): Mailing {
	return {
		meeting: context.meeting,
		recipients: context.recipients,
		organizer: context.coordinator,
		description: context.letter.subject,
		method: 'REQUEST'
	};
}

/**
 * Tells whoever was sent the meeting's calendar invitation (convocation_recipients) that it
 * changed (REQUEST, the same UID with the meeting's raised SEQUENCE) or was cancelled (CANCEL),
 * with a short mail saying so. A meeting never convened mails nobody.
 */
export async function notifyConvened(
	deps: Pick<ConvocationDeps, 'db' | 'mailer' | 'logger' | 'baseUrl'>,
	meeting: MeetingRow,
	organizer: { name: string; email: string },
	notice: { method: 'REQUEST' | 'CANCEL'; subject: string; text: string }
): Promise<SendSummary> {
	// Their role now (an observer stays optional in the updated event); null for an address that
	// is no longer, or never was, a member's.
	const convened = await deps.db
		.selectFrom('convocation_recipients')
		.leftJoin('memberships', (join) =>
			join.onRef('memberships.user_id', '=', 'convocation_recipients.user_id').on('memberships.table_id', '=', meeting.table_id)
		)
		.select(['convocation_recipients.name', 'convocation_recipients.email', 'convocation_recipients.user_id', 'memberships.role'])
		.where('convocation_recipients.meeting_id', '=', meeting.id)
		.orderBy('convocation_recipients.name')
		.execute();
	const url = meetingUrl(deps.baseUrl, meeting.id);
	return mailEach(
		deps,
		{
			meeting,
			recipients: convened.map((r) => ({ name: r.name, email: r.email, userId: r.user_id, role: r.role })),
			organizer,
			description: notice.subject,
			method: notice.method
		},
		{ subject: notice.subject, text: `${notice.text}\n\n${m.convocation_mail_link({ url })}\n` }
	);
}

/**
 * `POST /api/v1/meetings/:id/convocation/send [{subject, body}]`: saves the letter if given, then
 * mails it to every member of the table with the calendar invitation. Recorded in the audit log.
 */
export async function sendConvocation(
	deps: ConvocationDeps,
	user: SessionUser,
	meetingId: string,
	input: unknown,
	onProgress?: (progress: SendProgress) => void
): Promise<SendSummary> {
	const { meeting } = await accessMeeting(deps.db, user, meetingId, conveneAction);
	// Called off: an invitation now would put back in calendars what the cancellation took out.
	if (meeting.status === 'cancelled') throw new AppError('meeting_cancelled');
	// Everything is checked before anything is written or mailed: the letter, then the recipients
	// from outside the table (a refusal of one refuses the send).
	const given = input && typeof input === 'object' && ('subject' in input || 'body' in input);
	if (given) parseInput(letterInput, input);
	const external = await checkExternalRecipients(deps.db, meeting.table_id, input, deps.external?.maxRecipients ?? 200);
	if (given) await saveConvocation(deps, user, meetingId, input);
	const context = await loadLetter(
		deps,
		meeting,
		{ name: user.name, email: user.email },
		external.map((r) => r.categoryId)
	);
	const prepared = await prepareInvitations(deps.db, user, meeting.table_id, external, {
		origin: deps.baseUrl.replace(/\/$/, ''),
		invitationDays: deps.external?.invitationDays ?? 14
	});
	const mailing = letterMailing(context);
	mailing.recipients = [
		...mailing.recipients,
		...prepared.map((r) => ({ name: r.name, email: r.email, userId: null, role: r.role, external: r }))
	];
	const url = meetingUrl(deps.baseUrl, meetingId);
	const summary = await mailEach(
		deps,
		mailing,
		{
			subject: context.letter.subject,
			text: `${withProtocol(context.letter.body, context.protocolNumber)}\n\n${m.convocation_mail_link({ url })}\n`
		},
		onProgress
	);
	await deps.db
		.insertInto('convocations')
		.values({ meeting_id: meetingId, sent_at: sql`now()`, updated_by: user.id })
		.onConflict((oc) => oc.column('meeting_id').doUpdateSet({ sent_at: sql`now()` }))
		.execute();
	// The letter is the e-mail: the notification is for the app.
	await notify(deps.notifications, {
		kind: 'meeting_convened',
		tableId: context.meeting.table_id,
		subjectId: meetingId,
		actor: user,
		recipients: 'members',
		payload: { title: context.meeting.title, startsAt: new Date(context.meeting.starts_at).toISOString() },
		byMail: false
	});
	await recordAudit(deps.db, {
		tableId: context.meeting.table_id,
		actor: user,
		action: 'convocation.send',
		subjectId: meetingId,
		subjectLabel: context.meeting.title,
		details: {
			total: summary.total,
			sent: summary.sent,
			failed: summary.failed.length,
			transport: summary.transport,
			external: prepared.length
		}
	});
	return summary;
}

/** How far ahead of a meeting its reminder goes out. */
export const reminderLeadMs = 24 * 60 * 60 * 1000;

/**
 * The day-before reminder: every planned meeting starting within the next 24 hours whose
 * convocation was sent and whose reminder has not gone out. A meeting never convened is not
 * reminded: a reminder would be the first its people hear of it, without the letter. Each meeting is claimed (reminder_sent_at set) before its mails are sent, so
 * two nodes, or two runs, never remind twice; a crash mid-send leaves some unreminded rather than
 * reminded twice. Returns the meetings reminded.
 */
export async function sendDueReminders(deps: Omit<ConvocationDeps, 'heavy'>, now = new Date()): Promise<string[]> {
	const due = await deps.db
		.selectFrom('meetings')
		.leftJoin('convocations', 'convocations.meeting_id', 'meetings.id')
		.selectAll('meetings')
		.where('meetings.status', '=', 'planned')
		.where('meetings.starts_at', '>', now)
		.where('meetings.starts_at', '<=', new Date(now.getTime() + reminderLeadMs))
		.where('convocations.sent_at', 'is not', null)
		.where('convocations.reminder_sent_at', 'is', null)
		.orderBy('meetings.starts_at')
		.execute();
	const reminded: string[] = [];
	for (const meeting of due) {
		const claimed = await deps.db
			.insertInto('convocations')
			.values({ meeting_id: meeting.id, reminder_sent_at: sql`now()` })
			.onConflict((oc) =>
				oc
					.column('meeting_id')
					.doUpdateSet({ reminder_sent_at: sql`now()` })
					.where('convocations.reminder_sent_at', 'is', null)
			)
			.returning('meeting_id')
			.executeTakeFirst();
		if (!claimed) continue;
		const context = await loadLetter(deps, meeting, null);
		const url = meetingUrl(deps.baseUrl, meeting.id);
		const starts = new Date(meeting.starts_at);
		const summary = await mailEach(deps, letterMailing(context), {
			subject: m.convocation_reminder_subject({ title: meeting.title, date: formatRomeDate(starts), time: formatRomeTime(starts) }),
			text: `${m.convocation_reminder_intro({ title: meeting.title, date: formatRomeDate(starts), time: formatRomeTime(starts) })}\n\n${meeting.video_url ? `${m.convocation_reminder_video({ url: meeting.video_url })}\n` : ''}${m.convocation_mail_link({ url })}\n\n---\n\n${context.letter.body}\n`
		});
		await recordAudit(deps.db, {
			tableId: meeting.table_id,
			actor: null,
			action: 'convocation.reminder',
			subjectId: meeting.id,
			subjectLabel: meeting.title,
			details: { total: summary.total, sent: summary.sent, failed: summary.failed.length, transport: summary.transport }
		});
		deps.logger.info({ meetingId: meeting.id, sent: summary.sent, failed: summary.failed.length }, 'meeting reminder sent');
		reminded.push(meeting.id);
	}
	return reminded;
}
