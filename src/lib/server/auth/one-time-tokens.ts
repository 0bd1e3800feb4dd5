import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { decodeHex, encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';

/**
 * Tokens for links sent by mail (e-mail verification, password reset), after Lucia's session
 * design (lucia-auth.com/sessions/basic): the link carries `<id>.<secret>`, the database keeps the
 * id and the SHA-256 of the secret only (a leaked table opens nothing), and the secret is compared
 * in constant time, so response timing tells nothing about how much of a guess was right.
 */
export interface OneTimeToken {
	id: string;
	/** What goes into the link; never stored. */
	token: string;
	secretHash: string;
}

function randomBase32(bytes: number): string {
	const buffer = new Uint8Array(bytes);
	crypto.getRandomValues(buffer);
	return encodeBase32LowerCaseNoPadding(buffer);
}

function hashSecret(secret: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));
}

/** 80 bits of id (to find the row), 160 bits of secret (what proves the link). */
export function generateOneTimeToken(): OneTimeToken {
	const id = randomBase32(10);
	const secret = randomBase32(20);
	return { id, token: `${id}.${secret}`, secretHash: hashSecret(secret) };
}

/** The parts of a well-formed token, or null for anything else (never throws). */
export function parseOneTimeToken(token: unknown): { id: string; secret: string } | null {
	if (typeof token !== 'string') return null;
	const match = /^([a-z2-7]{16})\.([a-z2-7]{32})$/.exec(token.trim());
	return match ? { id: match[1], secret: match[2] } : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
	return constantTimeEqual(decodeHex(hashSecret(secret)), decodeHex(storedHash));
}
