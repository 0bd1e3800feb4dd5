import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileSlug, namedAs } from './naming.ts';

// A noun said twice in a row, or around the letter's adjective ("tavolo territoriale Tavolo").
const doubledTable = /\btavol[oi][\s-]+(?:territoriale\s+)?tavol[oi]\b/iu;
const doubledProgramme = /\b(?:progett[oi]|programm[ai]|project)[\s-]+(?:progett[oi]|programm[ai]|project)\b/iu;
const doubled = (text: string) => doubledTable.test(text) || doubledProgramme.test(text);

describe('namedAs', () => {
	it.each([
		['table', 'tavolo territoriale', 'Piana', 'tavolo territoriale Piana'],
		['table', 'tavolo territoriale', 'Tavolo pistoiese', 'Tavolo pistoiese'],
		['table', 'tavolo territoriale', 'TAVOLO MONTAGNA', 'TAVOLO MONTAGNA'],
		['table', 'tavolo territoriale', '  tavolo della Piana ', 'tavolo della Piana'],
		['table', 'tavolo territoriale', 'Tavolo-Piana', 'Tavolo-Piana'],
		['table', 'tavolo territoriale', 'Tavoli riuniti', 'Tavoli riuniti'],
		// A word that only starts like the noun is a name of its own.
		['table', 'tavolo territoriale', 'Tavolino', 'tavolo territoriale Tavolino'],
		['programme', 'progetto', 'Progetto FAMI FA.SI', 'Progetto FAMI FA.SI'],
		['programme', 'progetto', 'Programma predefinito', 'Programma predefinito'],
		['programme', 'progetto', 'FAMI FA.SI', 'progetto FAMI FA.SI'],
		['programme', 'progetto', 'Progètto accentato', 'Progètto accentato'],
		['programme', 'project', 'Project Alpha', 'Project Alpha']
	] as const)('%s "%s" + "%s" → "%s"', (kind, noun, name, expected) => {
		expect(namedAs(kind, noun, name)).toBe(expected);
	});

	it('never says the noun twice, whatever the name typed', () => {
		const nouns = fc.constantFrom('Tavolo', 'tavolo', 'TAVOLO', 'Tavoli', 'Progetto', 'progetto', 'Programma', 'Project', '');
		const separator = fc.constantFrom(' ', '-', '  ', ' «');
		const rest = fc.stringMatching(/^[A-Za-zÀ-ú][A-Za-zÀ-ú .'-]{0,30}$/);
		fc.assert(
			fc.property(nouns, separator, rest, (noun, sep, tail) => {
				const name = noun ? `${noun}${sep}${tail}` : tail;
				// A name that doubles a word itself ("Tavolo tavolo") is the coordinator's to fix.
				fc.pre(!doubled(name));
				expect(doubledTable.test(`del ${namedAs('table', 'tavolo territoriale', name)}`)).toBe(false);
				expect(doubledProgramme.test(`del ${namedAs('programme', 'progetto', name)}`)).toBe(false);
			})
		);
	});
});

describe('fileSlug', () => {
	it('keeps ASCII letters and digits joined by hyphens', () => {
		expect(fileSlug('Tavolo pistoiese', 'tavolo')).toBe('tavolo-pistoiese');
		expect(fileSlug('Città & Piana: «2027»', 'tavolo')).toBe('citta-piana-2027');
		expect(fileSlug('../../etc/passwd', 'tavolo')).toBe('etc-passwd');
		expect(fileSlug('«»', 'tavolo')).toBe('tavolo');
		expect(fileSlug('a'.repeat(100), 'tavolo')).toHaveLength(60);
	});

	it('never gives a character outside [a-z0-9-], nor a leading or trailing hyphen', () => {
		fc.assert(
			fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (name) => {
				expect(fileSlug(name, 'tavolo')).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
			})
		);
	});
});
