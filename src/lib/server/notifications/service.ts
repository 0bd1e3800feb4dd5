import { z } from 'zod';
import type { Logger } from 'pino';
import { m } from '$lib/paraglide/messages.js';
import { notificationText } from '$lib/notifications/text.ts';
import type { Db } from '../db/connect.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { MeetingBroadcaster } from '../live/broadcaster.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { newId } from '../ids.ts';
import { parseInput } from '../validation.ts';
import { lastDigestInstant } from './digest-time.ts';
import {
	notificationEmailModes,
	notificationHref,
	type NotificationEmailMode,
	type NotificationKind,
	type NotificationList,
	type NotificationPayload,
	type NotificationView
} from '../../domain/notifications.ts';

/**
 * What recording and delivering notifications needs. The services whose changes notify people
 * take it as an optional dependency (absent in scripts and service tests: nobody is told).
 */
export interface NotificationDeps {
	db: Db;
	mailer: Mailer;
	logger: Pick<Logger, 'error' | 'info'>;
	/** The public URL the links in mails point to. */
	baseUrl: string;
	/** Tells each recipient's open tabs their new unread count (socket.io room `user:<id>`). */
	broadcaster?: Pick<MeetingBroadcaster, 'toUser'>;
}

/** Most notifications `GET /api/v1/notifications` lists (newest first); the count covers them all. */
export const defaultNotificationListMax = 50;
/** Most ids one `POST /api/v1/notifications/read` names. */
export const readIdsMax = 1000;

export interface NotificationEvent {
	kind: NotificationKind;
	tableId: string;
	/** The document or meeting it is about (the table itself for an accepted invitation). */
	subjectId: string;
	/** Who did it: never notified of their own act. Null for the system. */
	actor: Pick<SessionUser, 'id' | 'name'> | null;
	/** Given user ids, every member, or the table's coordinators; only current members are ever told. */
	recipients: readonly string[] | 'members' | 'coordinators';
	payload: Omit<NotificationPayload, 'actorName' | 'tableTitle'>;
	/**
	 * False when the event has mails of its own (a convocation, its change or cancellation, with
	 * the calendar invitation, to whoever was convened): the notification is for the app only.
	 */
	byMail?: boolean;
}

interface Recipient {
	id: string;
	name: string;
	email: string;
	mode: NotificationEmailMode;
}

/** The table's members among `event.recipients`, less the actor, with their e-mail preference. */
async function resolveRecipients(db: Db, event: NotificationEvent): Promise<Recipient[]> {
	if (Array.isArray(event.recipients) && event.recipients.length === 0) return [];
	let query = db
		.selectFrom('memberships')
		.innerJoin('users', 'users.id', 'memberships.user_id')
		.leftJoin('notification_settings', 'notification_settings.user_id', 'users.id')
		.select(['users.id', 'users.name', 'users.email', 'notification_settings.email_mode'])
		.where('memberships.table_id', '=', event.tableId);
	if (event.recipients === 'coordinators') query = query.where('memberships.role', '=', 'coordinator');
	else if (Array.isArray(event.recipients)) query = query.where('users.id', 'in', [...new Set(event.recipients)]);
	if (event.actor) query = query.where('users.id', '!=', event.actor.id);
	const rows = await query.execute();
	return rows.map((row) => ({ id: row.id, name: row.name, email: row.email, mode: row.email_mode ?? 'immediate' }));
}

function toView(row: {
	id: string;
	kind: NotificationKind;
	table_id: string;
	subject_id: string;
	payload: NotificationPayload;
	created_at: Date;
	read_at: Date | null;
}): NotificationView {
	return {
		id: row.id,
		kind: row.kind,
		tableId: row.table_id,
		subjectId: row.subject_id,
		// jsonb comes back parsed from node-postgres, as text from some drivers.
		payload: typeof row.payload === 'string' ? (JSON.parse(row.payload) as NotificationPayload) : row.payload,
		href: notificationHref(row.kind, row.table_id, row.subject_id),
		createdAt: new Date(row.created_at).toISOString(),
		readAt: row.read_at ? new Date(row.read_at).toISOString() : null
	};
}

async function unreadCounts(db: Db, userIds: readonly string[]): Promise<Map<string, number>> {
	const counts = new Map<string, number>(userIds.map((id) => [id, 0]));
	if (userIds.length === 0) return counts;
	const rows = await db
		.selectFrom('notifications')
		.select(['user_id', db.fn.countAll<string>().as('count')])
		.where('user_id', 'in', [...userIds])
		.where('read_at', 'is', null)
		.groupBy('user_id')
		.execute();
	for (const row of rows) counts.set(row.user_id, Number(row.count));
	return counts;
}

/** Each user's open tabs hear their unread count (the bell updates without a reload). */
async function announceUnread(deps: Pick<NotificationDeps, 'db' | 'broadcaster'>, userIds: readonly string[]): Promise<void> {
	if (!deps.broadcaster || userIds.length === 0) return;
	for (const [userId, unread] of await unreadCounts(deps.db, userIds)) {
		deps.broadcaster.toUser(userId, 'notifications:changed', { unread });
	}
}

function settingsLink(baseUrl: string): string {
	return new URL('/account', baseUrl).toString();
}

function itemLines(baseUrl: string, view: NotificationView): string[] {
	const lines = [notificationText(view.kind, view.payload)];
	if (view.payload.excerpt) lines.push(`«${view.payload.excerpt}»`);
	if (view.payload.reason) lines.push(m.notif_mail_reason({ reason: view.payload.reason }));
	lines.push(new URL(view.href, baseUrl).toString());
	return lines;
}

/** One notification's own mail ('immediate'). */
function immediateMail(baseUrl: string, view: NotificationView) {
	return {
		subject: m.notif_mail_subject({ text: notificationText(view.kind, view.payload) }),
		text: `${itemLines(baseUrl, view).join('\n')}\n\n---\n${m.notif_mail_footer({ url: settingsLink(baseUrl) })}\n`
	};
}

/**
 * Records one notification for each member the event concerns (never the actor, never someone
 * outside the table), then mails at once those who want it so and tells their open tabs. Called
 * by the service that changed the state, right after its transaction committed. A failure here
 * is logged and swallowed: the change it reports has happened and must be answered as done.
 */
export async function notify(deps: NotificationDeps | undefined, event: NotificationEvent): Promise<void> {
	if (!deps) return;
	try {
		await record(deps, event);
	} catch (error) {
		deps.logger.error({ err: error, kind: event.kind, subjectId: event.subjectId }, 'notifications were not recorded');
	}
}

async function record(deps: NotificationDeps, event: NotificationEvent): Promise<void> {
	const recipients = await resolveRecipients(deps.db, event);
	if (recipients.length === 0) return;
	const table = await deps.db.selectFrom('tables').select('name').where('id', '=', event.tableId).executeTakeFirst();
	const payload: NotificationPayload = {
		...event.payload,
		...(event.actor ? { actorName: event.actor.name } : {}),
		tableTitle: table?.name ?? ''
	};
	const rows = await deps.db
		.insertInto('notifications')
		.values(
			recipients.map((recipient) => ({
				id: newId(),
				user_id: recipient.id,
				kind: event.kind,
				table_id: event.tableId,
				subject_id: event.subjectId,
				actor_id: event.actor?.id ?? null,
				payload: JSON.stringify(payload),
				mail_state: recipient.mode === 'none' || event.byMail === false ? ('skipped' as const) : ('pending' as const)
			}))
		)
		.returningAll()
		.execute();
	await announceUnread(
		deps,
		recipients.map((r) => r.id)
	);
	const byId = new Map(recipients.map((r) => [r.id, r]));
	for (const row of rows) {
		const recipient = byId.get(row.user_id)!;
		if (row.mail_state !== 'pending' || recipient.mode !== 'immediate') continue;
		await mailNow(deps, recipient, toView(row));
	}
}

/** Claims the row (pending → sent) and mails it; a refused mail goes back to pending for the day's run. */
async function mailNow(deps: NotificationDeps, recipient: Recipient, view: NotificationView): Promise<void> {
	const claimed = await deps.db
		.updateTable('notifications')
		.set({ mail_state: 'sent' })
		.where('id', '=', view.id)
		.where('mail_state', '=', 'pending')
		.returning('id')
		.executeTakeFirst();
	if (!claimed) return;
	try {
		await deps.mailer.send({ to: { name: recipient.name, email: recipient.email }, ...immediateMail(deps.baseUrl, view) });
	} catch (error) {
		deps.logger.error({ err: error, notificationId: view.id }, 'a notification mail was not sent; the daily run tries again');
		await deps.db.updateTable('notifications').set({ mail_state: 'pending' }).where('id', '=', view.id).execute();
	}
}

/** `GET /api/v1/notifications`: the newest `max` of the caller's, and how many are unread in all. */
export async function listNotifications(db: Db, user: SessionUser, max = defaultNotificationListMax): Promise<NotificationList> {
	const [rows, counts] = await Promise.all([
		db
			.selectFrom('notifications')
			.select(['id', 'kind', 'table_id', 'subject_id', 'payload', 'created_at', 'read_at'])
			.where('user_id', '=', user.id)
			.orderBy('created_at', 'desc')
			.orderBy('id', 'desc')
			.limit(max)
			.execute(),
		unreadCounts(db, [user.id])
	]);
	return { notifications: rows.map(toView), unread: counts.get(user.id) ?? 0 };
}

/** The bell's count alone (the header's first paint). */
export async function countUnread(db: Db, userId: string): Promise<number> {
	return (await unreadCounts(db, [userId])).get(userId) ?? 0;
}

export const markReadInput = z.object({
	/** Absent: every notification of the caller. */
	ids: z.array(z.string().trim().min(1).max(64)).min(1).max(readIdsMax).optional()
});

/**
 * `POST /api/v1/notifications/read {ids?}`: marks the caller's own notifications read (all of
 * them without ids). Ids of someone else's, or unknown, match nothing and change nothing; marking
 * twice, or from two sessions at once, is the same as once. Returns how many changed and the
 * count left; the caller's other tabs hear it.
 */
export async function markNotificationsRead(
	deps: Pick<NotificationDeps, 'db' | 'broadcaster'>,
	user: SessionUser,
	input: unknown
): Promise<{ marked: number; unread: number }> {
	const { ids } = parseInput(markReadInput, input ?? {});
	let query = deps.db.updateTable('notifications').set({ read_at: new Date() }).where('user_id', '=', user.id).where('read_at', 'is', null);
	if (ids) query = query.where('id', 'in', [...new Set(ids)]);
	const result = await query.executeTakeFirst();
	const marked = Number(result.numUpdatedRows);
	const unread = await countUnread(deps.db, user.id);
	if (marked > 0) deps.broadcaster?.toUser(user.id, 'notifications:changed', { unread });
	return { marked, unread };
}

export const emailModeInput = z.object({ emailMode: z.enum(notificationEmailModes) });

export async function getEmailMode(db: Db, userId: string): Promise<NotificationEmailMode> {
	const row = await db.selectFrom('notification_settings').select('email_mode').where('user_id', '=', userId).executeTakeFirst();
	return row?.email_mode ?? 'immediate';
}

/**
 * The caller's e-mail preference. Choosing 'none' lets go of what was waiting for a mail (it stays
 * in the app); from 'none' back to e-mail, only what happens next is mailed.
 */
export async function setEmailMode(db: Db, user: SessionUser, input: unknown): Promise<NotificationEmailMode> {
	const { emailMode } = parseInput(emailModeInput, input);
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('notification_settings')
			.values({ user_id: user.id, email_mode: emailMode })
			.onConflict((oc) => oc.column('user_id').doUpdateSet({ email_mode: emailMode, updated_at: new Date() }))
			.execute();
		if (emailMode === 'none') {
			await trx
				.updateTable('notifications')
				.set({ mail_state: 'skipped' })
				.where('user_id', '=', user.id)
				.where('mail_state', '=', 'pending')
				.execute();
		}
	});
	return emailMode;
}

/**
 * The daily digest: at `hour` o'clock (Rome time) each user who asked for one (or whose immediate
 * mail was refused) gets one mail listing what waited for a mail until then; at most one a day,
 * and a run at any other time sends only what an earlier day's run missed (the process was down). The user is claimed (digest_sent_at) before the mail is
 * sent, so two nodes or two runs never send two; a refused mail gives the claim and the rows back.
 * Returns the ids of the users mailed. Called by the server's scheduler, and by tests directly.
 */
export async function sendNotificationDigests(
	deps: Pick<NotificationDeps, 'db' | 'mailer' | 'logger' | 'baseUrl'>,
	options: { hour: number; now?: Date }
): Promise<string[]> {
	const now = options.now ?? new Date();
	const dayStart = lastDigestInstant(now, options.hour);
	const due = await deps.db
		.selectFrom('notifications')
		.innerJoin('users', 'users.id', 'notifications.user_id')
		.leftJoin('notification_settings', 'notification_settings.user_id', 'users.id')
		.select(['users.id', 'users.name', 'users.email', 'notification_settings.digest_sent_at'])
		.distinct()
		.where('notifications.mail_state', '=', 'pending')
		.where('notifications.created_at', '<', dayStart)
		.where((eb) => eb.or([eb('notification_settings.email_mode', 'is', null), eb('notification_settings.email_mode', '!=', 'none')]))
		.where((eb) =>
			eb.or([eb('notification_settings.digest_sent_at', 'is', null), eb('notification_settings.digest_sent_at', '<', dayStart)])
		)
		.execute();
	const mailed: string[] = [];
	for (const user of due) {
		const claimed = await deps.db
			.insertInto('notification_settings')
			.values({ user_id: user.id, digest_sent_at: now })
			.onConflict((oc) =>
				oc
					.column('user_id')
					.doUpdateSet({ digest_sent_at: now })
					.where((eb) =>
						eb.or([eb('notification_settings.digest_sent_at', 'is', null), eb('notification_settings.digest_sent_at', '<', dayStart)])
					)
			)
			.returning('user_id')
			.executeTakeFirst();
		if (!claimed) continue;
		const rows = await deps.db
			.updateTable('notifications')
			.set({ mail_state: 'sent' })
			.where('user_id', '=', user.id)
			.where('mail_state', '=', 'pending')
			.where('created_at', '<', dayStart)
			.returning(['id', 'kind', 'table_id', 'subject_id', 'payload', 'created_at', 'read_at'])
			.execute();
		if (rows.length === 0) continue;
		const views = rows.map(toView).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
		const text = [
			m.notif_digest_intro({ count: views.length }),
			'',
			...views.map((view) => `- ${itemLines(deps.baseUrl, view).join('\n  ')}`),
			'',
			m.notif_digest_all({ url: new URL('/notifiche', deps.baseUrl).toString() }),
			'---',
			m.notif_mail_footer({ url: settingsLink(deps.baseUrl) })
		].join('\n');
		try {
			await deps.mailer.send({
				to: { name: user.name, email: user.email },
				subject: m.notif_digest_subject({ count: views.length }),
				text: `${text}\n`
			});
			mailed.push(user.id);
		} catch (error) {
			deps.logger.error({ err: error, userId: user.id }, 'a notification digest was not sent; the next run tries again');
			await deps.db
				.updateTable('notifications')
				.set({ mail_state: 'pending' })
				.where(
					'id',
					'in',
					rows.map((row) => row.id)
				)
				.execute();
			await deps.db
				.updateTable('notification_settings')
				.set({ digest_sent_at: user.digest_sent_at })
				.where('user_id', '=', user.id)
				.execute();
		}
	}
	return mailed;
}
