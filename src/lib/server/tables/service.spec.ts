import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsertQueryNode, type KyselyPlugin } from 'kysely';
import { openTestDatabase } from '../../../../tests/support/database-context.ts';
import type { DatabaseHandle, Db } from '../db/connect.ts';
import { isAppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import type { TableRole } from '../../domain/tables.ts';
import { createEvents, type MembershipChange } from '../events.ts';
import { removeMember, updateMember } from './service.ts';

/**
 * The tables service owns what a membership change sets off: the audit row is written in the
 * change's transaction, and the change is announced (membershipChanges) only once committed.
 */
let database: DatabaseHandle & { dispose(): Promise<void> };
let db: Db;
let tableId: string;
let coordinator: SessionUser;

async function member(role: TableRole, name: string): Promise<{ userId: string; membershipId: string }> {
	const userId = newId();
	const membershipId = newId();
	await db
		.insertInto('users')
		.values({ id: userId, email: `${newId(6)}@members.example`, name, password_hash: 'x' })
		.execute();
	await db.insertInto('memberships').values({ id: membershipId, table_id: tableId, user_id: userId, role, category_id: null }).execute();
	return { userId, membershipId };
}

/** The service's deps with a recorder on the announcements, and what the database held when each was made. */
function recordingDeps(on: Db = db) {
	const membershipChanges = createEvents<MembershipChange>();
	const announced: MembershipChange[] = [];
	const roleWhenAnnounced: Array<Promise<string | null>> = [];
	membershipChanges.subscribe((change) => {
		announced.push(change);
		// Read on the plain connection: before the commit it would still see the old role.
		roleWhenAnnounced.push(
			db
				.selectFrom('memberships')
				.select('role')
				.where('table_id', '=', change.tableId)
				.where('user_id', '=', change.userId)
				.executeTakeFirst()
				.then((row) => row?.role ?? null)
		);
	});
	return { deps: { db: on, membershipChanges }, announced, roleWhenAnnounced };
}

const auditOf = (subjectId: string) =>
	db.selectFrom('audit_events').select(['action', 'actor_id', 'subject_label', 'details']).where('subject_id', '=', subjectId).execute();

const roleOf = async (membershipId: string) =>
	(await db.selectFrom('memberships').select('role').where('id', '=', membershipId).executeTakeFirst())?.role ?? null;

beforeAll(async () => {
	database = await openTestDatabase();
	db = database.db;
	const programme = await db.selectFrom('programmes').select('id').executeTakeFirstOrThrow();
	tableId = newId();
	await db.insertInto('tables').values({ id: tableId, programme_id: programme.id, name: 'Tavolo', territory: 'Città' }).execute();
	const own = await member('coordinator', 'Coordinatrice');
	coordinator = { id: own.userId, email: 'c@members.example', name: 'Coordinatrice', isAdmin: false, emailVerified: true };
});

afterAll(async () => {
	await database?.dispose();
});

describe('membership changes', () => {
	it('a role change writes its audit row and is announced once, after the commit', async () => {
		const bob = await member('participant', 'Bob');
		const { deps, announced, roleWhenAnnounced } = recordingDeps();
		await updateMember(deps, coordinator, tableId, bob.membershipId, { role: 'observer' });

		expect(await roleOf(bob.membershipId)).toBe('observer');
		expect(await auditOf(bob.userId)).toMatchObject([
			{ action: 'member.update', actor_id: coordinator.id, subject_label: 'Bob', details: { role: 'observer' } }
		]);
		expect(announced).toEqual([{ userId: bob.userId, tableId, role: 'observer' }]);
		expect(await Promise.all(roleWhenAnnounced)).toEqual(['observer']);
	});

	it('a removal writes its audit row and is announced once, after the commit', async () => {
		const carla = await member('moderator', 'Carla');
		const { deps, announced, roleWhenAnnounced } = recordingDeps();
		await removeMember(deps, coordinator, tableId, carla.membershipId);

		expect(await roleOf(carla.membershipId)).toBeNull();
		expect(await auditOf(carla.userId)).toMatchObject([{ action: 'member.remove', subject_label: 'Carla', details: {} }]);
		expect(announced).toEqual([{ userId: carla.userId, tableId, role: null }]);
		expect(await Promise.all(roleWhenAnnounced)).toEqual([null]);
	});

	it('a refused change writes nothing and announces nothing', async () => {
		const { deps, announced } = recordingDeps();
		const lastCoordinator = await db
			.selectFrom('memberships')
			.select('id')
			.where('table_id', '=', tableId)
			.where('user_id', '=', coordinator.id)
			.executeTakeFirstOrThrow();
		const refusal = await removeMember(deps, coordinator, tableId, lastCoordinator.id).catch((error: unknown) => error);
		expect(isAppError(refusal) && refusal.details.fields).toEqual({ role: 'last_coordinator' });
		expect(await roleOf(lastCoordinator.id)).toBe('coordinator');
		expect(await auditOf(coordinator.id)).toEqual([]);
		expect(announced).toEqual([]);
	});

	it('when the audit row cannot be written, the change is rolled back and not announced', async () => {
		const dario = await member('participant', 'Dario');
		const refuseAudit: KyselyPlugin = {
			transformQuery(args) {
				const node = args.node;
				if (InsertQueryNode.is(node) && node.into?.table.identifier.name === 'audit_events') throw new Error('audit log unavailable');
				return node;
			},
			transformResult: async (args) => args.result
		};
		const { deps, announced } = recordingDeps(db.withPlugin(refuseAudit));

		await expect(updateMember(deps, coordinator, tableId, dario.membershipId, { role: 'observer' })).rejects.toThrow(
			'audit log unavailable'
		);
		await expect(removeMember(deps, coordinator, tableId, dario.membershipId)).rejects.toThrow('audit log unavailable');
		expect(await roleOf(dario.membershipId)).toBe('participant');
		expect(announced).toEqual([]);
	});
});
