import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../../tests/support/database-context.ts';
import { signUp } from '../accounts/service.ts';
import { createSessionStore, hashToken, readCookie } from './sessions.ts';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let userId: string;

beforeAll(async () => {
	database = await openTestDatabase();
	userId = (await signUp(database.db, { email: 'sessione@test.example', password: 'password-sicura-1', name: 'Sessione' })).id;
});
afterAll(() => database?.dispose());

describe('sessions', () => {
	it('stores only the SHA-256 of the token and finds the user by the token', async () => {
		const store = createSessionStore(database.db, 30);
		const { token, session } = await store.create(userId);
		expect(session.id).toBe(hashToken(token));
		expect(session.id).not.toContain(token);
		const validation = await store.validate(token);
		expect(validation?.user.email).toBe('sessione@test.example');
		expect(validation?.refreshed).toBe(false);
	});

	it('slides the expiry forward when used in the second half of its life', async () => {
		const store = createSessionStore(database.db, 30);
		const { token, session } = await store.create(userId);
		const tenDaysLeft = new Date(Date.now() + 10 * 86_400_000);
		await database.db.updateTable('sessions').set({ expires_at: tenDaysLeft }).where('id', '=', session.id).execute();
		const validation = await store.validate(token);
		expect(validation?.refreshed).toBe(true);
		expect(validation!.session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
	});

	it('refuses and deletes an expired session', async () => {
		const store = createSessionStore(database.db, 30);
		const { token, session } = await store.create(userId);
		await database.db
			.updateTable('sessions')
			.set({ expires_at: new Date(Date.now() - 1000) })
			.where('id', '=', session.id)
			.execute();
		expect(await store.validate(token)).toBeNull();
		const row = await database.db.selectFrom('sessions').select('id').where('id', '=', session.id).executeTakeFirst();
		expect(row).toBeUndefined();
	});

	it('refuses malformed and unknown tokens without a query error', async () => {
		const store = createSessionStore(database.db, 30);
		expect(await store.validate('')).toBeNull();
		expect(await store.validate("' or 1=1 --")).toBeNull();
		expect(await store.validate('a'.repeat(32))).toBeNull();
	});

	it('invalidates every session of a user', async () => {
		const store = createSessionStore(database.db, 30);
		const one = await store.create(userId);
		const two = await store.create(userId);
		await store.invalidateAllForUser(userId);
		expect(await store.validate(one.token)).toBeNull();
		expect(await store.validate(two.token)).toBeNull();
	});

	it('reads a cookie from a raw header', () => {
		expect(readCookie('a=1; tavolo_session=abc; b=2', 'tavolo_session')).toBe('abc');
		expect(readCookie('a=1', 'tavolo_session')).toBeUndefined();
		expect(readCookie(undefined, 'tavolo_session')).toBeUndefined();
	});
});
