import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
	it('has working defaults: port 3000, embedded database in ./data, single node, mails logged', () => {
		const config = loadConfig({});
		expect(config).toMatchObject({
			port: 3000,
			dataDir: './data',
			databaseUrl: undefined,
			redisUrl: undefined,
			smtpUrl: undefined,
			origin: undefined
		});
		expect(config.limits.yjsMaxFrameBytes).toBe(2 * 1024 * 1024);
	});

	it('treats empty values as unset and trims a trailing slash from ORIGIN', () => {
		const config = loadConfig({ DATABASE_URL: '', ORIGIN: 'https://tavolo.example/' });
		expect(config.databaseUrl).toBeUndefined();
		expect(config.origin).toBe('https://tavolo.example');
		expect(config.secureCookies).toBe(true);
	});

	it('caps socket.io commands per connection at 30 a second unless told otherwise', () => {
		expect(loadConfig({}).limits.socketCommandsPerSecond).toBe(30);
		expect(loadConfig({ TAVOLO_SOCKET_COMMANDS_PER_SECOND: '200' }).limits.socketCommandsPerSecond).toBe(200);
		for (const bad of ['0', '-3', '2.5', 'molti']) {
			expect(() => loadConfig({ TAVOLO_SOCKET_COMMANDS_PER_SECOND: bad }), bad).toThrow(/TAVOLO_SOCKET_COMMANDS_PER_SECOND/);
		}
	});

	it('fails fast naming every bad variable', () => {
		expect(() => loadConfig({ PORT: 'tremila', DATABASE_URL: 'not a url', TAVOLO_YJS_MAX_FRAME_BYTES: '-1' })).toThrow(ConfigError);
		try {
			loadConfig({ PORT: 'tremila', DATABASE_URL: 'not a url' });
		} catch (error) {
			expect((error as ConfigError).message).toMatch(/PORT/);
			expect((error as ConfigError).message).toMatch(/DATABASE_URL/);
		}
	});
});
