/** The bootstrap-italia icons src/ names, made by the build (vite.config.ts, bootstrapItaliaIcons). */
declare module 'virtual:tavolo-icons' {
	const icons: Record<string, { viewBox: string; body: string } | undefined>;
	export default icons;
}
