import { fail } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import {
	getOrganization,
	readOrganizationLogo,
	removeOrganizationLogo,
	setOrganizationLogo,
	updateOrganization
} from '$lib/server/organization/service.ts';
import { isAppError } from '$lib/server/errors.ts';
import { failForm, formFields, signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	try {
		const { db, logoMaxBytes } = getAppContext();
		const organization = await getOrganization(db, user);
		const logo = await readOrganizationLogo(db);
		return {
			organization,
			// The preview's address changes with the logo, so a browser never shows the one replaced.
			logo: logo ? { contentType: logo.contentType, version: logoVersion(logo.bytes) } : null,
			logoMaxBytes
		};
	} catch (err) {
		throwPageError(err, { forbidden: { message: m.admin_forbidden(), code: 'forbidden' } });
	}
}) satisfies PageServerLoad;

export const actions = {
	save: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			await updateOrganization(getAppContext().db, user, values);
			return { form: 'organization', done: true };
		} catch (err) {
			return failForm(err, 'organization', values);
		}
	},
	logo: async (event) => {
		const user = signedInUser(event);
		const { db, logoMaxBytes } = getAppContext();
		const data = await event.request.formData().catch(() => new FormData());
		const file = data.get('file');
		try {
			// A file input left empty sends a nameless, empty file: "choose a file".
			await setOrganizationLogo(db, user, file instanceof Blob && file.size > 0 ? file : null, logoMaxBytes);
			return { form: 'logo', done: 'saved' };
		} catch (err) {
			if (isAppError(err) && (err.code === 'payload_too_large' || err.code === 'validation_failed')) {
				const message =
					err.code === 'payload_too_large'
						? m.orgx_logo_too_large({ max: kilobytes(logoMaxBytes) })
						: err.details.fields?.file === 'required'
							? m.orgx_logo_required()
							: m.orgx_logo_wrong_type();
				const fields: Record<string, string> = { file: message };
				return fail(err.status, { form: 'logo', message, fields, values: {} as Record<string, string> });
			}
			return failForm(err, 'logo');
		}
	},
	removeLogo: async (event) => {
		const user = signedInUser(event);
		try {
			await removeOrganizationLogo(getAppContext().db, user);
			return { form: 'logo', done: 'removed' };
		} catch (err) {
			return failForm(err, 'logo');
		}
	}
} satisfies Actions;

const kilobytes = (bytes: number) => String(Math.floor(bytes / 1024));

/** A short fingerprint of the logo's bytes (FNV-1a), for the preview's address. */
function logoVersion(bytes: Uint8Array): string {
	let hash = 0x811c9dc5;
	for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
	return `${bytes.byteLength.toString(36)}-${hash.toString(36)}`;
}
