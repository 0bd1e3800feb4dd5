import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { DocumentVersionRow } from '../db/schema.ts';
import type { DocumentDeps } from './deps.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { authorizeOnTable } from '../authz/access.ts';
import { parseInput } from '../validation.ts';
import { recordAudit } from '../audit/service.ts';
import { documentDocName } from '../../realtime/doc-names.ts';
import type { DraftDiff } from '../../documents/diff.ts';
import type { YesNoOutcome } from '../../polls/tally.ts';
import { getDocument, type TableDocument } from './service.ts';
import { asBytea, fromBytea, loadDocumentUpdates, seedDocumentState } from './yjs-state.ts';
import type { StoredUpdates } from '../../documents/heavy-tasks.ts';

export const versionNoteField = z.string().trim().max(500).default('');
export const versionInput = z.object({ note: versionNoteField });

/**
 * The outcome of the yes/no poll that approved a final version; since issue 15 also the version
 * voted on and the SHA-256 of its text (absent on versions approved before).
 */
export type VersionApproval = { pollId: string; question: string; versionNumber?: number; contentSha256?: string } & YesNoOutcome;

export interface DocumentVersion {
	number: number;
	note: string;
	/** Frozen when the document was finalized. */
	final: boolean;
	/** SHA-256 (hex) of the version's Markdown. */
	contentSha256: string;
	approval: VersionApproval | null;
	createdBy: { id: string | null; name: string };
	createdAt: Date;
}

export interface DocumentVersionDetail extends DocumentVersion {
	html: string;
	markdown: string;
}

function toVersion(
	row: Pick<
		DocumentVersionRow,
		'number' | 'note' | 'final' | 'content_sha256' | 'approval' | 'created_by' | 'created_by_name' | 'created_at'
	>
): DocumentVersion {
	return {
		number: row.number,
		note: row.note,
		final: row.final,
		contentSha256: row.content_sha256,
		approval: row.approval ? (JSON.parse(row.approval) as VersionApproval) : null,
		createdBy: { id: row.created_by, name: row.created_by_name },
		createdAt: new Date(row.created_at)
	};
}

/**
 * The SHA-256 (hex) of a text's Markdown: the canonical serialization of a draft (the same content
 * always renders to the same Markdown), printed on exports and compared by approvals.
 */
export function markdownSha256(markdown: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(markdown)));
}

/** A version number from the URL or a query string: a positive integer, or not found. */
export function parseVersionNumber(raw: string | null | undefined): number {
	if (!raw || !/^[1-9][0-9]{0,8}$/.test(raw)) throw new AppError('not_found');
	return Number(raw);
}

/**
 * Freezes the committed state as the next numbered version, inside one transaction that holds
 * the document row, so two freezes never take the same number. The caller has flushed the
 * /yjs endpoint and authorized the user.
 */
export async function freezeVersionRow(
	deps: DocumentDeps,
	user: SessionUser,
	document: TableDocument,
	options: { note: string; final: boolean; approval?: VersionApproval; checkText?: (contentSha256: string) => void }
): Promise<DocumentVersion> {
	const { db } = deps;
	// Folded and rendered in a worker thread: both grow with the text.
	const { state, ...rendered } = await deps.heavy.freeze({ updates: await loadDocumentUpdates(db, document.docName) });
	const contentSha256 = markdownSha256(rendered.markdown);
	// Throws to refuse the text about to be frozen, before anything is stored (an approval checks its hash).
	options.checkText?.(contentSha256);
	const version = await db.transaction().execute(async (trx) => {
		await trx.selectFrom('documents').select('id').where('id', '=', document.id).forUpdate().executeTakeFirstOrThrow();
		const last = await trx
			.selectFrom('document_versions')
			.select((eb) => eb.fn.max('number').as('number'))
			.where('document_id', '=', document.id)
			.executeTakeFirst();
		const number = Number(last?.number ?? 0) + 1;
		const row = await trx
			.insertInto('document_versions')
			.values({
				id: newId(),
				document_id: document.id,
				number,
				state: asBytea(state),
				html: rendered.html,
				markdown: rendered.markdown,
				note: options.note,
				final: options.final,
				content_sha256: contentSha256,
				approval_poll_id: options.approval?.pollId ?? null,
				approval: options.approval ? JSON.stringify(options.approval) : null,
				created_by: user.id,
				created_by_name: user.name
			})
			.returningAll()
			.executeTakeFirstOrThrow();
		await recordAudit(trx, {
			tableId: document.tableId,
			actor: user,
			action: 'document.version',
			subjectId: document.id,
			subjectLabel: document.title,
			details: { number, final: options.final, note: options.note, sha256: contentSha256, approvalPollId: options.approval?.pollId ?? null }
		});
		return toVersion(row);
	});
	deps.broadcaster?.toTable(document.tableId, 'document:version', {
		tableId: document.tableId,
		documentId: document.id,
		number: version.number,
		final: version.final
	});
	return version;
}

/** `POST /api/v1/documents/:id/versions {note}`: coordinators freeze the draft as it is now. */
export async function freezeVersion(deps: DocumentDeps, user: SessionUser, documentId: string, input: unknown): Promise<DocumentVersion> {
	const document = await getDocument(deps.db, user, documentId);
	await authorizeOnTable(deps.db, user, document.tableId, 'document.review');
	const { note } = parseInput(versionInput, input);
	if (document.status === 'final') throw new AppError('document_final');
	await deps.live?.flush();
	return freezeVersionRow(deps, user, document, { note, final: false });
}

export async function listVersions(db: Db, user: SessionUser, documentId: string): Promise<DocumentVersion[]> {
	await getDocument(db, user, documentId);
	const rows = await db
		.selectFrom('document_versions')
		.select(['number', 'note', 'final', 'content_sha256', 'approval', 'created_by', 'created_by_name', 'created_at'])
		.where('document_id', '=', documentId)
		.orderBy('number', 'desc')
		.execute();
	return rows.map(toVersion);
}

export async function findVersionRow(db: Db, documentId: string, number: number): Promise<DocumentVersionRow> {
	const row = await db
		.selectFrom('document_versions')
		.selectAll()
		.where('document_id', '=', documentId)
		.where('number', '=', number)
		.executeTakeFirst();
	if (!row) throw new AppError('not_found');
	return row;
}

export async function getVersion(db: Db, user: SessionUser, documentId: string, number: number): Promise<DocumentVersionDetail> {
	await getDocument(db, user, documentId);
	const row = await findVersionRow(db, documentId, number);
	return { ...toVersion(row), html: row.html, markdown: row.markdown };
}

/**
 * A version's encoded Yjs state, or the current draft's stored updates (flushed first) when
 * `number` is null, unfolded: a worker thread folds and renders them.
 */
export async function loadVersionUpdates(
	deps: DocumentDeps,
	document: TableDocument,
	number: number | null
): Promise<{ version: DocumentVersion | null; updates: StoredUpdates }> {
	if (number === null) {
		await deps.live?.flush();
		return { version: null, updates: await loadDocumentUpdates(deps.db, document.docName) };
	}
	const row = await findVersionRow(deps.db, document.id, number);
	return { version: toVersion(row), updates: [fromBytea(row.state)] };
}

export interface VersionComparison {
	from: DocumentVersion;
	/** null: the current draft. */
	to: DocumentVersion | null;
	diff: DraftDiff;
}

/** What changed from version `from` to version `to` (or to the current draft). */
export async function compareVersions(
	deps: DocumentDeps,
	user: SessionUser,
	documentId: string,
	from: number,
	to: number | null
): Promise<VersionComparison> {
	const document = await getDocument(deps.db, user, documentId);
	const before = await findVersionRow(deps.db, documentId, from);
	let after: { version: DocumentVersion | null; text: { markdown: string } | { updates: StoredUpdates } };
	if (to === null) {
		// The draft is rendered to Markdown in the worker too: that grows with the text as well.
		const { updates } = await loadVersionUpdates(deps, document, null);
		after = { version: null, text: { updates } };
	} else {
		const row = await findVersionRow(deps.db, documentId, to);
		after = { version: toVersion(row), text: { markdown: row.markdown } };
	}
	const diff = await deps.heavy.diff(user.id, { before: before.markdown, after: after.text });
	return { from: toVersion(before), to: after.version, diff };
}

/**
 * A new draft document (same table, kind and title) that starts from a version's state: how a
 * final document gets a successor and how an old wording comes back. Needs `document.create`.
 */
export async function restoreVersion(db: Db, user: SessionUser, documentId: string, number: number): Promise<TableDocument> {
	const source = await getDocument(db, user, documentId);
	await authorizeOnTable(db, user, source.tableId, 'document.create');
	const version = await findVersionRow(db, documentId, number);
	const id = newId();
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('documents')
			.values({
				id,
				table_id: source.tableId,
				kind: source.kind,
				title: source.title,
				created_by: user.id,
				source_document_id: source.id,
				source_version_number: number
			})
			.execute();
		await seedDocumentState(trx, documentDocName(id), fromBytea(version.state));
		await recordAudit(trx, {
			tableId: source.tableId,
			actor: user,
			action: 'document.restore',
			subjectId: id,
			subjectLabel: source.title,
			details: { sourceDocumentId: source.id, version: number }
		});
	});
	return getDocument(db, user, id);
}
