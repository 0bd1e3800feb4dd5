/**
 * The words a name may already start with, by what it names: a table called "Tavolo pistoiese"
 * is not "the territorial table Tavolo pistoiese", and a programme called "Progetto FA.SI" is not
 * "the project Progetto FA.SI". Italian and English, singular and plural.
 */
const ownNouns = {
	table: ['tavolo', 'tavoli', 'table', 'tables'],
	programme: ['progetto', 'progetti', 'programma', 'programmi', 'project', 'projects', 'programme', 'programmes', 'program', 'programs']
} as const;

export type NamedThing = keyof typeof ownNouns;

/** The first word of a name, lower case and without accents ("Tavolo-Piana" → "tavolo"). */
function firstWord(name: string): string {
	const word = name
		.normalize('NFKD')
		.replace(/\p{M}/gu, '')
		.trim()
		.split(/[^\p{L}\p{N}]+/u)
		.find(Boolean);
	return (word ?? '').toLowerCase();
}

/**
 * A name with the common noun before it ("tavolo territoriale" + "Piana" → "tavolo territoriale
 * Piana"), unless the name already says what it is: then the name alone. The one rule every
 * sentence that puts a typed name after its noun goes through.
 */
export function namedAs(kind: NamedThing, noun: string, name: string): string {
	const trimmed = name.trim();
	if ((ownNouns[kind] as readonly string[]).includes(firstWord(trimmed))) return trimmed;
	return `${noun} ${trimmed}`;
}

/**
 * A safe file-name part from a name: ASCII letters and digits joined by hyphens, lower case, at
 * most `max` characters ("Tavolo pistoiese" → "tavolo-pistoiese"); `fallback` when nothing is left.
 */
export function fileSlug(name: string, fallback: string, max = 60): string {
	const slug = name
		.normalize('NFKD')
		.replace(/\p{M}/gu, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.slice(0, max)
		.replace(/^-+|-+$/g, '');
	return slug || fallback;
}
