import type { TableRole } from '../domain/tables.ts';

/**
 * A synchronous in-process event stream: services emit, the realtime endpoints listen. With
 * REDIS_URL the cluster (server/cluster/) makes one reach every node.
 */
export interface Events<T> {
	emit(event: T): void;
	subscribe(listener: (event: T) => void): () => void;
}

export function createEvents<T>(): Events<T> {
	const listeners = new Set<(event: T) => void>();
	return {
		emit(event) {
			for (const listener of listeners) listener(event);
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		}
	};
}

/** A member's role changed (`role`), or the member was removed (`role: null`). */
export type MembershipChange = { userId: string; tableId: string; role: TableRole | null };

/** Membership changes and removals, so live connections can be closed or made read-only. */
export type MembershipChanges = Events<MembershipChange>;
