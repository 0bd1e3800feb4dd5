/**
 * A small, valid PDF written by hand (cross-reference offsets computed), one page per text, each
 * page's text in large type: what a moderator shows and what pdf.js must draw. `padTo` appends a
 * comment after the end so the file reaches an exact size (the library's limit).
 */
export function makePdf(pageTexts: string[], padTo?: number): Uint8Array<ArrayBuffer> {
	const objects: string[] = [];
	const pageIds = pageTexts.map((_, index) => 4 + index * 2);
	objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
	objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageTexts.length} >>`;
	objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
	pageTexts.forEach((text, index) => {
		const pageId = pageIds[index];
		const escaped = text.replace(/[\\()]/g, (c) => `\\${c}`);
		// A page number as a large block too, so pages differ visibly on the canvas.
		const stream = `BT /F1 48 Tf 72 700 Td (${escaped}) Tj ET\n0 0 0 rg ${60 + index * 90} 200 80 ${120 + index * 60} re f`;
		objects[pageId] =
			`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageId + 1} 0 R >>`;
		objects[pageId + 1] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
	});
	let body = '%PDF-1.4\n';
	const offsets: number[] = [];
	for (let id = 1; id < objects.length; id++) {
		offsets[id] = body.length;
		body += `${id} 0 obj\n${objects[id]}\nendobj\n`;
	}
	const xref = body.length;
	body += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
	for (let id = 1; id < objects.length; id++) body += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
	body += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	const bytes = new TextEncoder().encode(body);
	if (padTo === undefined || padTo <= bytes.byteLength) return bytes;
	const padded = new Uint8Array(padTo);
	padded.set(bytes);
	padded.fill(0x25, bytes.byteLength, bytes.byteLength + 1); // '%': the rest is a comment
	padded.fill(0x20, bytes.byteLength + 1);
	return padded;
}
