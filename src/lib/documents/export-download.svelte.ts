export type ExportPhase = 'idle' | 'preparing' | 'downloading' | 'done' | 'error';

/** `filename*=UTF-8''…` (RFC 5987) first, then the plain `filename="…"`. */
function filenameFrom(disposition: string | null, fallback: string): string {
	if (!disposition) return fallback;
	const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
	if (encoded) {
		try {
			return decodeURIComponent(encoded[1]);
		} catch {
			// A malformed encoding: fall through to the plain name.
		}
	}
	return /filename="([^"]+)"/i.exec(disposition)?.[1] ?? fallback;
}

/**
 * One export in the browser: fetched (not navigated to) so the page can show progress while
 * the server builds the file and while it arrives, then saved through a temporary link.
 */
export class ExportDownload {
	phase = $state<ExportPhase>('idle');
	received = $state(0);
	/** From Content-Length; null while unknown. */
	total = $state<number | null>(null);
	filename = $state('');
	/** The server's `{error: {message}}`, or empty for a network failure. */
	errorMessage = $state('');

	get busy(): boolean {
		return this.phase === 'preparing' || this.phase === 'downloading';
	}

	get percent(): number | null {
		return this.total ? Math.min(100, Math.round((this.received / this.total) * 100)) : null;
	}

	async start(url: string, fallbackName: string): Promise<void> {
		if (this.busy) return;
		this.phase = 'preparing';
		this.received = 0;
		this.total = null;
		this.errorMessage = '';
		try {
			const response = await fetch(url, { credentials: 'same-origin' });
			if (!response.ok) {
				const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
				this.errorMessage = body?.error?.message ?? '';
				this.phase = 'error';
				return;
			}
			this.filename = filenameFrom(response.headers.get('content-disposition'), fallbackName);
			const length = Number(response.headers.get('content-length'));
			this.total = Number.isFinite(length) && length > 0 ? length : null;
			this.phase = 'downloading';
			const chunks: Uint8Array[] = [];
			const reader = response.body?.getReader();
			if (reader) {
				for (;;) {
					const { done, value } = await reader.read();
					if (done) break;
					chunks.push(value);
					this.received += value.byteLength;
				}
			}
			const blob = new Blob(chunks as BlobPart[], { type: response.headers.get('content-type') ?? 'application/octet-stream' });
			const link = document.createElement('a');
			link.href = URL.createObjectURL(blob);
			link.download = this.filename;
			document.body.append(link);
			link.click();
			link.remove();
			// The browser has taken the blob once the click's download started.
			setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
			this.phase = 'done';
		} catch {
			this.phase = 'error';
		}
	}
}
