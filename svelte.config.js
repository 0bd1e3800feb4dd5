import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build', precompress: false }),
		// Origin is checked for every state-changing request (forms and JSON alike) in
		// hooks.server.ts against the configured ORIGIN, so Kit's form-only check is off.
		csrf: { trustedOrigins: ['*'] },
		// Kit adds hashes or nonces for its own inline scripts ('auto'). Styles allow inline because
		// Svelte's style: directives and the editor's carets set style attributes. frame-ancestors
		// 'none': Tavolo is never framed (clickjacking).
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:'],
				'font-src': ['self', 'data:'],
				'connect-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		},
		alias: { $server: 'server' }
	}
};

export default config;
