import { z } from 'zod';
import { AppError, type FieldProblem } from './errors.ts';
import { controlCharacters } from '../domain/control-characters.ts';

/** Limits on what people type; named here so forms, API and docs agree. */
export const textLimits = {
	name: 120,
	title: 200,
	territory: 120,
	description: 2000,
	email: 254,
	passwordMin: 10,
	passwordMax: 256,
	representedBody: 200,
	url: 2000
} as const;

const trimmed = (max: number) => z.string().trim().min(1).max(max);

export const fields = {
	email: z.string().trim().toLowerCase().max(textLimits.email).pipe(z.email()),
	password: z.string().min(textLimits.passwordMin).max(textLimits.passwordMax),
	personName: trimmed(textLimits.name),
	tableName: trimmed(textLimits.name),
	territory: trimmed(textLimits.territory),
	title: trimmed(textLimits.title),
	description: z.string().trim().max(textLimits.description).default(''),
	id: z.string().trim().min(1).max(64),
	url: z
		.string()
		.trim()
		.max(textLimits.url)
		.pipe(z.url({ protocol: /^https?$/ }))
};

/** Maps one zod issue to the reason a person is shown beside the field. */
function problemOf(issue: z.core.$ZodIssue): FieldProblem {
	switch (issue.code) {
		case 'too_small':
			return issue.minimum === 1 && issue.origin === 'string' ? 'required' : 'too_short';
		case 'too_big':
			return 'too_long';
		case 'invalid_format':
			if (issue.format === 'email') return 'invalid_email';
			if (issue.format === 'url') return 'invalid_url';
			if (issue.format === 'datetime') return 'invalid_date';
			return 'invalid_choice';
		case 'invalid_value':
			return 'invalid_choice';
		case 'invalid_type':
			return issue.input === undefined ? 'required' : issue.expected === 'number' ? 'invalid_number' : 'invalid_choice';
		case 'custom':
			return (issue.params as { problem?: FieldProblem } | undefined)?.problem ?? 'invalid_choice';
		default:
			return 'invalid_choice';
	}
}

/** The paths (`a.b.0`, as zod names them) of every string in `input` holding a control character. */
export function fieldsWithControlCharacters(input: unknown, path: (string | number)[] = [], found: string[] = []): string[] {
	if (typeof input === 'string') {
		if (controlCharacters.test(input)) found.push(path.length > 0 ? path.join('.') : '_');
	} else if (Array.isArray(input)) {
		input.forEach((item, index) => fieldsWithControlCharacters(item, [...path, index], found));
	} else if (typeof input === 'object' && input !== null) {
		for (const [key, value] of Object.entries(input)) {
			if (controlCharacters.test(key)) found.push([...path, key].join('.'));
			fieldsWithControlCharacters(value, [...path, key], found);
		}
	}
	return found;
}

/**
 * Parses input or throws `validation_failed` naming each refused field (first problem wins).
 * Every string in the input, at any depth, is first checked for control characters: one place for
 * every JSON body, form and socket command, instead of a rule on each string field.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
	const controlled = fieldsWithControlCharacters(input);
	if (controlled.length > 0) {
		throw new AppError('validation_failed', {
			fields: Object.fromEntries(controlled.map((field) => [field, 'invalid_characters' as const]))
		});
	}
	const result = schema.safeParse(input);
	if (result.success) return result.data;
	const problems: Record<string, FieldProblem> = {};
	for (const issue of result.error.issues) {
		const key = issue.path.length > 0 ? issue.path.join('.') : '_';
		problems[key] ??= problemOf(issue);
	}
	throw new AppError('validation_failed', { fields: problems });
}
