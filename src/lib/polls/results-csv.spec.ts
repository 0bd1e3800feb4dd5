import { describe, expect, it } from 'vitest';
import { csvField, pollResultsCsv, resultsCsv, type CsvWords } from './results-csv.ts';
import { tallyPoll } from './tally.ts';

const words: CsvWords = {
	question: 'Domanda',
	method: 'Metodo',
	option: 'Opzione',
	votes: 'Voti',
	dots: 'Punti',
	firstPreferences: 'Prime preferenze',
	bordaPoints: 'Punti Borda',
	yes: 'Sì',
	maybe: 'Forse',
	no: 'No',
	voters: 'Votanti',
	outcome: 'Esito',
	passed: 'Approvata',
	rejected: 'Respinta',
	best: 'Data migliore'
};
const same = (o: { label: string }) => o.label;

describe('results as CSV', () => {
	it('quotes separators and quotes, and keeps labels from running as formulas', () => {
		expect(csvField('Scuola; trasporti')).toBe('"Scuola; trasporti"');
		expect(csvField('Il "tavolo"')).toBe('"Il ""tavolo"""');
		expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
		expect(csvField(-3)).toBe('-3');
	});

	it('lists a motion with its counts, voters and outcome', () => {
		const options = [
			{ id: 'yes', label: 'Favorevole' },
			{ id: 'no', label: 'Contrario' },
			{ id: 'abstain', label: 'Astenuto' }
		];
		const results = tallyPoll('yesno', options, [
			{ kind: 'yesno', option: 'yes' },
			{ kind: 'yesno', option: 'yes' },
			{ kind: 'yesno', option: 'no' }
		]);
		expect(resultsCsv('yesno', results, words, same)).toBe(
			'Opzione;Voti\r\nFavorevole;2\r\nContrario;1\r\nAstenuto;0\r\nVotanti;3\r\nEsito;Approvata\r\n'
		);
	});

	it('gives first preferences and Borda points for a ranking', () => {
		const options = [
			{ id: 'a', label: 'Casa' },
			{ id: 'b', label: 'Scuola' }
		];
		const results = tallyPoll('ranked', options, [{ kind: 'ranked', options: ['b', 'a'] }]);
		expect(resultsCsv('ranked', results, words, same).split('\r\n').slice(0, 3)).toEqual([
			'Opzione;Prime preferenze;Punti Borda',
			'Casa;0;0',
			'Scuola;1;1'
		]);
	});

	it("names a best date only when one prevails, or by the moderator's choice in a tie", () => {
		const slots = [
			{ id: 's1', label: '14 gennaio' },
			{ id: 's2', label: '21 gennaio' }
		];
		const results = tallyPoll('scheduling', slots, [
			{ kind: 'scheduling', answers: { s1: 'yes', s2: 'no' } },
			{ kind: 'scheduling', answers: { s1: 'no', s2: 'yes' } }
		]);
		expect(resultsCsv('scheduling', results, words, same)).not.toContain('Data migliore');
		expect(resultsCsv('scheduling', results, words, same, 's2')).toContain('Data migliore;21 gennaio');
	});

	it('opens with the question and the counting method, the question quoted and kept from running as a formula', () => {
		const options = [
			{ id: 'a', label: 'Scuola' },
			{ id: 'b', label: 'Trasporti' }
		];
		const results = tallyPoll('single', options, [{ kind: 'single', option: 'a' }]);
		const csv = pollResultsCsv(
			{ question: '=Priorità; "prima"', kind: 'single', tieChoice: null },
			results,
			words,
			same,
			(method) => `metodo ${method}`
		);
		expect(csv.split('\r\n').slice(0, 4)).toEqual(['Domanda;"\'=Priorità; ""prima"""', 'Metodo;metodo plurality', '', 'Opzione;Voti']);
	});
});
