/**
 * What a log line may say about a request's URL. Invitation links carry their secret in the path
 * (`/invite/<token>`, `/api/v1/invitations/<token>/accept`), and e-mail verification or password
 * reset links in a `token` query parameter: whoever reads the logs (an operator, a log shipper, a
 * backup) must not be able to join a table or take over an account with what they find there.
 */
export const REDACTED = '<redacted>';

/** Path segments that follow one of these segments are secrets. */
const secretAfter: readonly string[] = ['invite', 'invitations', 'verify-email', 'reset-password', 'password-reset'];
/** Query parameters that carry a secret, whatever the path. */
const secretParameters: readonly string[] = ['token', 'code', 'key', 'secret', 'password'];

/**
 * The path (and query, if any) with every secret replaced by `<redacted>`:
 * `/invite/abc?x=1&token=t` → `/invite/<redacted>?x=1&token=<redacted>`.
 */
export function redactUrl(url: string): string {
	const queryAt = url.indexOf('?');
	const path = queryAt === -1 ? url : url.slice(0, queryAt);
	const query = queryAt === -1 ? undefined : url.slice(queryAt + 1);
	const segments = path.split('/');
	for (let i = 1; i < segments.length; i++) {
		if (segments[i] !== '' && secretAfter.includes(segments[i - 1].toLowerCase())) segments[i] = REDACTED;
	}
	if (query === undefined) return segments.join('/');
	const parameters = query.split('&').map((pair) => {
		const equals = pair.indexOf('=');
		const name = equals === -1 ? pair : pair.slice(0, equals);
		let decoded = name;
		try {
			decoded = decodeURIComponent(name.replace(/\+/g, ' '));
		} catch {
			// A malformed escape: judge the name as it is written.
		}
		return secretParameters.includes(decoded.toLowerCase()) ? `${name}=${REDACTED}` : pair;
	});
	return `${segments.join('/')}?${parameters.join('&')}`;
}
