import { z } from 'zod';
import type { Logger } from 'pino';
import type { Db } from '../db/connect.ts';
import type { SessionUser } from '../auth/sessions.ts';
import type { RequestLimiter } from '../auth/login-limiter.ts';
import type { Mailer } from '../mail/mailer.ts';
import { authorizeGlobal } from '../authz/access.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { parseInput, textLimits } from '../validation.ts';
import { feedbackLimits } from '../../accessibility/statement.ts';

/**
 * The feedback channel of the accessibility statement (Legge 4/2004 and AgID's guidelines: the
 * "meccanismo di feedback"). Anyone may report a problem, signed in or not; every admin is told
 * by e-mail and answers within 30 days, then marks the report handled.
 */

export type FeedbackStatus = 'open' | 'handled';

export interface AccessibilityFeedback {
	id: string;
	createdAt: string;
	userId: string | null;
	name: string;
	email: string;
	page: string;
	message: string;
	status: FeedbackStatus;
	handledAt: string | null;
}

const email = z.string().trim().toLowerCase().max(textLimits.email);

/** Signed in, the account's address answers when none is typed; signed out, one is needed. */
function feedbackInput(signedIn: boolean) {
	return z.object({
		name: z.string().trim().max(textLimits.name).default(''),
		email: signedIn
			? email.default('').refine((value) => value === '' || z.email().safeParse(value).success, { params: { problem: 'invalid_email' } })
			: email.min(1).pipe(z.email()),
		page: z.string().trim().max(feedbackLimits.page).default(''),
		message: z.string().trim().min(1).max(feedbackLimits.message)
	});
}

export interface FeedbackDeps {
	db: Db;
	mailer: Mailer;
	logger: Pick<Logger, 'error'>;
	/** Reports per client address (TAVOLO_ACCESSIBILITY_FEEDBACK_MAX_PER_ADDRESS). */
	accessibilityFeedbackLimiter: RequestLimiter;
}

/**
 * Validates and stores one report, then e-mails every admin. Only a valid report counts against
 * the per-address cap: someone correcting a refused form is not locked out by their own typos.
 * The report is stored before any mail goes out, so a mail server that fails loses nothing.
 */
export async function submitAccessibilityFeedback(
	deps: FeedbackDeps,
	user: SessionUser | null,
	input: unknown,
	request: { address: string; origin: string }
): Promise<{ id: string }> {
	const data = parseInput(feedbackInput(user !== null), input);
	await deps.accessibilityFeedbackLimiter.consume(request.address);
	const row = {
		id: newId(),
		user_id: user?.id ?? null,
		name: data.name || user?.name || '',
		email: data.email || user?.email || '',
		page: data.page,
		message: data.message
	};
	await deps.db.insertInto('accessibility_feedback').values(row).execute();
	await notifyAdmins(deps, row, request.origin);
	return { id: row.id };
}

async function notifyAdmins(
	deps: FeedbackDeps,
	report: { id: string; name: string; email: string; page: string; message: string },
	origin: string
): Promise<void> {
	const admins = await deps.db.selectFrom('users').select(['name', 'email']).where('is_admin', '=', true).execute();
	// Admins run the deployment and read its mails in Italian, like every other mail Tavolo sends.
	const text = [
		'È arrivata una segnalazione dalla dichiarazione di accessibilità di Tavolo.',
		'',
		`Da: ${report.name || '(nome non indicato)'} <${report.email}>`,
		`Pagina: ${report.page || '(non indicata)'}`,
		'',
		report.message,
		'',
		'Le linee guida AgID chiedono una risposta entro 30 giorni. Rispondi all’indirizzo indicato,',
		`poi segna la segnalazione come gestita: ${origin}/admin/accessibility-feedback`
	].join('\n');
	const results = await Promise.allSettled(
		admins.map((admin) =>
			deps.mailer.send({ to: { name: admin.name, email: admin.email }, subject: 'Nuova segnalazione di accessibilità · Tavolo', text })
		)
	);
	for (const result of results) {
		if (result.status === 'rejected')
			deps.logger.error({ err: result.reason, feedbackId: report.id }, 'accessibility feedback mail not sent');
	}
}

function toFeedback(row: {
	id: string;
	created_at: Date;
	user_id: string | null;
	name: string;
	email: string;
	page: string;
	message: string;
	status: FeedbackStatus;
	handled_at: Date | null;
}): AccessibilityFeedback {
	return {
		id: row.id,
		createdAt: row.created_at.toISOString(),
		userId: row.user_id,
		name: row.name,
		email: row.email,
		page: row.page,
		message: row.message,
		status: row.status,
		handledAt: row.handled_at?.toISOString() ?? null
	};
}

/** Every report for an admin: open ones first, newest first within each (at most 500). */
export async function listAccessibilityFeedback(db: Db, user: SessionUser): Promise<AccessibilityFeedback[]> {
	authorizeGlobal(user, 'accessibility_feedback.manage');
	const rows = await db
		.selectFrom('accessibility_feedback')
		.selectAll()
		.orderBy('status', 'desc')
		.orderBy('created_at', 'desc')
		.orderBy('id')
		.limit(500)
		.execute();
	return rows.map(toFeedback);
}

/** How many reports wait for an answer: the admin page's link shows it. */
export async function countOpenAccessibilityFeedback(db: Db, user: SessionUser): Promise<number> {
	authorizeGlobal(user, 'accessibility_feedback.manage');
	const row = await db
		.selectFrom('accessibility_feedback')
		.select((eb) => eb.fn.countAll<string>().as('count'))
		.where('status', '=', 'open')
		.executeTakeFirstOrThrow();
	return Number(row.count);
}

/** An admin answered the report (outside Tavolo, by e-mail): it leaves the open list. */
export async function markAccessibilityFeedbackHandled(db: Db, user: SessionUser, id: unknown): Promise<AccessibilityFeedback> {
	authorizeGlobal(user, 'accessibility_feedback.manage');
	const feedbackId = parseInput(z.string().trim().min(1).max(64), id);
	const row = await db
		.updateTable('accessibility_feedback')
		.set({ status: 'handled', handled_at: new Date() })
		.where('id', '=', feedbackId)
		.returningAll()
		.executeTakeFirst();
	if (!row) throw new AppError('not_found');
	return toFeedback(row);
}

/**
 * The body named as responsible on the statement: the deployment's organisation when one has
 * been set up, else null (the page then speaks of "the body running this service"). Issue 14
 * adds real organisation settings; until then the row holds only a name.
 */
export async function statementOrganization(db: Db): Promise<string | null> {
	const row = await db.selectFrom('organizations').select('name').orderBy('created_at').executeTakeFirst();
	// 'Tavolo' is the placeholder ensureDefaultProgramme writes (the product, not a body).
	if (!row || row.name === 'Tavolo') return null;
	return row.name;
}
