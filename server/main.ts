import { ConfigError, loadConfig } from './config.ts';
import { startApp } from './app.ts';

let config;
try {
	config = loadConfig();
} catch (error) {
	if (error instanceof ConfigError) {
		console.error(error.message);
		process.exit(1);
	}
	throw error;
}

const app = await startApp(config);
console.log(`\n  Tavolo is ready: open ${app.url}\n`);

let stopping = false;
async function shutdown(signal: string) {
	if (stopping) return;
	stopping = true;
	app.context.logger.info({ signal }, 'shutting down');
	const timer = setTimeout(() => {
		app.context.logger.error('shutdown took longer than 10 s, exiting');
		process.exit(1);
	}, 10_000);
	timer.unref();
	try {
		await app.close();
		process.exit(0);
	} catch (error) {
		app.context.logger.error({ err: error }, 'shutdown failed');
		process.exit(1);
	}
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
