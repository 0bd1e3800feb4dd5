/**
 * Request ids: one per HTTP request, in the `X-Request-Id` response header and on every log line
 * of that request (`reqId`), so a person's report ("it failed at 10:42, id …") finds its logs.
 * An id sent by a proxy in front is kept when it is short and plain (letters, digits, `.`, `_`,
 * `-`, at most 64), so it cannot smuggle text into logs or headers; otherwise a new one is made.
 */
export const REQUEST_ID_HEADER = 'x-request-id';

const safeRequestId = /^[A-Za-z0-9._-]{1,64}$/;

export function requestIdFrom(incoming: string | string[] | null | undefined): string {
	const value = Array.isArray(incoming) ? incoming[0] : incoming;
	return value && safeRequestId.test(value) ? value : crypto.randomUUID();
}
