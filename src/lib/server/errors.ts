/**
 * Every refusal the app gives, by code. The code is the stable contract (`{error: {code, message}}`);
 * the message is looked up in the catalogue for the caller's language when the error is answered.
 */
export const errorStatus = {
	validation_failed: 400,
	bad_json: 400,
	unauthorized: 401,
	invalid_credentials: 401,
	wrong_password: 403,
	forbidden: 403,
	bad_origin: 403,
	not_found: 404,
	email_taken: 409,
	already_member: 409,
	invitation_expired: 410,
	invitation_used_up: 410,
	invitation_revoked: 410,
	invitation_wrong_email: 403,
	email_not_verified: 403,
	invalid_token: 400,
	token_expired: 410,
	payload_too_large: 413,
	unsupported_file_type: 415,
	rate_limited: 429,
	too_many_connections: 429,
	too_many_heavy_requests: 429,
	poll_not_open: 409,
	poll_vote_sealed: 409,
	poll_invalid_transition: 409,
	poll_unknown_option: 400,
	poll_invalid_choice: 400,
	poll_too_many_choices: 400,
	poll_results_hidden: 403,
	poll_not_closed: 409,
	poll_not_scheduling: 400,
	poll_no_best_slot: 409,
	poll_not_tied: 409,
	meeting_invalid_transition: 409,
	meeting_closed: 409,
	meeting_not_live: 409,
	already_checked_in: 409,
	check_in_limit: 409,
	meeting_cancelled: 409,
	meeting_live: 409,
	document_invalid_transition: 409,
	document_final: 409,
	import_invalid: 400,
	approval_poll_mismatch: 409,
	approval_text_changed: 409,
	approval_not_passed: 409,
	commitments_limit: 409,
	amendment_quote_mismatch: 409,
	amendment_decided: 409,
	amendment_superseded: 409,
	already_set_up: 409,
	internal: 500
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** Why a single form field was refused; each has a catalogue message. */
export type FieldProblem =
	| 'required'
	| 'too_short'
	| 'too_long'
	| 'invalid_email'
	| 'invalid_url'
	| 'invalid_date'
	| 'invalid_choice'
	| 'ends_before_start'
	| 'invalid_number'
	| 'invalid_characters'
	| 'last_coordinator'
	| 'wrong_password'
	| 'duplicate'
	| 'already_member';

// A brand, not `instanceof`: the SvelteKit bundle and server/ load this module separately, and an
// error thrown by one (say, the login limiter built in server/) must be recognised by the other.
const brand = Symbol.for('tavolo.app-error');

export class AppError extends Error {
	readonly [brand] = true;
	readonly status: number;
	constructor(
		readonly code: ErrorCode,
		readonly details: {
			fields?: Record<string, FieldProblem>;
			retryAfterSeconds?: number;
			max?: number;
			/** Facts the caller needs to act on the refusal, sent beside code and message (e.g. `diffUrl`). */
			extra?: Record<string, unknown>;
		} = {}
	) {
		super(code);
		this.name = 'AppError';
		this.status = errorStatus[code];
	}
}

export function isAppError(error: unknown): error is AppError {
	return typeof error === 'object' && error !== null && (error as { [brand]?: boolean })[brand] === true;
}
