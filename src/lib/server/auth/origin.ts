/**
 * The Origin check for state-changing requests and WebSocket upgrades (Lucia's CSRF advice:
 * compare Origin with the host the app serves). With ORIGIN configured only that origin passes;
 * without it, an Origin whose host is the request's own Host header passes (a local start on
 * localhost or 127.0.0.1). A missing Origin fails: every browser sends one on these requests.
 */
export function isAllowedOrigin(
	originHeader: string | null | undefined,
	hostHeader: string | null | undefined,
	configuredOrigin: string | undefined
): boolean {
	if (!originHeader) return false;
	if (configuredOrigin) return originHeader === configuredOrigin;
	try {
		return new URL(originHeader).host === hostHeader;
	} catch {
		return false;
	}
}
