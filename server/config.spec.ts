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

	it('publishes anonymous counts in batches of 5 or after 60 s, and keeps ballot keys a day after their last use, unless told otherwise', () => {
		const { limits } = loadConfig({});
		expect([limits.anonymousResultsBatch, limits.anonymousResultsIntervalSeconds, limits.ballotKeyTtlSeconds]).toEqual([5, 60, 86_400]);
		expect(loadConfig({ TAVOLO_ANONYMOUS_RESULTS_BATCH: '1' }).limits.anonymousResultsBatch).toBe(1);
		expect(() => loadConfig({ TAVOLO_ANONYMOUS_RESULTS_BATCH: '0' })).toThrow(/TAVOLO_ANONYMOUS_RESULTS_BATCH/);
		expect(() => loadConfig({ TAVOLO_BALLOT_KEY_TTL_SECONDS: 'sempre' })).toThrow(/TAVOLO_BALLOT_KEY_TTL_SECONDS/);
	});

	it('caps socket.io commands per connection at 30 a second unless told otherwise', () => {
		expect(loadConfig({}).limits.socketCommandsPerSecond).toBe(30);
		expect(loadConfig({ TAVOLO_SOCKET_COMMANDS_PER_SECOND: '200' }).limits.socketCommandsPerSecond).toBe(200);
		for (const bad of ['0', '-3', '2.5', 'molti']) {
			expect(() => loadConfig({ TAVOLO_SOCKET_COMMANDS_PER_SECOND: bad }), bad).toThrow(/TAVOLO_SOCKET_COMMANDS_PER_SECOND/);
		}
	});

	it('serves /metrics nowhere by default, and reads its token, its port and the proxy header', () => {
		expect(loadConfig({}).metrics).toEqual({ token: undefined, port: undefined });
		expect(loadConfig({ TAVOLO_METRICS_TOKEN: 'a-long-enough-token', TAVOLO_METRICS_PORT: '9464' }).metrics).toEqual({
			token: 'a-long-enough-token',
			port: 9464
		});
		expect(() => loadConfig({ TAVOLO_METRICS_TOKEN: 'short' })).toThrow(/TAVOLO_METRICS_TOKEN/);
		expect(() => loadConfig({ TAVOLO_METRICS_PORT: 'novanta' })).toThrow(/TAVOLO_METRICS_PORT/);
		expect(loadConfig({}).clientAddress).toEqual({ header: undefined, xffDepth: 1 });
		expect(loadConfig({ ADDRESS_HEADER: 'X-Forwarded-For', XFF_DEPTH: '2' }).clientAddress).toEqual({
			header: 'x-forwarded-for',
			xffDepth: 2
		});
		expect(() => loadConfig({ ADDRESS_HEADER: 'x forwarded' })).toThrow(/ADDRESS_HEADER/);
		expect(loadConfig({}).limits).toMatchObject({ socketConnectionsPerUser: 20, signupMaxPerAddress: 20, loginSlowdownAfter: 20 });
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
