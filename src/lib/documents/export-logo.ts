/**
 * The organisation's logo as the exports draw it (PDF and DOCX letterhead): its bytes, its type
 * (sniffed at upload, src/lib/server/organization/service.ts) and its size, to scale it into the
 * letterhead's box without stretching.
 */
export interface ExportLogo {
	bytes: Uint8Array;
	contentType: 'image/png' | 'image/svg+xml';
}

/** The letterhead's box, in points: the logo is scaled to fit it, keeping its proportions. */
export const logoBox = { width: 180, height: 56 } as const;

/**
 * A PNG's width and height from its IHDR chunk, or null when the file is not a PNG whose chunks
 * run from IHDR to IEND (a truncated or padded file is refused at upload, not drawn broken).
 */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
	const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
	if (bytes.length < 8 + 25 + 12 || !signature.every((byte, i) => bytes[i] === byte)) return null;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const type = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
	if (view.getUint32(8) !== 13 || type(12) !== 'IHDR') return null;
	const width = view.getUint32(16);
	const height = view.getUint32(20);
	if (width < 1 || height < 1 || width > 20_000 || height > 20_000) return null;
	let at = 8;
	let sawData = false;
	while (at + 12 <= bytes.length) {
		const length = view.getUint32(at);
		const name = type(at + 4);
		const next = at + 12 + length;
		if (next > bytes.length) return null;
		if (name === 'IDAT') sawData = true;
		if (name === 'IEND') return sawData && next === bytes.length ? { width, height } : null;
		at = next;
	}
	return null;
}

/** An SVG's proportions from its width and height, or its viewBox; a square when it gives neither. */
export function svgSize(text: string): { width: number; height: number } {
	const root = /<svg\b[^>]*>/i.exec(text)?.[0] ?? '';
	const attribute = (name: string) => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(root)?.[1];
	const number = (value: string | undefined) => {
		const parsed = value ? Number.parseFloat(value) : NaN;
		return Number.isFinite(parsed) && parsed > 0 && !value!.trim().endsWith('%') ? parsed : null;
	};
	const width = number(attribute('width'));
	const height = number(attribute('height'));
	if (width && height) return { width, height };
	const box = attribute('viewBox')
		?.trim()
		.split(/[\s,]+/)
		.map(Number);
	if (box && box.length === 4 && box[2] > 0 && box[3] > 0) return { width: box[2], height: box[3] };
	return { width: 1, height: 1 };
}

/** The logo's size in the letterhead's box (points), proportions kept. */
export function fittedLogoSize(logo: ExportLogo): { width: number; height: number } {
	const natural =
		logo.contentType === 'image/png' ? (pngSize(logo.bytes) ?? { width: 1, height: 1 }) : svgSize(new TextDecoder().decode(logo.bytes));
	const scale = Math.min(logoBox.width / natural.width, logoBox.height / natural.height);
	return { width: Math.max(1, Math.round(natural.width * scale)), height: Math.max(1, Math.round(natural.height * scale)) };
}
