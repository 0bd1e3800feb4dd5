import type { Db } from '../db/connect.ts';
import type { DocumentStatus } from '../db/schema.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { can, type Actor } from '../authz/policy.ts';
import { actorOnTable } from '../tables/service.ts';
import { parseDocName, type DocRef } from '../../realtime/doc-names.ts';
import type { ReadOnlyReason } from '../../realtime/yjs-messages.ts';

/** What a user may do with one Yjs document (`agenda:<meetingId>` / `document:<documentId>`). */
export type DocAccess =
	| {
			ok: true;
			ref: DocRef;
			tableId: string;
			/** null for an agenda. */
			documentStatus: DocumentStatus | null;
			readOnly: boolean;
			reason: ReadOnlyReason;
	  }
	| { ok: false; status: 403 | 404; reason: 'not_found' | 'forbidden' };

export type AccessDecision = { allowed: false } | { allowed: true; readOnly: boolean; reason: ReadOnlyReason };

/**
 * The role table of authz/policy.ts applied to a Yjs document: viewing needs meeting.view or
 * document.view, writing needs agenda.edit or document.edit, and nobody writes a final document.
 * Pure, so live connections can be re-decided when a membership changes.
 */
export function decideDocAccess(actor: Actor, ref: DocRef, documentStatus: DocumentStatus | null): AccessDecision {
	const [view, edit] = ref.kind === 'agenda' ? (['meeting.view', 'agenda.edit'] as const) : (['document.view', 'document.edit'] as const);
	if (!can(actor, view)) return { allowed: false };
	if (!can(actor, edit)) return { allowed: true, readOnly: true, reason: 'observer' };
	if (ref.kind === 'document' && documentStatus === 'final') return { allowed: true, readOnly: true, reason: 'final' };
	return { allowed: true, readOnly: false, reason: '' };
}

/**
 * Resolves a doc name to its table and the user's access. A malformed name and an unknown
 * meeting or document are both 404; a table the user does not belong to is 403.
 */
export async function resolveDocAccess(db: Db, user: SessionUser, docName: string): Promise<DocAccess> {
	const ref = parseDocName(docName);
	if (!ref) return { ok: false, status: 404, reason: 'not_found' };

	let tableId: string;
	let documentStatus: DocumentStatus | null = null;
	if (ref.kind === 'agenda') {
		const meeting = await db.selectFrom('meetings').select('table_id').where('id', '=', ref.meetingId).executeTakeFirst();
		if (!meeting) return { ok: false, status: 404, reason: 'not_found' };
		tableId = meeting.table_id;
	} else {
		const document = await db.selectFrom('documents').select(['table_id', 'status']).where('id', '=', ref.documentId).executeTakeFirst();
		if (!document) return { ok: false, status: 404, reason: 'not_found' };
		tableId = document.table_id;
		documentStatus = document.status;
	}

	const actor = await actorOnTable(db, user, tableId);
	const decision = decideDocAccess(actor, ref, documentStatus);
	if (!decision.allowed) return { ok: false, status: 403, reason: 'forbidden' };
	return { ok: true, ref, tableId, documentStatus, readOnly: decision.readOnly, reason: decision.reason };
}
