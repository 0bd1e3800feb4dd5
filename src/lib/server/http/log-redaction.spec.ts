import { describe, expect, it } from 'vitest';
import { redactUrl } from './log-redaction.ts';

describe('redactUrl', () => {
	it('hides the token of invitation links, pages and API alike', () => {
		expect(redactUrl('/invite/Zk3q9-secret')).toBe('/invite/<redacted>');
		expect(redactUrl('/invite/Zk3q9-secret/')).toBe('/invite/<redacted>/');
		expect(redactUrl('/api/v1/invitations/Zk3q9-secret/accept')).toBe('/api/v1/invitations/<redacted>/accept');
		expect(redactUrl('/verify-email/abc')).toBe('/verify-email/<redacted>');
		expect(redactUrl('/reset-password/abc')).toBe('/reset-password/<redacted>');
	});

	it('hides token-like query parameters and keeps the others', () => {
		expect(redactUrl('/verify-email?token=abc')).toBe('/verify-email?token=<redacted>');
		expect(redactUrl('/reset-password?lang=it&Token=abc&x')).toBe('/reset-password?lang=it&Token=<redacted>&x');
		expect(redactUrl('/somewhere?t%6Fken=abc')).toBe('/somewhere?t%6Fken=<redacted>');
	});

	it('leaves paths without secrets as they are', () => {
		for (const path of ['/', '/login', '/tables/abc/meetings', '/api/v1/tables/t1/invitations', '/invite', '/a?b=c']) {
			expect(redactUrl(path)).toBe(path);
		}
	});
});
