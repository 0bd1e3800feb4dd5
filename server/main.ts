import { ConfigError, loadConfig } from './config.ts';
import { startApp, type StartOptions } from './app.ts';
import { commands, isCommandName } from './commands.ts';

/** Bounded graceful stop: a process that cannot close within this is ended anyway. */
const shutdownTimeoutMs = 10_000;

/**
 * The production process (build/server.js): configuration from the environment, the app on its
 * port, and a graceful stop on SIGTERM or SIGINT that commits the last edits and votes.
 * `build/server.js migrate` and `build/server.js demo` run one of server/commands.ts instead.
 */
export async function main(entry: StartOptions, argv: string[] = process.argv.slice(2)): Promise<void> {
	const [command] = argv;
	if (command !== undefined && !isCommandName(command)) {
		console.error(`Unknown command "${command}": use no argument to serve, or one of: ${Object.keys(commands).join(', ')}`);
		process.exit(2);
	}
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

	if (command) return commands[command](config);

	const app = await startApp(config, entry);
	console.log(`\n  Tavolo is ready: open ${app.url}\n`);

	let stopping = false;
	async function shutdown(signal: string) {
		if (stopping) return;
		stopping = true;
		const { logger } = app.services;
		logger.info({ signal }, 'shutting down');
		const timer = setTimeout(() => {
			logger.error(`shutdown took longer than ${shutdownTimeoutMs / 1000} s, exiting`);
			process.exit(1);
		}, shutdownTimeoutMs);
		timer.unref();
		try {
			await app.close();
			process.exit(0);
		} catch (error) {
			logger.error({ err: error }, 'shutdown failed');
			process.exit(1);
		}
	}
	process.on('SIGTERM', () => void shutdown('SIGTERM'));
	process.on('SIGINT', () => void shutdown('SIGINT'));
}
