import { describe, expect, it } from 'vitest';
import { contentDisposition, safeFilename, sniffLibraryType } from './file-types.ts';
import { bodyLimitFor, limitBody } from '../http/body-limit.ts';

describe('the names files are stored and downloaded under', () => {
	it('keeps the last path segment, without control characters, quotes or reserved characters', () => {
		expect(safeFilename('C:\\Users\\ada\\Relazione finale.pdf', 'pdf')).toBe('Relazione finale.pdf');
		expect(safeFilename('../../etc/passwd', 'pdf')).toBe('passwd.pdf');
		expect(safeFilename('a"b\u0000c<d>.pdf', 'pdf')).toBe('a_b_c_d_.pdf');
		expect(safeFilename('...nascosto.PDF', 'pdf')).toBe('nascosto.PDF');
	});

	it('ends with the extension of the type read from the content', () => {
		expect(safeFilename('foto.jpeg', 'jpg')).toBe('foto.jpeg');
		expect(safeFilename('verbale.docx', 'pdf')).toBe('verbale.docx.pdf');
		expect(safeFilename('', 'png')).toBe('allegato.png');
		const long = safeFilename(`${'a'.repeat(400)}.xlsx`, 'xlsx');
		expect(long).toHaveLength(150);
		expect(long.endsWith('.xlsx')).toBe(true);
	});

	it('writes Content-Disposition with an ASCII name and the UTF-8 one (RFC 6266)', () => {
		expect(contentDisposition('Città 2027 (bozza).pdf')).toBe(
			`attachment; filename="Citt_ 2027 (bozza).pdf"; filename*=UTF-8''Citt%C3%A0%202027%20%28bozza%29.pdf`
		);
	});
});

describe('the type read from the content', () => {
	it('knows a PDF, a PNG and a JPEG by their first bytes, and nothing by a name', async () => {
		expect(await sniffLibraryType(new TextEncoder().encode('%PDF-1.4\n%%EOF\n'))).toEqual({
			extension: 'pdf',
			contentType: 'application/pdf'
		});
		const png = new Uint8Array([
			0x89,
			0x50,
			0x4e,
			0x47,
			0x0d,
			0x0a,
			0x1a,
			0x0a,
			0,
			0,
			0,
			13,
			0x49,
			0x48,
			0x44,
			0x52,
			...new Uint8Array(32)
		]);
		expect((await sniffLibraryType(png))?.contentType).toBe('image/png');
		const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, ...new Uint8Array(32)]);
		expect((await sniffLibraryType(jpeg))?.contentType).toBe('image/jpeg');
		expect(await sniffLibraryType(new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, ...new Uint8Array(100)]))).toBeNull();
		expect(await sniffLibraryType(new TextEncoder().encode('<html><script>alert(1)</script></html>'))).toBeNull();
	});
});

describe('the body limit of each route', () => {
	const limits = { attachmentMaxBytes: 1000, maxBodyBytes: 100 };

	it('gives the library upload its own limit and every other route the general one', () => {
		expect(bodyLimitFor('POST', '/api/v1/tables/t1/attachments', limits)).toBeGreaterThan(1000);
		expect(bodyLimitFor('PUT', '/api/v1/tables/t1/attachments', limits)).toBe(100);
		expect(bodyLimitFor('POST', '/api/v1/tables/t1/attachments/x', limits)).toBe(100);
		expect(bodyLimitFor('POST', '/tables/t1?/proposeTopic', limits)).toBe(100);
	});

	it('errors a streamed body with 413 as soon as it passes the limit, and passes a smaller one whole', async () => {
		const request = (size: number) =>
			new Request('http://localhost/x', { method: 'POST', body: new Uint8Array(size), duplex: 'half' } as RequestInit);
		expect((await limitBody(request(100), 100).arrayBuffer()).byteLength).toBe(100);
		await expect(limitBody(request(101), 100).arrayBuffer()).rejects.toMatchObject({ status: 413 });
	});
});
