import type { DocumentStatus } from '../../domain/documents.ts';
import type { SessionUser } from '../auth/sessions.ts';
import type { DiffStat } from '../../documents/diff.ts';
import { documentDocName } from '../../realtime/doc-names.ts';
import type { DocumentDeps } from './deps.ts';
import { loadDocumentUpdates } from './yjs-state.ts';
import { countOpenThreads } from '../comments/queries.ts';

export interface ReviewItem {
	id: string;
	title: string;
	status: DocumentStatus;
	table: { id: string; name: string };
	updatedAt: Date;
	/** The newest version, if any. */
	lastVersion: { number: number; createdAt: Date } | null;
	/** Words changed in the draft since the newest version; null when there is no version yet. */
	changes: DiffStat | null;
	/** Comment threads not yet resolved. */
	openComments: number;
}

export interface ReviewDashboard {
	/** Tables the user coordinates (all tables for an admin). */
	tableCount: number;
	inReview: ReviewItem[];
	recentFinals: ReviewItem[];
}

/** How many final documents the dashboard lists. */
const recentFinalsLimit = 10;

/**
 * The coordinator's desk (UX "Revisione"): documents in review across the tables the user
 * coordinates, with what changed since their last version, and the latest finals.
 */
export async function reviewDashboard(deps: DocumentDeps, user: SessionUser): Promise<ReviewDashboard> {
	const { db } = deps;
	let tablesQuery = db.selectFrom('tables').select(['tables.id', 'tables.name']);
	if (!user.isAdmin) {
		tablesQuery = tablesQuery
			.innerJoin('memberships', 'memberships.table_id', 'tables.id')
			.where('memberships.user_id', '=', user.id)
			.where('memberships.role', '=', 'coordinator');
	}
	const tables = await tablesQuery.execute();
	if (tables.length === 0) return { tableCount: 0, inReview: [], recentFinals: [] };
	const tableNames = new Map(tables.map((table) => [table.id, table.name]));

	const documents = await db
		.selectFrom('documents')
		.select(['id', 'title', 'status', 'table_id', 'updated_at'])
		.where('table_id', 'in', [...tableNames.keys()])
		.where((eb) => eb.or([eb('status', '=', 'in_review'), eb('status', '=', 'final')]))
		.orderBy('updated_at', 'desc')
		.execute();
	const inReviewRows = documents.filter((row) => row.status === 'in_review');
	const finalRows = documents.filter((row) => row.status === 'final').slice(0, recentFinalsLimit);
	if (inReviewRows.length > 0) await deps.live?.flush();
	const openComments = await countOpenThreads(
		db,
		inReviewRows.map((row) => row.id)
	);

	const describe = async (row: (typeof documents)[number], withChanges: boolean): Promise<ReviewItem> => {
		const last = await db
			.selectFrom('document_versions')
			.select(['number', 'created_at', 'markdown'])
			.where('document_id', '=', row.id)
			.orderBy('number', 'desc')
			.limit(1)
			.executeTakeFirst();
		let changes: DiffStat | null = null;
		if (withChanges && last) {
			const updates = await loadDocumentUpdates(db, documentDocName(row.id));
			changes = (await deps.heavy.diff(user.id, { before: last.markdown, after: { updates } })).stat;
		}
		return {
			id: row.id,
			title: row.title,
			status: row.status,
			table: { id: row.table_id, name: tableNames.get(row.table_id) ?? '' },
			updatedAt: new Date(row.updated_at),
			lastVersion: last ? { number: last.number, createdAt: new Date(last.created_at) } : null,
			changes,
			openComments: openComments.get(row.id) ?? 0
		};
	};
	return {
		tableCount: tables.length,
		// One after the other: each diff is a task for the worker pool, within the per-user cap.
		inReview: await sequentially(inReviewRows, (row) => describe(row, true)),
		recentFinals: await Promise.all(finalRows.map((row) => describe(row, false)))
	};
}

async function sequentially<T, R>(items: T[], run: (item: T) => Promise<R>): Promise<R[]> {
	const results: R[] = [];
	for (const item of items) results.push(await run(item));
	return results;
}
