import { m } from '$lib/paraglide/messages.js';
import { formatRomeDate } from '$lib/meetings/rome-time.ts';

/**
 * The facts of the accessibility statement (/accessibilita), kept here in one place so that whoever
 * fixes a problem, or assesses the service again, updates the page by editing this file alone.
 * The page follows AgID's model statement (Linee guida sull'accessibilità degli strumenti
 * informatici, Legge 4/2004): compliance status, content not accessible, how it was assessed,
 * feedback and the escalation to the Difensore civico per il digitale.
 */
export const statement = {
	/** When the statement was drawn up (or last reviewed), ISO date. */
	date: '2026-11-30',
	standard: 'WCAG 2.1 AA · UNI CEI EN 301 549',
	/** Days within which the body answers a report, after which the reporter may escalate. */
	answerDays: 30,
	/** AgID's page on reporting to the Difensore civico per il digitale (the "procedura di attuazione"). */
	ombudsmanUrl: 'https://www.agid.gov.it/it/design-servizi/accessibilita/segnalazione-casi-inaccessibilita'
} as const;

/** The statement's date in words, in the reader's language (noon keeps it on that day in Rome). */
export function statementDate(): string {
	return formatRomeDate(new Date(`${statement.date}T12:00:00Z`));
}

export interface KnownProblem {
	/** Where the problem is met, as the reader would name it. */
	where: () => string;
	/** What goes wrong and for whom. */
	what: () => string;
	/** The success criteria it fails. */
	criteria: string;
}

/**
 * Content that is not accessible today, drawn from the audits behind issues 13 and 14. Remove an
 * entry in the change that fixes it (and move the statement's date); add one when a problem is
 * found. Honest beats flattering: AgID asks for the list, and readers rely on it.
 */
export const knownProblems: KnownProblem[] = [
	{
		where: () => m.a11y_statement_problem_pdf_where(),
		what: () => m.a11y_statement_problem_pdf_what(),
		criteria: '1.3.1, 1.3.2, 2.4.2, 3.1.1'
	},
	{
		where: () => m.a11y_statement_problem_docx_where(),
		what: () => m.a11y_statement_problem_docx_what(),
		criteria: '1.3.1, 3.1.1'
	},
	{
		where: () => m.a11y_statement_problem_room_where(),
		what: () => m.a11y_statement_problem_room_what(),
		criteria: '2.4.3'
	},
	{
		where: () => m.a11y_statement_problem_editor_where(),
		what: () => m.a11y_statement_problem_editor_what(),
		criteria: '3.1.2'
	},
	{
		where: () => m.a11y_statement_problem_reflow_where(),
		what: () => m.a11y_statement_problem_reflow_what(),
		criteria: '1.4.10'
	}
];

/** Sizes of the report form's fields, shared by the form (hints) and the server (validation). */
export const feedbackLimits = {
	page: 2000,
	message: 4000
} as const;
