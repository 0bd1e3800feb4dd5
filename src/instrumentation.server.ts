/**
 * The Node entry's way into SvelteKit's server bundle. SvelteKit builds this file with the rest
 * of the server code, and adapter-node bundles it next to its handler with shared chunks
 * (build/instrumentation.server.js). So build/server.js, which starts the app from here, and the
 * SvelteKit handler run one module graph: every service module is loaded once, and the app
 * context server/app.ts builds is the one hooks and routes read (src/lib/server/app-context.ts).
 * Importing it has no side effect; nothing here is instrumentation in the tracing sense.
 */
export { main } from '../server/main.ts';
export { startApp } from '../server/app.ts';
