import { getDocument, GlobalWorkerOptions, type PDFDocumentProxy, type RenderTask } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

/**
 * pdf.js, loaded only when a PDF is shown (PdfFocusView imports this module lazily): its parser
 * runs in its own worker, served from our build.
 */
GlobalWorkerOptions.workerSrc = workerUrl;

export interface OpenedPdf {
	pages: number;
	/** Draws `page` into `canvas`, `width` CSS pixels wide; a newer call cancels an older one still drawing. */
	render(page: number, canvas: HTMLCanvasElement, width: number): Promise<void>;
	destroy(): void;
}

/** Downloads the file (with the session cookie, like any other request of the page) and opens it. */
export async function openPdf(url: string, signal: AbortSignal): Promise<OpenedPdf> {
	const response = await fetch(url, { credentials: 'same-origin', signal });
	if (!response.ok) throw new Error(`PDF download failed: ${response.status}`);
	const data = new Uint8Array(await response.arrayBuffer());
	// No eval of fonts' code, no scripts: the file is only drawn.
	const task = getDocument({ data, isEvalSupported: false, enableXfa: false });
	const pdf: PDFDocumentProxy = await task.promise;
	let current: RenderTask | null = null;
	return {
		pages: pdf.numPages,
		async render(number, canvas, width) {
			current?.cancel();
			const page = await pdf.getPage(Math.min(Math.max(1, number), pdf.numPages));
			const natural = page.getViewport({ scale: 1 });
			const ratio = window.devicePixelRatio || 1;
			const viewport = page.getViewport({ scale: (width / natural.width) * ratio });
			canvas.width = Math.floor(viewport.width);
			canvas.height = Math.floor(viewport.height);
			canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
			canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
			const task = page.render({ canvas, viewport });
			current = task;
			try {
				await task.promise;
			} catch (error) {
				// A newer page was asked for meanwhile: this drawing was cancelled on purpose.
				if ((error as { name?: string }).name !== 'RenderingCancelledException') throw error;
			} finally {
				if (current === task) current = null;
			}
		},
		destroy() {
			current?.cancel();
			void task.destroy();
		}
	};
}
