/**
 * Where a `redirectTo` may send someone: only a path on this site. The value is parsed the way a
 * browser will read the Location header (WHATWG URL: tabs and newlines dropped, `\` read as `/`,
 * `//host` taken as another host), and kept only when the parsed URL's origin is ours. What goes
 * back is the parsed pathname, query and fragment, percent-encoded by the parser, so no control
 * character ever reaches a response header. Anything else becomes `fallback`.
 */
const MAX_REDIRECT_LENGTH = 2048;

export function safeRedirectPath(value: unknown, origin: string, fallback = '/'): string {
	if (typeof value !== 'string' || !value.startsWith('/') || value.length > MAX_REDIRECT_LENGTH) return fallback;
	let base: URL;
	let target: URL;
	try {
		base = new URL(origin);
		target = new URL(value, base);
	} catch {
		return fallback;
	}
	if (target.origin !== base.origin) return fallback;
	const path = target.pathname + target.search + target.hash;
	// The parsed path always starts with one `/`; a second one would make it protocol-relative.
	return path.startsWith('//') ? fallback : path;
}
