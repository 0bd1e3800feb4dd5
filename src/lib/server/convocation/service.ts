import { sql } from 'kysely';
import * as Y from 'yjs';
import { z } from 'zod';
import type { Logger } from 'pino';
import { m } from '$lib/paraglide/messages.js';
import { formatRomeDate, formatRomeTime } from '$lib/meetings/rome-time.ts';
import { categoryLabel } from '$lib/tables/labels.ts';
import { buildDocx } from '$lib/documents/docx-export.ts';
import { buildPdf } from '$lib/documents/pdf-export.ts';
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
import { readAgenda } from '../../agenda/agenda-doc.ts';
import { agendaDocName } from '../../realtime/doc-names.ts';
import { composeLetter, letterJson, type Letter } from './letter.ts';
import { invitationIcs } from './calendar.ts';

export interface ConvocationDeps {
	db: Db;
	mailer: Mailer;
	logger: Pick<Logger, 'error' | 'info'>;
	/** The public URL links in mails point to (ORIGIN, or the address the app answers on). */
	baseUrl: string;
	live?: LiveDocuments;
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
	recipients: Recipient[];
	transport: Mailer['transport'];
	sentAt: Date | null;
	reminderSentAt: Date | null;
}

export const letterLimits = { subject: 300, body: 20_000 } as const;

export const letterInput = z.object({
	subject: z.string().trim().min(1).max(letterLimits.subject),
	body: z.string().trim().min(1).max(letterLimits.body)
});

/** Convening a meeting is the coordinators' work, like scheduling it. */
const conveneAction = 'meeting.create';

interface LetterContext {
	meeting: MeetingRow;
	letter: Letter;
	edited: boolean;
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
	deps: Pick<ConvocationDeps, 'db' | 'baseUrl' | 'live'>,
	meeting: MeetingRow,
	signer: { name: string; email: string } | null
): Promise<LetterContext> {
	const { db } = deps;
	const table = await findTableHeading(db, meeting.table_id);
	await deps.live?.flush();
	const [categories, expected, members, saved, agendaState] = await Promise.all([
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
		loadDocumentState(db, agendaDocName(meeting.id))
	]);
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
	const agenda = readAgenda(agendaDoc)
		.map((item) => item.title)
		.filter(Boolean);
	agendaDoc.destroy();

	const generated = composeLetter({
		organization: table.organization,
		programme: table.programme,
		table: { name: table.name, territory: table.territory },
		meeting: {
			title: meeting.title,
			startsAt: new Date(meeting.starts_at),
			endsAt: new Date(meeting.ends_at),
			videoUrl: meeting.video_url
		},
		meetingUrl: meetingUrl(deps.baseUrl, meeting.id),
		recipientCategories: categories.filter((c) => members.some((r) => r.category_id === c.id)).map(categoryLabel),
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
		recipients: context.recipients,
		transport: deps.mailer.transport,
		sentAt: context.sentAt,
		reminderSentAt: context.reminderSentAt
	};
}

/** `PUT /api/v1/meetings/:id/convocation {subject, body}`: keeps the coordinator's edits. */
export async function saveConvocation(deps: ConvocationDeps, user: SessionUser, meetingId: string, input: unknown): Promise<Letter> {
	await accessMeeting(deps.db, user, meetingId, conveneAction);
	const letter = parseInput(letterInput, input);
	await deps.db
		.insertInto('convocations')
		.values({ meeting_id: meetingId, subject: letter.subject, body: letter.body, updated_by: user.id })
		.onConflict((oc) =>
			oc.column('meeting_id').doUpdateSet({ subject: letter.subject, body: letter.body, updated_by: user.id, updated_at: sql`now()` })
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
	const { letter, meeting } = await accessLetter(deps, user, meetingId);
	const origin = await deps.db
		.selectFrom('tables')
		.innerJoin('programmes', 'programmes.id', 'tables.programme_id')
		.innerJoin('organizations', 'organizations.id', 'programmes.organization_id')
		.select(['tables.name as table', 'programmes.name as programme', 'organizations.name as organization'])
		.where('tables.id', '=', meeting.table_id)
		.executeTakeFirstOrThrow();
	// The sender's name heads the page like a letterhead; the subject is in the text.
	const meta = {
		...origin,
		title: origin.organization,
		versionLabel: m.convocation_export_label({ table: origin.table }),
		pageTemplate: m.export_page({ page: '{page}', pages: '{pages}' })
	};
	const json = letterJson(letter.body);
	const body = parsed.data === 'docx' ? await buildDocx(json, meta) : await buildPdf(json, meta);
	return { filename: `convocazione-${meeting.id}.${parsed.data}`, contentType: contentTypes[parsed.data], body };
}

function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** Sends one mail per recipient; a refusal is reported for that recipient and the rest go on. */
async function mailEach(
	deps: ConvocationDeps,
	context: LetterContext,
	mail: { subject: string; text: string },
	onProgress?: (progress: SendProgress) => void
): Promise<SendSummary> {
	const { meeting, recipients, coordinator } = context;
	const url = meetingUrl(deps.baseUrl, meeting.id);
	const summary: SendSummary = { transport: deps.mailer.transport, total: recipients.length, sent: 0, failed: [] };
	for (const recipient of recipients) {
		try {
			const ics = invitationIcs({
				meetingId: meeting.id,
				title: meeting.title,
				description: `${context.letter.subject}\n\n${url}`,
				startsAt: new Date(meeting.starts_at),
				endsAt: new Date(meeting.ends_at),
				location: meeting.video_url ?? url,
				url,
				organizer: { name: coordinator.name, email: coordinator.email || `tavolo@${new URL(deps.baseUrl).hostname}` },
				attendee: { name: recipient.name, email: recipient.email },
				host: new URL(deps.baseUrl).hostname
			});
			await deps.mailer.send({
				to: { name: recipient.name, email: recipient.email },
				subject: mail.subject,
				text: mail.text,
				icalEvent: { filename: 'invito.ics', method: 'REQUEST', content: ics }
			});
			summary.sent += 1;
		} catch (error) {
			deps.logger.error({ err: error, meetingId: meeting.id, to: recipient.email }, 'a convocation mail was not sent');
			summary.failed.push({ name: recipient.name, email: recipient.email, error: errorText(error) });
		}
		onProgress?.({ done: summary.sent + summary.failed.length, total: summary.total, sent: summary.sent, failed: summary.failed.length });
	}
	return summary;
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
	const given = input && typeof input === 'object' && ('subject' in input || 'body' in input);
	if (given) await saveConvocation(deps, user, meetingId, input);
	const context = await accessLetter(deps, user, meetingId);
	const url = meetingUrl(deps.baseUrl, meetingId);
	const summary = await mailEach(
		deps,
		context,
		{ subject: context.letter.subject, text: `${context.letter.body}\n\n${m.convocation_mail_link({ url })}\n` },
		onProgress
	);
	await deps.db
		.insertInto('convocations')
		.values({ meeting_id: meetingId, sent_at: sql`now()`, updated_by: user.id })
		.onConflict((oc) => oc.column('meeting_id').doUpdateSet({ sent_at: sql`now()` }))
		.execute();
	await recordAudit(deps.db, {
		tableId: context.meeting.table_id,
		actor: user,
		action: 'convocation.send',
		subjectId: meetingId,
		subjectLabel: context.meeting.title,
		details: { total: summary.total, sent: summary.sent, failed: summary.failed.length, transport: summary.transport }
	});
	return summary;
}

/** How far ahead of a meeting its reminder goes out. */
export const reminderLeadMs = 24 * 60 * 60 * 1000;

/**
 * The day-before reminder: every planned meeting starting within the next 24 hours whose reminder
 * has not gone out. Each meeting is claimed (reminder_sent_at set) before its mails are sent, so
 * two nodes, or two runs, never remind twice; a crash mid-send leaves some unreminded rather than
 * reminded twice. Returns the meetings reminded.
 */
export async function sendDueReminders(deps: ConvocationDeps, now = new Date()): Promise<string[]> {
	const due = await deps.db
		.selectFrom('meetings')
		.leftJoin('convocations', 'convocations.meeting_id', 'meetings.id')
		.selectAll('meetings')
		.where('meetings.status', '=', 'planned')
		.where('meetings.starts_at', '>', now)
		.where('meetings.starts_at', '<=', new Date(now.getTime() + reminderLeadMs))
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
		const summary = await mailEach(deps, context, {
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
