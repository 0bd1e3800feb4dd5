import { m } from '$lib/paraglide/messages.js';
import { formatRomeDateTime } from '$lib/meetings/rome-time.ts';
import { roleLabel } from '$lib/tables/labels.ts';
import type { TableRole } from '../../domain/tables.ts';

export interface InvitationMailFacts {
	/** '' when the coordinator typed only an address. */
	name: string;
	email: string;
	table: string;
	programme: string;
	role: TableRole;
	inviter: string;
	url: string;
	expiresAt: Date;
}

/**
 * The mail that carries a personal invitation: who invites, to which table, with which role, the
 * link on a line of its own (mail clients make it clickable and never wrap it), until when it
 * works, and that answering reaches the coordinator (the mail's Reply-To).
 */
export function invitationMail(facts: InvitationMailFacts): { subject: string; text: string } {
	const lines = [
		facts.name ? m.invite_mail_greeting_named({ name: facts.name }) : m.invite_mail_greeting(),
		'',
		m.invite_mail_intro({ inviter: facts.inviter, table: facts.table, programme: facts.programme, role: roleLabel(facts.role) }),
		'',
		m.invite_mail_link({ email: facts.email }),
		facts.url,
		'',
		m.invite_mail_expiry({ date: formatRomeDateTime(facts.expiresAt) }),
		m.invite_mail_account({ email: facts.email }),
		'',
		m.invite_mail_reply({ inviter: facts.inviter })
	];
	return { subject: m.invite_mail_subject({ table: facts.table }), text: `${lines.join('\n')}\n` };
}
