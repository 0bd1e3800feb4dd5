import { m } from '$lib/paraglide/messages.js';
import type { ErrorCode, FieldProblem } from '$lib/server/errors.ts';

/** The catalogue message for a refusal, in the current language (paraglide's locale). */
export function errorMessage(code: ErrorCode, details: { retryAfterSeconds?: number; max?: number } = {}): string {
	switch (code) {
		case 'validation_failed':
			return m.error_validation_failed();
		case 'bad_json':
			return m.error_bad_json();
		case 'unauthorized':
			return m.error_unauthorized();
		case 'invalid_credentials':
			return m.error_invalid_credentials();
		case 'wrong_password':
			return m.error_wrong_password();
		case 'forbidden':
			return m.error_forbidden();
		case 'bad_origin':
			return m.error_bad_origin();
		case 'not_found':
			return m.error_not_found();
		case 'email_taken':
			return m.error_email_taken();
		case 'already_member':
			return m.error_already_member();
		case 'invitation_expired':
			return m.error_invitation_expired();
		case 'invitation_used_up':
			return m.error_invitation_used_up();
		case 'invitation_revoked':
			return m.error_invitation_revoked();
		case 'invitation_wrong_email':
			return m.error_invitation_wrong_email();
		case 'email_not_verified':
			return m.error_email_not_verified();
		case 'invalid_token':
			return m.error_invalid_token();
		case 'token_expired':
			return m.error_token_expired();
		case 'payload_too_large':
			return m.error_payload_too_large();
		case 'unsupported_file_type':
			return m.lib_error_unsupported_type();
		case 'rate_limited':
			return m.error_rate_limited({ minutes: Math.max(1, Math.ceil((details.retryAfterSeconds ?? 60) / 60)) });
		case 'too_many_connections':
			return m.error_too_many_connections({ max: details.max ?? 0 });
		case 'too_many_heavy_requests':
			return m.error_too_many_heavy_requests();
		case 'poll_not_open':
			return m.error_poll_not_open();
		case 'poll_vote_sealed':
			return m.error_poll_vote_sealed();
		case 'poll_invalid_transition':
			return m.error_poll_invalid_transition();
		case 'poll_unknown_option':
			return m.error_poll_unknown_option();
		case 'poll_invalid_choice':
			return m.error_poll_invalid_choice();
		case 'poll_too_many_choices':
			return m.error_poll_too_many_choices();
		case 'poll_results_hidden':
			return m.error_poll_results_hidden();
		case 'poll_not_closed':
			return m.error_poll_not_closed();
		case 'poll_not_scheduling':
			return m.error_poll_not_scheduling();
		case 'poll_no_best_slot':
			return m.error_poll_no_best_slot();
		case 'poll_not_tied':
			return m.error_poll_not_tied();
		case 'meeting_invalid_transition':
			return m.error_meeting_invalid_transition();
		case 'meeting_closed':
			return m.error_meeting_closed();
		case 'meeting_not_live':
			return m.error_meeting_not_live();
		case 'already_checked_in':
			return m.error_already_checked_in();
		case 'check_in_limit':
			return m.error_check_in_limit({ max: details.max ?? 0 });
		case 'already_set_up':
			return m.orgx_error_already_set_up();
		case 'meeting_cancelled':
			return m.error_meeting_cancelled();
		case 'meeting_live':
			return m.error_meeting_live();
		case 'document_invalid_transition':
			return m.error_document_invalid_transition();
		case 'document_final':
			return m.error_document_final();
		case 'import_invalid':
			return m.invite_mail_import_invalid();
		case 'approval_poll_mismatch':
			return m.appr_error_poll_mismatch();
		case 'approval_text_changed':
			return m.appr_error_text_changed();
		case 'approval_not_passed':
			return m.appr_error_not_passed();
		case 'commitments_limit':
			return m.appr_error_commitments_limit({ max: details.max ?? 0 });
		case 'amendment_quote_mismatch':
			return m.amend_error_quote_mismatch();
		case 'amendment_decided':
			return m.amend_error_decided();
		case 'amendment_superseded':
			return m.amend_error_superseded();
		case 'internal':
			return m.error_internal();
	}
}

export function fieldMessage(problem: FieldProblem): string {
	switch (problem) {
		case 'required':
			return m.field_required();
		case 'too_short':
			return m.field_too_short();
		case 'too_long':
			return m.field_too_long();
		case 'invalid_email':
			return m.field_invalid_email();
		case 'invalid_url':
			return m.field_invalid_url();
		case 'invalid_date':
			return m.field_invalid_date();
		case 'invalid_choice':
			return m.field_invalid_choice();
		case 'ends_before_start':
			return m.field_ends_before_start();
		case 'invalid_number':
			return m.field_invalid_number();
		case 'invalid_characters':
			return m.field_invalid_characters();
		case 'last_coordinator':
			return m.field_last_coordinator();
		case 'duplicate':
			return m.orgx_field_duplicate();
		case 'already_member':
			return m.orgx_field_already_member();
		case 'wrong_password':
			return m.field_wrong_password();
	}
}

export function fieldMessages(fields: Partial<Record<string, FieldProblem>> = {}): Record<string, string> {
	return Object.fromEntries(Object.entries(fields).flatMap(([key, problem]) => (problem ? [[key, fieldMessage(problem)]] : [])));
}
