import { describe, expect, it } from 'vitest';
import { csvField, resultsCsv, type CsvWords } from './results-csv.ts';
import { tallyPoll } from './tally.ts';

const words: CsvWords = {
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
});
