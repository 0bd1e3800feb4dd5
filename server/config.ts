import { z } from 'zod';

/**
 * Every setting Tavolo reads from the environment, parsed once at start-up. A bad value stops the
 * process with a message naming the variable, so a misconfigured deployment never half-starts.
 * The public names (PORT, HOST, ORIGIN, DATABASE_URL, TAVOLO_DATA_DIR, REDIS_URL, SMTP_URL) are the
 * contract of shared/DESIGN.md §4; the TAVOLO_* limits have defaults sane for one territorial table.
 */
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalUrl = z
	.string()
	.trim()
	.transform((value) => (value === '' ? undefined : value))
	.pipe(z.url().optional())
	.optional();

const environmentSchema = z.object({
	NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
	PORT: z.coerce.number().int().min(0).max(65535).default(3000),
	HOST: z.string().default('0.0.0.0'),
	ORIGIN: optionalUrl,
	DATABASE_URL: optionalUrl,
	TAVOLO_DATA_DIR: z.string().default('./data'),
	REDIS_URL: optionalUrl,
	/** Starts every Redis key and channel of this deployment, so several deployments (or test runs) can share one Redis. */
	TAVOLO_REDIS_PREFIX: z
		.string()
		.trim()
		.regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits, : . _ - (at most 64)')
		.default('tavolo'),
	SMTP_URL: optionalUrl,
	/** The From header of mails, e.g. `Consorzio <tavoli@consorzio.example>`; default tavolo@<ORIGIN host>. */
	SMTP_FROM: z
		.string()
		.trim()
		.transform((value) => (value === '' ? undefined : value))
		.optional(),
	LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
	/** Login attempts per account (email) within TAVOLO_LOGIN_WINDOW_SECONDS. */
	TAVOLO_LOGIN_MAX_PER_ACCOUNT: positiveInt(5),
	/** Login attempts per client address within TAVOLO_LOGIN_WINDOW_SECONDS. */
	TAVOLO_LOGIN_MAX_PER_ADDRESS: positiveInt(20),
	TAVOLO_LOGIN_WINDOW_SECONDS: positiveInt(15 * 60),
	/** JSON API requests one client address may make per minute (answers 429 beyond). */
	TAVOLO_API_REQUESTS_PER_MINUTE: positiveInt(600),
	/** Days an unused session lives; any use in its second half slides it forward (Lucia's design). */
	TAVOLO_SESSION_DAYS: positiveInt(30),
	/** Days an invitation link stays valid when the coordinator does not choose. */
	TAVOLO_INVITATION_DAYS: positiveInt(14),
	/** Largest JSON request body the API accepts, in bytes. */
	TAVOLO_MAX_JSON_BYTES: positiveInt(64 * 1024),
	/** Largest WebSocket frame on /yjs, in bytes; larger frames close the connection with 1009. */
	TAVOLO_YJS_MAX_FRAME_BYTES: positiveInt(2 * 1024 * 1024),
	/** Largest encoded Yjs document state, in bytes; updates that would exceed it are refused. */
	TAVOLO_YJS_MAX_DOC_BYTES: positiveInt(16 * 1024 * 1024),
	/** Largest awareness state of one client, in bytes. */
	TAVOLO_YJS_MAX_AWARENESS_BYTES: positiveInt(8 * 1024),
	/** Awareness updates one connection may send per second. */
	TAVOLO_YJS_AWARENESS_PER_SECOND: positiveInt(30),
	/** Messages kept per connection while its document loads from the database. */
	TAVOLO_YJS_LOAD_BUFFER_MESSAGES: positiveInt(256),
	/** Milliseconds updates wait to be committed together. */
	TAVOLO_YJS_COMMIT_DELAY_MS: positiveInt(20),
	/** Update rows after which a document's log is merged into one snapshot. */
	TAVOLO_YJS_COMPACT_AFTER: positiveInt(500),
	/** With REDIS_URL: seconds between resyncs of each open document from PostgreSQL (anti-entropy). */
	TAVOLO_YJS_RESYNC_SECONDS: positiveInt(60),
	/** With REDIS_URL: entries kept in each document's Redis stream (approximate trimming). */
	TAVOLO_RELAY_STREAM_MAX_ENTRIES: positiveInt(10_000),
	/**
	 * PostgreSQL connections of this process (with DATABASE_URL). Each node holds this many: keep
	 * nodes × size under the server's max_connections (100 by default).
	 */
	TAVOLO_DB_POOL_SIZE: positiveInt(10),
	/** With REDIS_URL: seconds within which a reconnecting socket.io client gets the events it missed. */
	TAVOLO_SOCKET_RECOVERY_SECONDS: positiveInt(120),
	/**
	 * socket.io commands one connection may send per second (answered rate_limited beyond): enough
	 * for a moderator's fastest clicking and a client re-joining a few rooms at once.
	 */
	TAVOLO_SOCKET_COMMANDS_PER_SECOND: positiveInt(30)
});

export type Environment = z.infer<typeof environmentSchema>;

export interface Config {
	env: Environment['NODE_ENV'];
	port: number;
	host: string;
	/** The public URL users open; undefined means "whatever host the request came to". */
	origin: string | undefined;
	secureCookies: boolean;
	databaseUrl: string | undefined;
	dataDir: string;
	redisUrl: string | undefined;
	redisPrefix: string;
	smtpUrl: string | undefined;
	smtpFrom: string | undefined;
	logLevel: Environment['LOG_LEVEL'];
	limits: {
		loginMaxPerAccount: number;
		loginMaxPerAddress: number;
		loginWindowSeconds: number;
		apiRequestsPerMinute: number;
		sessionDays: number;
		invitationDays: number;
		maxJsonBytes: number;
		yjsMaxFrameBytes: number;
		yjsMaxDocBytes: number;
		yjsMaxAwarenessBytes: number;
		yjsAwarenessPerSecond: number;
		yjsLoadBufferMessages: number;
		yjsCommitDelayMs: number;
		yjsCompactAfter: number;
		yjsResyncSeconds: number;
		relayStreamMaxEntries: number;
		socketRecoverySeconds: number;
		socketCommandsPerSecond: number;
		dbPoolSize: number;
	};
}

export class ConfigError extends Error {
	constructor(readonly problems: string[]) {
		super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
		this.name = 'ConfigError';
	}
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
	const parsed = environmentSchema.safeParse(source);
	if (!parsed.success) {
		throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
	}
	const e = parsed.data;
	const origin = e.ORIGIN?.replace(/\/$/, '');
	return {
		env: e.NODE_ENV,
		port: e.PORT,
		host: e.HOST,
		origin,
		secureCookies: origin?.startsWith('https://') ?? false,
		databaseUrl: e.DATABASE_URL,
		dataDir: e.TAVOLO_DATA_DIR,
		redisUrl: e.REDIS_URL,
		redisPrefix: e.TAVOLO_REDIS_PREFIX,
		smtpUrl: e.SMTP_URL,
		smtpFrom: e.SMTP_FROM,
		logLevel: e.LOG_LEVEL,
		limits: {
			loginMaxPerAccount: e.TAVOLO_LOGIN_MAX_PER_ACCOUNT,
			loginMaxPerAddress: e.TAVOLO_LOGIN_MAX_PER_ADDRESS,
			loginWindowSeconds: e.TAVOLO_LOGIN_WINDOW_SECONDS,
			apiRequestsPerMinute: e.TAVOLO_API_REQUESTS_PER_MINUTE,
			sessionDays: e.TAVOLO_SESSION_DAYS,
			invitationDays: e.TAVOLO_INVITATION_DAYS,
			maxJsonBytes: e.TAVOLO_MAX_JSON_BYTES,
			yjsMaxFrameBytes: e.TAVOLO_YJS_MAX_FRAME_BYTES,
			yjsMaxDocBytes: e.TAVOLO_YJS_MAX_DOC_BYTES,
			yjsMaxAwarenessBytes: e.TAVOLO_YJS_MAX_AWARENESS_BYTES,
			yjsAwarenessPerSecond: e.TAVOLO_YJS_AWARENESS_PER_SECOND,
			yjsLoadBufferMessages: e.TAVOLO_YJS_LOAD_BUFFER_MESSAGES,
			yjsCommitDelayMs: e.TAVOLO_YJS_COMMIT_DELAY_MS,
			yjsCompactAfter: e.TAVOLO_YJS_COMPACT_AFTER,
			yjsResyncSeconds: e.TAVOLO_YJS_RESYNC_SECONDS,
			relayStreamMaxEntries: e.TAVOLO_RELAY_STREAM_MAX_ENTRIES,
			socketRecoverySeconds: e.TAVOLO_SOCKET_RECOVERY_SECONDS,
			socketCommandsPerSecond: e.TAVOLO_SOCKET_COMMANDS_PER_SECOND,
			dbPoolSize: e.TAVOLO_DB_POOL_SIZE
		}
	};
}
