import pdfmake from 'pdfmake';
import type { TDocumentDefinitions } from 'pdfmake/interfaces';
import { installStructureTagging } from './pdf-tagging.ts';

/**
 * What makes every PDF Tavolo produces (document exports, the convocation letter, the minutes, all
 * laid out by buildPdf in pdf-export.ts) one an archive accepts: PDF/A-2b (Italian public bodies
 * keep formal documents in PDF/A), the language, and the title and author in both the Info
 * dictionary and the XMP metadata. pdfmake hands these to pdfkit (`version` → pdfVersion,
 * `subset`, `tagged`, `language` → /Lang, `displayTitle`, `info`); pdfkit then writes the XMP
 * packet with pdfaid:part and conformance, the sRGB output intent, and embeds every font as a
 * subset (only Roboto's TrueType files are used, never a standard-14 font, which would not be).
 */
export const pdfLanguage = 'it-IT';

export interface ArchivalMeta {
	title: string;
	/** The organisation the document speaks for; omitted when unknown. */
	author?: string;
}

export type ArchivalOptions = Pick<TDocumentDefinitions, 'version' | 'subset' | 'tagged' | 'language' | 'displayTitle' | 'info'>;

export function archivalOptions(meta: ArchivalMeta): ArchivalOptions {
	return {
		// pdfkit writes the XMP metadata stream only above PDF 1.3 (pdfmake's default); PDF/A-2
		// rests on PDF 1.7.
		version: '1.7',
		subset: 'PDF/A-2b',
		tagged: true,
		language: pdfLanguage,
		displayTitle: true,
		info: {
			title: meta.title,
			...(meta.author ? { author: meta.author } : {}),
			creator: 'Tavolo',
			producer: 'Tavolo'
		}
	};
}

const xmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const xmlText = (value: string) => value.replace(/[&<>"']/g, (char) => xmlEntities[char]);

/** The pdfkit document as far as this file touches it. */
interface PdfKitDocument extends NodeJS.ReadableStream {
	info: Record<string, unknown>;
	_addInfo(): void;
	end(): void;
}

/**
 * Lays out a definition built with archivalOptions and returns the file. pdfkit copies the Info
 * strings into the XMP packet as they are, so a title such as "Scuola & Comune" would leave the
 * XMP malformed (and the file no PDF/A): while the packet is written the strings are escaped, and
 * the Info dictionary, written before, keeps them as typed.
 */
export async function renderArchivalPdf(definition: TDocumentDefinitions): Promise<Uint8Array> {
	installStructureTagging();
	const doc = (await pdfmake.createPdf(definition).getStream()) as unknown as PdfKitDocument;
	const addInfo = doc._addInfo;
	doc._addInfo = function (this: PdfKitDocument) {
		const info = this.info;
		this.info = Object.fromEntries(Object.entries(info).map(([key, value]) => [key, typeof value === 'string' ? xmlText(value) : value]));
		try {
			addInfo.call(this);
		} finally {
			this.info = info;
		}
	};
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		doc.on('data', (chunk: Buffer) => chunks.push(chunk));
		doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
		doc.on('error', reject);
		doc.end();
	});
}
