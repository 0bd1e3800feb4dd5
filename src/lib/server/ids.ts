import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/** A random opaque identifier (120 bits), URL-safe, for rows and tokens alike. */
export function newId(bytes = 15): string {
	const buffer = new Uint8Array(bytes);
	crypto.getRandomValues(buffer);
	return encodeBase32LowerCaseNoPadding(buffer);
}
