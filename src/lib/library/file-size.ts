import { m } from '$lib/paraglide/messages.js';

/** "850 kB", "12,4 MB": sizes as people read them, in the page's language. */
export function formatSize(bytes: number, locale: string): string {
	if (bytes < 1024 * 1024) return m.lib_size_kb({ size: Math.max(1, Math.round(bytes / 1024)).toLocaleString(locale) });
	return m.lib_size_mb({ size: (bytes / (1024 * 1024)).toLocaleString(locale, { maximumFractionDigits: 1 }) });
}
