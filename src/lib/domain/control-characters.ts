/**
 * C0 control characters other than tab, line feed and carriage return: nothing a person types.
 * PostgreSQL refuses NUL in text outright, and the others break the XML of DOCX exports and
 * confuse readers of logs and e-mails. Input fields refuse them (src/lib/server/validation.ts);
 * free prose, such as a document's text, loses them.
 */
// eslint-disable-next-line no-control-regex -- the control characters are what this matches
export const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
// eslint-disable-next-line no-control-regex -- the control characters are what this matches
const controlCharactersGlobal = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

export function stripControlCharacters(text: string): string {
	return text.replace(controlCharactersGlobal, '');
}
