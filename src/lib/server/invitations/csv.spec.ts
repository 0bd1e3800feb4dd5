import { describe, expect, it } from 'vitest';
import { CsvError, decodeUtf8, detectDelimiter, parseCsv } from './csv.ts';

const fieldsOf = (text: string, delimiter: ';' | ',' = ';') => parseCsv(text, delimiter).map((r) => [r.line, r.fields]);

function problemOf(run: () => unknown): [number, string] {
	try {
		run();
	} catch (error) {
		if (error instanceof CsvError) return [error.line, error.problem];
		throw error;
	}
	throw new Error('no CsvError');
}

describe('the CSV reader of imported lists', () => {
	it('reads semicolons or commas, CRLF or LF, and leaves blank lines out with their numbers kept', () => {
		expect(fieldsOf('a;b\r\n1;2\r\n\r\n3;\r\n')).toEqual([
			[1, ['a', 'b']],
			[2, ['1', '2']],
			[4, ['3', '']]
		]);
		expect(fieldsOf('a,b\n1,2', ',')).toEqual([
			[1, ['a', 'b']],
			[2, ['1', '2']]
		]);
	});

	it('reads quoted fields: the separator, doubled quotes and line breaks inside, the record numbered where it starts', () => {
		expect(fieldsOf('"Comune; di ""Sopra""";x\n"due\nrighe";y\nz;""')).toEqual([
			[1, ['Comune; di "Sopra"', 'x']],
			[2, ['due\nrighe', 'y']],
			[4, ['z', '']]
		]);
	});

	it('refuses what it would have to guess, with the line', () => {
		expect(problemOf(() => parseCsv('a;b\n"aperta;b\nc;d', ';'))).toEqual([2, 'unclosed_quote']);
		expect(problemOf(() => parseCsv('a;b\nComune "X";b', ';'))).toEqual([2, 'stray_quote']);
		expect(problemOf(() => parseCsv('a;b\n"X" Y;b', ';'))).toEqual([2, 'text_after_quote']);
	});

	it('picks the separator the header uses, ignoring quoted ones', () => {
		expect(detectDelimiter('name;email;role\nx,y')).toBe(';');
		expect(detectDelimiter('name,email,"a;b;c"\n')).toBe(',');
		expect(detectDelimiter('email')).toBe(',');
	});

	it('decodes UTF-8 without its byte order mark, and names the first line that is not UTF-8', () => {
		expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xc3, 0xa8]))).toBe('aè');
		expect(problemOf(() => decodeUtf8(new Uint8Array([0x61, 0x0a, 0x62, 0x0a, 0xe8, 0x0a])))).toEqual([3, 'not_utf8']);
	});
});
