import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import { auditActions, type AuditAction } from '../../domain/audit.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { authorizeOnTable } from '../authz/access.ts';
import { parseInput } from '../validation.ts';

export interface AuditEntry {
	tableId: string;
	/** null when the system acted on its own. */
	actor: Pick<SessionUser, 'id' | 'name'> | null;
	action: AuditAction;
	subjectId?: string | null;
	/** A readable name of the subject when it happened (a document title, a member's name…). */
	subjectLabel?: string;
	details?: Record<string, string | number | boolean | null>;
}

export interface AuditEvent {
	id: string;
	tableId: string;
	actorId: string | null;
	actorName: string;
	action: AuditAction;
	subjectId: string | null;
	subjectLabel: string;
	details: Record<string, unknown>;
	createdAt: Date;
}

/**
 * Appends one event. Pass the transaction that made the change, so the change and its record
 * commit together; the table refuses UPDATE and DELETE (migrations/20261127190200_…).
 */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
	await db
		.insertInto('audit_events')
		.values({
			table_id: entry.tableId,
			actor_id: entry.actor?.id ?? null,
			actor_name: entry.actor?.name ?? '',
			action: entry.action,
			subject_id: entry.subjectId ?? null,
			subject_label: entry.subjectLabel ?? '',
			details: JSON.stringify(entry.details ?? {})
		})
		.execute();
}

/** The coordinators' action: whoever owns the table's settings reads its history. */
const auditReadAction = 'table.update';

export const auditFilterInput = z.object({
	action: z.enum(auditActions).optional().catch(undefined),
	actor: z.string().trim().max(120).optional().catch(undefined),
	from: z.iso.date().optional().catch(undefined),
	to: z.iso.date().optional().catch(undefined),
	limit: z.coerce.number().int().min(1).max(500).default(200).catch(200)
});
export type AuditFilter = z.output<typeof auditFilterInput>;

/** Newest first. `from`/`to` are calendar days (UTC), both included. */
export async function listAudit(db: Db, user: SessionUser, tableId: string, filterInput: unknown): Promise<AuditEvent[]> {
	await authorizeOnTable(db, user, tableId, auditReadAction);
	const filter = parseInput(auditFilterInput, filterInput);
	let query = db.selectFrom('audit_events').selectAll().where('table_id', '=', tableId);
	if (filter.action) query = query.where('action', '=', filter.action);
	if (filter.actor) query = query.where('actor_name', 'ilike', `%${filter.actor.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
	if (filter.from) query = query.where('created_at', '>=', new Date(`${filter.from}T00:00:00Z`));
	if (filter.to) query = query.where('created_at', '<', new Date(new Date(`${filter.to}T00:00:00Z`).getTime() + 86_400_000));
	const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
	return rows.map((row) => ({
		id: String(row.id),
		tableId: row.table_id,
		actorId: row.actor_id,
		actorName: row.actor_name,
		action: row.action,
		subjectId: row.subject_id,
		subjectLabel: row.subject_label,
		details: typeof row.details === 'string' ? (JSON.parse(row.details) as Record<string, unknown>) : row.details,
		createdAt: new Date(row.created_at)
	}));
}

/** A poll was opened or closed; the table is found through its meeting. */
export async function auditPoll(
	db: Db,
	actor: Pick<SessionUser, 'id' | 'name'>,
	poll: { id: string; meeting_id: string; question: string },
	action: 'poll.open' | 'poll.close' | 'poll.tie_break',
	extra: Record<string, unknown> = {}
): Promise<void> {
	const meeting = await db.selectFrom('meetings').select(['table_id', 'title']).where('id', '=', poll.meeting_id).executeTakeFirst();
	if (!meeting) return;
	await recordAudit(db, {
		tableId: meeting.table_id,
		actor,
		action,
		subjectId: poll.id,
		subjectLabel: poll.question,
		details: { meeting: meeting.title, ...extra }
	});
}
