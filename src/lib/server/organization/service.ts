import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { authorizeGlobal } from '../authz/access.ts';
import { fields, parseInput } from '../validation.ts';
import { AppError } from '../errors.ts';
import { ensureDefaultProgramme } from '../programmes/service.ts';
import { organizationLimits } from '../../domain/organization.ts';
import { pngSize } from '../../documents/export-logo.ts';

/**
 * Who speaks in Tavolo's formal outputs: the body that convenes the tables (the Società della
 * Salute Pistoiese in shared/context/lettera-convocazione-tavoli.txt), its letterhead and the
 * person who signs. One row per deployment, the `organizations` row the programmes hang from.
 */
export interface Organization {
	name: string;
	/** For tight places (export headers); the name when not given. */
	shortName: string;
	/** The town before the letter's date: "Pistoia, 14 gennaio 2027". */
	place: string;
	address: string;
	email: string;
	pec: string;
	website: string;
	signatoryName: string;
	signatoryTitle: string;
	/** The line at the foot of a letter (tax code, registered office…). */
	footer: string;
}

const optionalText = (max: number) => z.string().trim().max(max).default('');
// An optional field left blank is "not given"; anything else must be a valid address.
const blankOr = (field: z.ZodType, problem: 'invalid_email' | 'invalid_url') =>
	z
		.string()
		.trim()
		.refine((value) => value === '' || field.safeParse(value).success, { params: { problem } })
		.default('');

export const organizationInput = z.object({
	name: z.string().trim().min(1).max(organizationLimits.name),
	shortName: optionalText(organizationLimits.shortName),
	place: z.string().trim().min(1).max(organizationLimits.place),
	address: optionalText(organizationLimits.address),
	email: blankOr(fields.email, 'invalid_email'),
	pec: blankOr(fields.email, 'invalid_email'),
	website: blankOr(fields.url, 'invalid_url'),
	signatoryName: optionalText(organizationLimits.signatoryName),
	signatoryTitle: optionalText(organizationLimits.signatoryTitle),
	footer: optionalText(organizationLimits.footer)
});

/** The organisation as every output reads it; no access check (letters, mails, exports). */
export async function readOrganization(db: Db): Promise<Organization> {
	await ensureDefaultProgramme(db);
	const row = await db.selectFrom('organizations').selectAll().orderBy('created_at').executeTakeFirstOrThrow();
	return {
		name: row.name,
		shortName: row.short_name,
		place: row.place,
		address: row.address,
		email: row.email,
		pec: row.pec,
		website: row.website,
		signatoryName: row.signatory_name,
		signatoryTitle: row.signatory_title,
		footer: row.footer
	};
}

/** `GET /api/v1/organization` (admins). */
export async function getOrganization(db: Db, user: SessionUser): Promise<Organization> {
	authorizeGlobal(user, 'organization.manage');
	return readOrganization(db);
}

/** `PUT /api/v1/organization` (admins): the whole identity at once; a refusal changes nothing. */
export async function updateOrganization(db: Db, user: SessionUser, input: unknown): Promise<Organization> {
	authorizeGlobal(user, 'organization.manage');
	const value = parseInput(organizationInput, input);
	await ensureDefaultProgramme(db);
	const { id } = await db.selectFrom('organizations').select('id').orderBy('created_at').executeTakeFirstOrThrow();
	await db
		.updateTable('organizations')
		.set({
			name: value.name,
			short_name: value.shortName,
			place: value.place,
			address: value.address,
			email: value.email,
			pec: value.pec,
			website: value.website,
			signatory_name: value.signatoryName,
			signatory_title: value.signatoryTitle,
			footer: value.footer
		})
		.where('id', '=', id)
		.execute();
	return readOrganization(db);
}

export type LogoType = 'image/png' | 'image/svg+xml';

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
// What lets an SVG run code or fetch something when opened: scripts, event handlers, foreign
// HTML, and links or references outside the file itself. Such a file is refused, not cleaned.
const activeSvg = /<\s*script|<\s*foreignObject|\son[a-z]+\s*=|javascript:|<!ENTITY|href\s*=\s*(?!["']?\s*#)|url\(\s*(?!["']?\s*#)/i;

/**
 * The logo's type from its bytes, not from what the upload claims: a PNG by its signature, an SVG
 * by its root element (after an XML declaration, comments or a doctype). null for anything else.
 */
export function sniffLogo(bytes: Uint8Array): LogoType | null {
	if (pngSignature.every((byte, i) => bytes[i] === byte)) return 'image/png';
	const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 4096)).replace(/^\uFEFF/, '');
	const start = text.replace(/^(?:\s|<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)*/i, '');
	return /^<svg[\s>]/i.test(start) ? 'image/svg+xml' : null;
}

/**
 * `PUT /api/v1/organization/logo` (admins): a PNG, or an SVG with nothing active in it, of at most
 * `maxBytes`. A refusal keeps the logo there was.
 */
export async function setOrganizationLogo(
	db: Db,
	user: SessionUser,
	file: unknown,
	maxBytes: number
): Promise<{ contentType: LogoType; size: number }> {
	authorizeGlobal(user, 'organization.manage');
	if (!(file instanceof Blob)) throw new AppError('validation_failed', { fields: { file: 'required' } });
	if (file.size > maxBytes) throw new AppError('payload_too_large');
	const bytes = new Uint8Array(await file.arrayBuffer());
	const type = sniffLogo(bytes);
	// A PNG must be whole (IHDR to IEND, with image data): a broken one would not draw in the letter.
	if (!type || (type === 'image/png' && !pngSize(bytes)) || (type === 'image/svg+xml' && activeSvg.test(new TextDecoder().decode(bytes))))
		throw new AppError('validation_failed', { fields: { file: 'invalid_choice' } });
	await ensureDefaultProgramme(db);
	const { id } = await db.selectFrom('organizations').select('id').orderBy('created_at').executeTakeFirstOrThrow();
	await db.updateTable('organizations').set({ logo: bytes, logo_type: type }).where('id', '=', id).execute();
	return { contentType: type, size: bytes.byteLength };
}

/** `DELETE /api/v1/organization/logo` (admins): letters go out without a logo again. */
export async function removeOrganizationLogo(db: Db, user: SessionUser): Promise<void> {
	authorizeGlobal(user, 'organization.manage');
	await db.updateTable('organizations').set({ logo: null, logo_type: null }).execute();
}

/** The logo's bytes and type, or null when none was uploaded. */
export async function readOrganizationLogo(db: Db): Promise<{ bytes: Uint8Array; contentType: LogoType } | null> {
	const row = await db.selectFrom('organizations').select(['logo', 'logo_type']).orderBy('created_at').executeTakeFirst();
	return row?.logo && row.logo_type ? { bytes: new Uint8Array(row.logo), contentType: row.logo_type } : null;
}
