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
		alias: { $server: 'server' }
	}
};

export default config;
