import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { hashPassword } from '../auth/password.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { signupInput } from '../accounts/service.ts';
import { parseInput } from '../validation.ts';
import { ensureDefaultProgramme } from '../programmes/service.ts';
import { organizationInput, type Organization } from './service.ts';

/**
 * The first run of a deployment: before anyone has an account, the person installing Tavolo
 * creates the admin account and says who speaks in the letters (the organisation's name and place
 * at least), in one step, so no letter, mail or export goes out with "Tavolo" as its issuer.
 */
export const setupInput = signupInput.extend({ organization: organizationInput });

/** Whether the deployment has no account yet (the first-run page is then the way in). */
export async function isFirstRun(db: Db): Promise<boolean> {
	const row = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
	return !row;
}

/** An organisation is complete once an admin gave its name and place (the place is '' until then). */
export function organizationComplete(organization: Pick<Organization, 'name' | 'place'>): boolean {
	return organization.name.trim() !== '' && organization.place.trim() !== '';
}

/** Whether the deployment's organisation still lacks its name or place (an install from before the first-run page). */
export async function organizationIncomplete(db: Db): Promise<boolean> {
	const row = await db.selectFrom('organizations').select(['name', 'place']).orderBy('created_at').executeTakeFirst();
	return !row || !organizationComplete(row);
}

/**
 * `POST /api/v1/setup {name, email, password, organization: {name, place, …}}`: only while the
 * deployment has no account (409 `already_set_up` afterwards, and nothing changes). The admin
 * account and the organisation are written in one transaction; the users table is locked as
 * signup locks it, so of two first runs at once exactly one wins.
 */
export async function setUp(db: Db, input: unknown, limit?: () => Promise<void>): Promise<SessionUser> {
	const value = parseInput(setupInput, input);
	if (!(await isFirstRun(db))) throw new AppError('already_set_up');
	await limit?.();
	const passwordHash = await hashPassword(value.password);
	const organization = value.organization;
	const identity = {
		name: organization.name,
		short_name: organization.shortName,
		place: organization.place,
		address: organization.address,
		email: organization.email,
		pec: organization.pec,
		website: organization.website,
		signatory_name: organization.signatoryName,
		signatory_title: organization.signatoryTitle,
		footer: organization.footer
	};
	const user = await db.transaction().execute(async (trx) => {
		await sql`lock table users in share row exclusive mode`.execute(trx);
		const existing = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
		if (existing) throw new AppError('already_set_up');
		const row = await trx
			.insertInto('users')
			.values({ id: newId(), email: value.email, name: value.name, password_hash: passwordHash, is_admin: true })
			.returningAll()
			.executeTakeFirstOrThrow();
		// The deployment's one organisation row: made here on a fresh database, or the default one
		// an earlier start left (ensureDefaultProgramme) given its identity.
		const organizationRow = await trx.selectFrom('organizations').select('id').orderBy('created_at').executeTakeFirst();
		if (organizationRow) await trx.updateTable('organizations').set(identity).where('id', '=', organizationRow.id).execute();
		else
			await trx
				.insertInto('organizations')
				.values({ id: newId(), ...identity })
				.execute();
		return row;
	});
	// The default programme hangs from that organisation (its own transaction, safe to repeat).
	await ensureDefaultProgramme(db);
	return { id: user.id, email: user.email, name: user.name, isAdmin: true, emailVerified: false };
}
