import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { AttachmentsTable } from '../db/schema.ts';
import type { Selectable } from 'kysely';
import type { SessionUser } from '../auth/sessions.ts';
import { actorOnTable, authorizeOnTable } from '../authz/access.ts';
import { can } from '../authz/policy.ts';
import { recordAudit } from '../audit/service.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { fields, parseInput } from '../validation.ts';
import { safeFilename, sniffLibraryType } from './file-types.ts';
import type { Attachment, AttachmentVersion } from '../../library/attachment.ts';

export type { Attachment };

type AttachmentRow = Selectable<AttachmentsTable>;

const metadataColumns = [
	'id',
	'table_id',
	'title',
	'filename',
	'content_type',
	'size',
	'sha256',
	'uploaded_by',
	'uploaded_by_name',
	'created_at',
	'meeting_id',
	'agenda_item_id',
	'document_id',
	'replaces_id'
] as const;

function toAttachment(row: AttachmentRow): AttachmentVersion {
	return {
		id: row.id,
		tableId: row.table_id,
		title: row.title,
		filename: row.filename,
		size: Number(row.size),
		contentType: row.content_type,
		sha256: row.sha256,
		uploadedBy: { id: row.uploaded_by, name: row.uploaded_by_name },
		uploadedAt: new Date(row.created_at).toISOString(),
		meetingId: row.meeting_id,
		agendaItemId: row.agenda_item_id,
		documentId: row.document_id,
		replacesId: row.replaces_id
	};
}

/** The current versions (those no later upload replaced), each with the versions before it. */
function currentVersions(rows: AttachmentRow[]): Attachment[] {
	const byId = new Map(rows.map((row) => [row.id, row]));
	const replaced = new Set(rows.flatMap((row) => (row.replaces_id ? [row.replaces_id] : [])));
	return rows
		.filter((row) => !replaced.has(row.id))
		.map((row) => {
			const previousVersions: Attachment['previousVersions'] = [];
			for (let earlier = row.replaces_id ? byId.get(row.replaces_id) : undefined; earlier;) {
				previousVersions.push(toAttachment(earlier));
				earlier = earlier.replaces_id ? byId.get(earlier.replaces_id) : undefined;
			}
			return { ...toAttachment(row), previousVersions };
		});
}

const optionalId = z
	.string()
	.trim()
	.max(64)
	.transform((value) => (value === '' ? undefined : value))
	.optional();

/** The form fields beside the file; an empty field is "not given". */
export const uploadFields = z
	.object({
		title: z
			.string()
			.trim()
			.max(200)
			.transform((value) => (value === '' ? undefined : value))
			.optional(),
		meetingId: optionalId,
		agendaItemId: optionalId,
		documentId: optionalId,
		/** Replaces this attachment (its uploader or a coordinator): the earlier one is kept as a version. */
		replaces: optionalId
	})
	.refine((value) => !value.agendaItemId || value.meetingId, { path: ['meetingId'], params: { problem: 'required' } });

/** The text fields of a multipart form (the file itself is read apart). */
export function formTextFields(form: FormData): Record<string, string> {
	const values: Record<string, string> = {};
	for (const key of ['title', 'meetingId', 'agendaItemId', 'documentId', 'replaces']) {
		const value = form.get(key);
		if (typeof value === 'string') values[key] = value;
	}
	return values;
}

/** May this user delete (or replace) that file: its uploader while still a writer, or a coordinator. */
function mayRemove(actor: Parameters<typeof can>[0], user: SessionUser, row: Pick<AttachmentRow, 'uploaded_by'>): boolean {
	return can(actor, 'attachment.manage') || (row.uploaded_by === user.id && can(actor, 'attachment.upload'));
}

/**
 * `POST /api/v1/tables/:id/attachments`: stores a file of at most `maxBytes` whose content is one
 * of the library's types, with its SHA-256 and uploader, optionally bound to a meeting's agenda
 * item or a document of the same table, optionally replacing an earlier upload. A refusal stores
 * nothing.
 */
export async function uploadAttachment(
	db: Db,
	user: SessionUser,
	tableId: string,
	file: unknown,
	input: Record<string, string>,
	maxBytes: number
): Promise<Attachment> {
	const actor = await authorizeOnTable(db, user, tableId, 'attachment.upload');
	if (!(file instanceof Blob)) throw new AppError('validation_failed', { fields: { file: 'required' } });
	if (file.size > maxBytes) throw new AppError('payload_too_large');
	if (file.size === 0) throw new AppError('validation_failed', { fields: { file: 'required' } });
	const data = parseInput(uploadFields, input);
	const bytes = new Uint8Array(await file.arrayBuffer());
	const type = await sniffLibraryType(bytes);
	if (!type) throw new AppError('unsupported_file_type');
	const uploadedName = file instanceof File ? file.name : '';
	const filename = safeFilename(uploadedName, type.extension);
	const sha256 = createHash('sha256').update(bytes).digest('hex');

	const id = newId();
	await db.transaction().execute(async (trx) => {
		let inherited: Pick<AttachmentRow, 'title' | 'meeting_id' | 'agenda_item_id' | 'document_id'> | null = null;
		if (data.replaces) {
			const earlier = await trx
				.selectFrom('attachments')
				.select(['id', 'uploaded_by', 'title', 'meeting_id', 'agenda_item_id', 'document_id'])
				.where('id', '=', data.replaces)
				.where('table_id', '=', tableId)
				.forUpdate()
				.executeTakeFirst();
			if (!earlier) throw new AppError('validation_failed', { fields: { replaces: 'invalid_choice' } });
			if (!mayRemove(actor, user, earlier)) throw new AppError('forbidden');
			const newer = await trx.selectFrom('attachments').select('id').where('replaces_id', '=', earlier.id).executeTakeFirst();
			if (newer) throw new AppError('validation_failed', { fields: { replaces: 'invalid_choice' } });
			inherited = earlier;
		}
		const meetingId = data.meetingId ?? inherited?.meeting_id ?? null;
		if (data.meetingId) {
			const meeting = await trx
				.selectFrom('meetings')
				.select('id')
				.where('id', '=', data.meetingId)
				.where('table_id', '=', tableId)
				.executeTakeFirst();
			if (!meeting) throw new AppError('validation_failed', { fields: { meetingId: 'invalid_choice' } });
		}
		const documentId = data.documentId ?? inherited?.document_id ?? null;
		if (data.documentId) {
			const document = await trx
				.selectFrom('documents')
				.select('id')
				.where('id', '=', data.documentId)
				.where('table_id', '=', tableId)
				.executeTakeFirst();
			if (!document) throw new AppError('validation_failed', { fields: { documentId: 'invalid_choice' } });
		}
		const title = data.title ?? inherited?.title ?? filename.replace(/\.[a-z0-9]+$/i, '');
		await trx
			.insertInto('attachments')
			.values({
				id,
				table_id: tableId,
				title,
				filename,
				content_type: type.contentType,
				size: bytes.byteLength,
				sha256,
				uploaded_by: user.id,
				uploaded_by_name: user.name,
				meeting_id: meetingId,
				agenda_item_id: data.meetingId ? (data.agendaItemId ?? null) : (inherited?.agenda_item_id ?? null),
				document_id: documentId,
				replaces_id: inherited ? data.replaces : null
			})
			.execute();
		// Sent as base64 text and decoded by the database: PGlite serialises a bytea parameter byte by
		// byte in JavaScript (25 MB took 90 s on the test machine, base64 8 s), pg is as fast either way.
		await trx
			.insertInto('attachment_contents')
			.values({ attachment_id: id, content: sql<Uint8Array>`decode(${Buffer.from(bytes).toString('base64')}, 'base64')` })
			.execute();
		await recordAudit(trx, {
			tableId,
			actor: user,
			action: 'attachment.upload',
			subjectId: id,
			subjectLabel: title,
			details: { filename, size: bytes.byteLength, sha256, replaces: inherited ? (data.replaces ?? null) : null }
		});
	});
	const [attachment] = await readCurrent(db, tableId, [id]);
	return attachment;
}

async function readCurrent(db: Db, tableId: string, ids?: string[]): Promise<Attachment[]> {
	const rows = await db
		.selectFrom('attachments')
		.select(metadataColumns)
		.where('table_id', '=', tableId)
		.orderBy('created_at', 'desc')
		.orderBy('id')
		.execute();
	const current = currentVersions(rows);
	return ids ? current.filter((a) => ids.includes(a.id)) : current;
}

export const listFilter = z.object({
	meetingId: optionalId,
	agendaItemId: optionalId,
	documentId: optionalId
});

/**
 * `GET /api/v1/tables/:id/attachments[?meetingId=&agendaItemId=|documentId=]`: newest first, each
 * saying whether the caller may delete it, and whether the caller may upload.
 */
export async function listAttachments(
	db: Db,
	user: SessionUser,
	tableId: string,
	filterInput: unknown = {}
): Promise<{ attachments: Array<Attachment & { mayDelete: boolean }>; canUpload: boolean }> {
	const actor = await authorizeOnTable(db, user, tableId, 'attachment.view');
	const filter = parseInput(listFilter, filterInput);
	const attachments = (await readCurrent(db, tableId))
		.filter(
			(a) =>
				(!filter.meetingId || a.meetingId === filter.meetingId) &&
				(!filter.agendaItemId || a.agendaItemId === filter.agendaItemId) &&
				(!filter.documentId || a.documentId === filter.documentId)
		)
		.map((a) => ({ ...a, mayDelete: mayRemove(actor, user, { uploaded_by: a.uploadedBy.id }) }));
	return { attachments, canUpload: can(actor, 'attachment.upload') };
}

/** The files bound to a meeting, for its minutes (no access check: the minutes' writer asked). */
export async function attachmentsOfMeeting(db: Db, tableId: string, meetingId: string): Promise<Attachment[]> {
	return (await readCurrent(db, tableId)).filter((a) => a.meetingId === meetingId);
}

/** The files bound to a document, for its exports (no access check: the export was authorized). */
export async function attachmentsOfDocument(db: Db, tableId: string, documentId: string): Promise<Attachment[]> {
	return (await readCurrent(db, tableId)).filter((a) => a.documentId === documentId);
}

/** `GET /api/v1/attachments/:id`: the bytes, for members of the file's table. */
export async function readAttachment(
	db: Db,
	user: SessionUser,
	attachmentId: string
): Promise<{ attachment: AttachmentVersion; bytes: Uint8Array }> {
	const id = parseInput(z.object({ id: fields.id }), { id: attachmentId }).id;
	const row = await db.selectFrom('attachments').select(metadataColumns).where('id', '=', id).executeTakeFirst();
	if (!row) throw new AppError('not_found');
	await authorizeOnTable(db, user, row.table_id, 'attachment.view');
	// Read as base64 for the same reason it is written so (uploadAttachment).
	const content = await db
		.selectFrom('attachment_contents')
		.select(sql<string>`encode(content, 'base64')`.as('base64'))
		.where('attachment_id', '=', id)
		.executeTakeFirstOrThrow();
	return { attachment: toAttachment(row), bytes: new Uint8Array(Buffer.from(content.base64, 'base64')) };
}

/** A PDF of the table, for the live room's focus; not_found for anything else. */
export async function findTablePdf(db: Db, tableId: string, attachmentId: string): Promise<AttachmentRow> {
	const row = await db
		.selectFrom('attachments')
		.select(metadataColumns)
		.where('id', '=', attachmentId)
		.where('table_id', '=', tableId)
		.executeTakeFirst();
	if (!row) throw new AppError('not_found');
	if (row.content_type !== 'application/pdf') throw new AppError('unsupported_file_type');
	return row;
}

/**
 * `DELETE /api/v1/attachments/:id`: by its uploader (still a writer of the table) or a
 * coordinator; the file goes with every version of it, before and after.
 */
export async function deleteAttachment(db: Db, user: SessionUser, attachmentId: string): Promise<{ tableId: string }> {
	const id = parseInput(z.object({ id: fields.id }), { id: attachmentId }).id;
	const row = await db.selectFrom('attachments').select(['id', 'table_id', 'uploaded_by', 'title']).where('id', '=', id).executeTakeFirst();
	if (!row) throw new AppError('not_found');
	const actor = await actorOnTable(db, user, row.table_id);
	if (!can(actor, 'attachment.view')) throw new AppError('forbidden');
	if (!mayRemove(actor, user, row)) throw new AppError('forbidden');
	await db.transaction().execute(async (trx) => {
		const rows = await trx
			.selectFrom('attachments')
			.select(['id', 'replaces_id'])
			.where('table_id', '=', row.table_id)
			.forUpdate()
			.execute();
		const chain = new Set([id]);
		// Older versions (what it replaced, and so on), then newer ones (what replaced it).
		for (let changed = true; changed;) {
			changed = false;
			for (const r of rows) {
				const linked =
					(chain.has(r.id) && r.replaces_id && !chain.has(r.replaces_id)) ||
					(r.replaces_id && chain.has(r.replaces_id) && !chain.has(r.id));
				if (!linked) continue;
				chain.add(chain.has(r.id) ? r.replaces_id! : r.id);
				changed = true;
			}
		}
		await trx
			.deleteFrom('attachments')
			.where('id', 'in', [...chain])
			.execute();
		await recordAudit(trx, {
			tableId: row.table_id,
			actor: user,
			action: 'attachment.delete',
			subjectId: id,
			subjectLabel: row.title,
			details: { versions: chain.size }
		});
	});
	return { tableId: row.table_id };
}
