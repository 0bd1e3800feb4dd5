/**
 * A small strict CSV reader for the lists of people coordinators import (RFC 4180, with what
 * Italian spreadsheets export: `;` as well as `,` between fields, a UTF-8 byte order mark, CRLF
 * or LF). Strict because a list that is read wrong invites the wrong people: a quote left open or
 * text after a closing quote is an error with its line, never guessed around.
 */

export interface CsvRecord {
	/** The line (1-based) the record starts on, as a spreadsheet or text editor numbers it. */
	line: number;
	fields: string[];
}

export class CsvError extends Error {
	constructor(
		readonly line: number,
		readonly problem: 'not_utf8' | 'unclosed_quote' | 'stray_quote' | 'text_after_quote'
	) {
		super(`${problem} on line ${line}`);
		this.name = 'CsvError';
	}
}

/**
 * The bytes as UTF-8 text, without the byte order mark. Invalid UTF-8 (a list saved as
 * Windows-1252, say) is refused with the first line it spoils, rather than read with � in names.
 */
export function decodeUtf8(bytes: Uint8Array): string {
	const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
	try {
		return decoder.decode(bytes);
	} catch {
		let line = 1;
		let start = 0;
		for (let i = 0; i <= bytes.length; i++) {
			if (i === bytes.length || bytes[i] === 0x0a) {
				try {
					new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, i));
				} catch {
					throw new CsvError(line, 'not_utf8');
				}
				line += 1;
				start = i + 1;
			}
		}
		throw new CsvError(line, 'not_utf8');
	}
}

/**
 * The separator the header row uses: `;` (Excel and LibreOffice in an Italian locale, where the
 * comma is the decimal mark) or `,`; whichever appears more often outside quotes.
 */
export function detectDelimiter(text: string): ';' | ',' {
	let semicolons = 0;
	let commas = 0;
	let quoted = false;
	for (const character of text) {
		if (character === '"') quoted = !quoted;
		else if (!quoted && (character === '\n' || character === '\r')) break;
		else if (!quoted && character === ';') semicolons += 1;
		else if (!quoted && character === ',') commas += 1;
	}
	return semicolons >= commas && semicolons > 0 ? ';' : ',';
}

/**
 * Every record of the text, blank lines left out. A quoted field may hold the separator, doubled
 * quotes ("") and line breaks; the record's line is where it starts.
 */
export function parseCsv(text: string, delimiter: ';' | ','): CsvRecord[] {
	const records: CsvRecord[] = [];
	let fields: string[] = [];
	let field = '';
	let line = 1;
	let recordLine = 1;
	let i = 0;
	// Whether the current field was quoted (so "" is an empty field, not a missing one).
	let wasQuoted = false;

	const endRecord = () => {
		fields.push(field);
		if (!(fields.length === 1 && fields[0] === '' && !wasQuoted)) records.push({ line: recordLine, fields });
		fields = [];
		field = '';
		wasQuoted = false;
	};

	while (i < text.length) {
		const character = text[i];
		if (character === '"') {
			if (field !== '') throw new CsvError(line, 'stray_quote');
			wasQuoted = true;
			const opened = line;
			i += 1;
			for (;;) {
				if (i >= text.length) throw new CsvError(opened, 'unclosed_quote');
				const inner = text[i];
				if (inner === '"') {
					if (text[i + 1] === '"') {
						field += '"';
						i += 2;
						continue;
					}
					i += 1;
					break;
				}
				if (inner === '\n') line += 1;
				field += inner;
				i += 1;
			}
			const next = text[i];
			if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') throw new CsvError(line, 'text_after_quote');
			continue;
		}
		if (character === delimiter) {
			fields.push(field);
			field = '';
			wasQuoted = false;
			i += 1;
			continue;
		}
		if (character === '\r' || character === '\n') {
			endRecord();
			i += character === '\r' && text[i + 1] === '\n' ? 2 : 1;
			line += 1;
			recordLine = line;
			continue;
		}
		if (wasQuoted) throw new CsvError(line, 'text_after_quote');
		field += character;
		i += 1;
	}
	if (field !== '' || fields.length > 0 || wasQuoted) endRecord();
	return records;
}
