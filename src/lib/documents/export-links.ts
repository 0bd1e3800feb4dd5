import type { JSONContent } from '@tiptap/core';

/** The only link targets an exported file may carry: web pages and e-mail addresses. */
const exportableProtocols = new Set(['http:', 'https:', 'mailto:']);

/**
 * `href` if a reader of the exported file may follow it, else null. Parsed as a browser or a PDF
 * reader would (the WHATWG URL parser drops tabs and newlines, so `java\tscript:` is `javascript:`);
 * a relative target has no meaning outside the app and is dropped too.
 */
export function exportableHref(href: unknown): string | null {
	if (typeof href !== 'string') return null;
	try {
		const url = new URL(href.trim());
		return exportableProtocols.has(url.protocol) ? href.trim() : null;
	} catch {
		return null;
	}
}

/** The document with every link mark whose target is not exportable removed; the text stays. */
export function withExportableLinks(node: JSONContent): JSONContent {
	const marks = node.marks?.filter((mark) => mark.type !== 'link' || exportableHref(mark.attrs?.href) !== null);
	return {
		...node,
		...(node.marks ? { marks } : {}),
		...(node.content ? { content: node.content.map(withExportableLinks) } : {})
	};
}
