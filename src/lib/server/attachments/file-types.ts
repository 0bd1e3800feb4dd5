import { fileTypeFromBuffer } from 'file-type';

/**
 * What a table's library takes, by the type sniffed from the bytes (file-type reads the magic
 * numbers, and inside a ZIP the OOXML content types or the ODF `mimetype` entry): never by the
 * name or the type the browser claims. The extension is the one a download is named with.
 */
export const libraryTypes = {
	pdf: 'application/pdf',
	docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
	odt: 'application/vnd.oasis.opendocument.text',
	xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
	ods: 'application/vnd.oasis.opendocument.spreadsheet',
	png: 'image/png',
	jpg: 'image/jpeg'
} as const;

export type LibraryExtension = keyof typeof libraryTypes;
export type LibraryContentType = (typeof libraryTypes)[LibraryExtension];

/** What the file picker offers (the server decides again from the bytes). */
export const libraryAccept = '.pdf,.docx,.odt,.xlsx,.ods,.png,.jpg,.jpeg';

/** Other names people give the same kind of file. */
const aliases: Record<string, LibraryExtension> = { jpeg: 'jpg' };

export interface SniffedType {
	extension: LibraryExtension;
	contentType: LibraryContentType;
}

/** The file's type from its content, or null for anything the library does not take. */
export async function sniffLibraryType(bytes: Uint8Array): Promise<SniffedType | null> {
	const found = await fileTypeFromBuffer(bytes);
	if (!found) return null;
	const extension = (aliases[found.ext] ?? found.ext) as string;
	if (!(extension in libraryTypes)) return null;
	return { extension: extension as LibraryExtension, contentType: libraryTypes[extension as LibraryExtension] };
}

const maxNameLength = 150;

/**
 * A name safe to store and to send back in Content-Disposition: the last path segment only, no
 * control characters, quotes, slashes or characters Windows refuses, at most 150 characters, and
 * ending with the extension of the sniffed type (a PDF named `verbale.docx` downloads as
 * `verbale.docx.pdf`, so no program opens it as what it is not).
 */
export function safeFilename(uploaded: string, extension: LibraryExtension): string {
	const base = uploaded.split(/[\\/]/).pop() ?? '';
	let name = base
		.normalize('NFC')
		// Control characters (C0, DEL, C1) and what file systems or headers cannot hold.
		// eslint-disable-next-line no-control-regex
		.replace(/[\u0000-\u001f\u007f-\u009f"*:<>?|\\/]/g, '_')
		.replace(/\s+/g, ' ')
		.trim()
		.replace(/^\.+/, '');
	const own = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
	const matches = own !== undefined && (aliases[own] ?? own) === extension;
	if (!matches) name = name ? `${name}.${extension}` : '';
	if (!name) name = `allegato.${extension}`;
	if (name.length > maxNameLength) {
		const suffix = name.slice(name.lastIndexOf('.'));
		name = name.slice(0, maxNameLength - suffix.length).trimEnd() + suffix;
	}
	return name;
}

/** `attachment; filename="ascii"; filename*=UTF-8''…` (RFC 6266): every browser gets a usable name. */
export function contentDisposition(filename: string): string {
	const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
	return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
