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
	/**
	 * Failed logins of one account from one client address within TAVOLO_LOGIN_WINDOW_SECONDS;
	 * beyond, that pair is refused (an attacker elsewhere never locks the owner out).
	 */
	TAVOLO_LOGIN_MAX_PER_ACCOUNT: positiveInt(5),
	/** Failed logins from one client address, whatever the account, within TAVOLO_LOGIN_WINDOW_SECONDS. */
	TAVOLO_LOGIN_MAX_PER_ADDRESS: positiveInt(20),
	TAVOLO_LOGIN_WINDOW_SECONDS: positiveInt(15 * 60),
	/** Hours an e-mail verification link stays valid. */
	TAVOLO_EMAIL_VERIFICATION_HOURS: positiveInt(48),
	/** Minutes a password reset link stays valid (it works once). */
	TAVOLO_PASSWORD_RESET_MINUTES: positiveInt(60),
	/** Password reset mails one e-mail address may be sent within TAVOLO_PASSWORD_RESET_WINDOW_SECONDS. */
	TAVOLO_PASSWORD_RESET_MAX_PER_EMAIL: positiveInt(3),
	/** Password reset requests and confirmations from one client address within the window. */
	TAVOLO_PASSWORD_RESET_MAX_PER_ADDRESS: positiveInt(10),
	TAVOLO_PASSWORD_RESET_WINDOW_SECONDS: positiveInt(60 * 60),
	/**
	 * Failed logins of one account from every address within the window after which each further
	 * attempt on it waits TAVOLO_LOGIN_SLOWDOWN_MS before its password is checked: it slows a guesser
	 * spread over many addresses and never locks the owner out.
	 */
	TAVOLO_LOGIN_SLOWDOWN_AFTER: positiveInt(20),
	TAVOLO_LOGIN_SLOWDOWN_MS: positiveInt(2000),
	/** Sign-ups from one client address within TAVOLO_SIGNUP_WINDOW_SECONDS (each one hashes a password with argon2). */
	TAVOLO_SIGNUP_MAX_PER_ADDRESS: positiveInt(20),
	TAVOLO_SIGNUP_WINDOW_SECONDS: positiveInt(60 * 60),
	/**
	 * Accessibility reports (the statement's form and POST /api/v1/accessibility-feedback) one client
	 * address may send within the window; each one mails every admin. Refused reports do not count.
	 */
	TAVOLO_ACCESSIBILITY_FEEDBACK_MAX_PER_ADDRESS: positiveInt(5),
	TAVOLO_ACCESSIBILITY_FEEDBACK_WINDOW_SECONDS: positiveInt(60 * 60),
	/**
	 * Requests one client address may make per minute to the JSON API and to every state-changing
	 * page (form actions); 429 beyond.
	 */
	TAVOLO_API_REQUESTS_PER_MINUTE: positiveInt(600),
	/**
	 * The request header a trusted reverse proxy puts the client's address in (adapter-node's
	 * ADDRESS_HEADER, e.g. `x-forwarded-for` or `x-real-ip`); unset: the address of the TCP peer.
	 * Only set it behind a proxy that overwrites the header, or clients choose their own address.
	 */
	ADDRESS_HEADER: z
		.string()
		.trim()
		.toLowerCase()
		.transform((value) => (value === '' ? undefined : value))
		.pipe(
			z
				.string()
				.regex(/^[a-z0-9-]+$/, 'a header name')
				.optional()
		)
		.optional(),
	/** With ADDRESS_HEADER=x-forwarded-for: how many trusted proxies append to it (the address taken is this many from the right). */
	XFF_DEPTH: positiveInt(1),
	/** socket.io connections one user may hold open on a node (tabs, devices); the next is refused. */
	TAVOLO_SOCKET_CONNECTIONS_PER_USER: positiveInt(20),
	/** The bearer token /metrics asks for (`Authorization: Bearer …`); at least 16 characters. */
	TAVOLO_METRICS_TOKEN: z
		.string()
		.trim()
		.transform((value) => (value === '' ? undefined : value))
		.pipe(z.string().min(16).optional())
		.optional(),
	/** A port of its own for /metrics (on HOST); then the app's PORT never serves it. */
	TAVOLO_METRICS_PORT: z
		.string()
		.trim()
		.transform((value) => (value === '' ? undefined : Number(value)))
		.pipe(z.number().int().min(0).max(65535).optional())
		.optional(),
	/** Days an unused session lives; any use in its second half slides it forward (Lucia's design). */
	TAVOLO_SESSION_DAYS: positiveInt(30),
	/** Days an invitation link stays valid when the coordinator does not choose. */
	TAVOLO_INVITATION_DAYS: positiveInt(14),
	/** Largest organisation logo (PNG or SVG) an admin may upload, in bytes. */
	TAVOLO_LOGO_MAX_BYTES: positiveInt(512 * 1024),
	/** Most recipients outside the table one convocation may add (each gets a mail and an invitation). */
	TAVOLO_CONVOCATION_MAX_EXTERNAL: positiveInt(200),
	/** Largest CSV list of people a coordinator may import as invitations at once, in bytes. */
	TAVOLO_INVITATION_IMPORT_MAX_BYTES: positiveInt(256 * 1024),
	/** Most rows (people) in one imported list: each is a mail sent while the request waits. */
	TAVOLO_INVITATION_IMPORT_MAX_ROWS: positiveInt(500),
	/** Largest JSON request body the API accepts, in bytes. */
	TAVOLO_MAX_JSON_BYTES: positiveInt(64 * 1024),
	/** Largest file a member may add to a table's library (POST /api/v1/tables/:id/attachments), in bytes. */
	TAVOLO_ATTACHMENT_MAX_BYTES: positiveInt(25 * 1024 * 1024),
	/**
	 * Largest request body of every other route (forms, uploads of a logo), in bytes: adapter-node's
	 * BODY_SIZE_LIMIT, which Tavolo now applies itself per route (src/lib/server/http/body-limit.ts).
	 */
	TAVOLO_MAX_BODY_BYTES: positiveInt(512 * 1024),
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
	/** Pending Yjs updates (over every document) that commit at once, before the window closes. */
	TAVOLO_YJS_COMMIT_MAX_BATCH: positiveInt(64),
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
	TAVOLO_SOCKET_COMMANDS_PER_SECOND: positiveInt(30),
	/**
	 * Check-ins (people in the council chamber or on the video call, members or guests, open or
	 * ended) one meeting may hold: a long meeting of a large table has a few hundred at most.
	 */
	TAVOLO_CHECK_INS_PER_MEETING: positiveInt(1000),
	/**
	 * Secret ballots: seconds an anonymous poll's ballot key lives in Redis (REDIS_URL) after its
	 * last use; the poll's close erases it before. Without REDIS_URL the key lives in process memory.
	 */
	TAVOLO_BALLOT_KEY_TTL_SECONDS: positiveInt(24 * 60 * 60),
	/** Secret ballots: new ballots (or changes) an anonymous poll gathers before its counts are published. */
	TAVOLO_ANONYMOUS_RESULTS_BATCH: positiveInt(5),
	/**
	 * Secret ballots: seconds after which fewer than TAVOLO_ANONYMOUS_RESULTS_BATCH new ballots are
	 * published anyway, if they are at least two (a lone ballot waits for the next one or the close).
	 */
	TAVOLO_ANONYMOUS_RESULTS_INTERVAL_SECONDS: positiveInt(60),
	/** Worker threads that diff and export documents, off the event loop (started when first needed). */
	TAVOLO_WORKER_THREADS: positiveInt(2),
	/** Diffs and exports one user may have running or queued at once (answers 429 beyond). */
	TAVOLO_HEAVY_PER_USER: positiveInt(2),
	/** Most edits a word (then paragraph) diff may find before it falls back to a coarser one. */
	TAVOLO_DIFF_MAX_EDITS: positiveInt(5_000),
	/** Milliseconds a word (then paragraph) diff may run before it falls back to a coarser one. */
	TAVOLO_DIFF_TIMEOUT_MS: positiveInt(2_000),
	/** Days before a commitment's due date its owner is reminded by e-mail (issue 15). */
	TAVOLO_COMMITMENT_REMINDER_DAYS: positiveInt(2),
	/** Commitments one meeting may record (a room cannot be flooded with them). */
	TAVOLO_COMMITMENTS_PER_MEETING: positiveInt(200),
	/** The hour (0-23, Rome time) the daily notification digest goes out to those who chose it. */
	TAVOLO_NOTIFICATION_DIGEST_HOUR: z.coerce.number().int().min(0).max(23).default(8),
	/** Most notifications GET /api/v1/notifications lists (the newest); the unread count covers all. */
	TAVOLO_NOTIFICATION_LIST_MAX: positiveInt(50),
	/**
	 * Smallest dynamic response (pages, JSON) compressed with brotli or gzip, in bytes: below it the
	 * encoding costs more than it saves. Built assets are compressed once at build time.
	 */
	TAVOLO_COMPRESSION_MIN_BYTES: positiveInt(1024)
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
	/** Where the client's address comes from behind a trusted proxy (README, "Behind a proxy"). */
	clientAddress: { header: string | undefined; xffDepth: number };
	/**
	 * /metrics: on `port` of its own when set, else on the app port with `token`; with neither it
	 * is not served at all (404).
	 */
	metrics: { token: string | undefined; port: number | undefined };
	/** Dynamic responses from this many bytes are compressed (server/http-server.ts). */
	compressionMinBytes: number;
	limits: {
		loginMaxPerAccount: number;
		loginMaxPerAddress: number;
		loginWindowSeconds: number;
		loginSlowdownAfter: number;
		loginSlowdownMs: number;
		signupMaxPerAddress: number;
		signupWindowSeconds: number;
		accessibilityFeedbackMaxPerAddress: number;
		accessibilityFeedbackWindowSeconds: number;
		apiRequestsPerMinute: number;
		emailVerificationHours: number;
		passwordResetMinutes: number;
		passwordResetMaxPerEmail: number;
		passwordResetMaxPerAddress: number;
		passwordResetWindowSeconds: number;
		socketConnectionsPerUser: number;
		sessionDays: number;
		invitationDays: number;
		invitationImportMaxBytes: number;
		invitationImportMaxRows: number;
		maxJsonBytes: number;
		attachmentMaxBytes: number;
		maxBodyBytes: number;
		logoMaxBytes: number;
		convocationMaxExternal: number;
		yjsMaxFrameBytes: number;
		yjsMaxDocBytes: number;
		yjsMaxAwarenessBytes: number;
		yjsAwarenessPerSecond: number;
		yjsLoadBufferMessages: number;
		yjsCommitDelayMs: number;
		yjsCommitMaxBatch: number;
		yjsCompactAfter: number;
		yjsResyncSeconds: number;
		relayStreamMaxEntries: number;
		socketRecoverySeconds: number;
		socketCommandsPerSecond: number;
		checkInsPerMeeting: number;
		dbPoolSize: number;
		ballotKeyTtlSeconds: number;
		anonymousResultsBatch: number;
		anonymousResultsIntervalSeconds: number;
		workerThreads: number;
		heavyPerUser: number;
		diffMaxEdits: number;
		diffTimeoutMs: number;
		commitmentReminderDays: number;
		commitmentsPerMeeting: number;
		notificationDigestHour: number;
		notificationListMax: number;
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
		clientAddress: { header: e.ADDRESS_HEADER, xffDepth: e.XFF_DEPTH },
		metrics: { token: e.TAVOLO_METRICS_TOKEN, port: e.TAVOLO_METRICS_PORT },
		compressionMinBytes: e.TAVOLO_COMPRESSION_MIN_BYTES,
		limits: {
			loginMaxPerAccount: e.TAVOLO_LOGIN_MAX_PER_ACCOUNT,
			loginMaxPerAddress: e.TAVOLO_LOGIN_MAX_PER_ADDRESS,
			loginWindowSeconds: e.TAVOLO_LOGIN_WINDOW_SECONDS,
			loginSlowdownAfter: e.TAVOLO_LOGIN_SLOWDOWN_AFTER,
			loginSlowdownMs: e.TAVOLO_LOGIN_SLOWDOWN_MS,
			signupMaxPerAddress: e.TAVOLO_SIGNUP_MAX_PER_ADDRESS,
			signupWindowSeconds: e.TAVOLO_SIGNUP_WINDOW_SECONDS,
			accessibilityFeedbackMaxPerAddress: e.TAVOLO_ACCESSIBILITY_FEEDBACK_MAX_PER_ADDRESS,
			accessibilityFeedbackWindowSeconds: e.TAVOLO_ACCESSIBILITY_FEEDBACK_WINDOW_SECONDS,
			apiRequestsPerMinute: e.TAVOLO_API_REQUESTS_PER_MINUTE,
			emailVerificationHours: e.TAVOLO_EMAIL_VERIFICATION_HOURS,
			passwordResetMinutes: e.TAVOLO_PASSWORD_RESET_MINUTES,
			passwordResetMaxPerEmail: e.TAVOLO_PASSWORD_RESET_MAX_PER_EMAIL,
			passwordResetMaxPerAddress: e.TAVOLO_PASSWORD_RESET_MAX_PER_ADDRESS,
			passwordResetWindowSeconds: e.TAVOLO_PASSWORD_RESET_WINDOW_SECONDS,
			socketConnectionsPerUser: e.TAVOLO_SOCKET_CONNECTIONS_PER_USER,
			sessionDays: e.TAVOLO_SESSION_DAYS,
			invitationDays: e.TAVOLO_INVITATION_DAYS,
			invitationImportMaxBytes: e.TAVOLO_INVITATION_IMPORT_MAX_BYTES,
			invitationImportMaxRows: e.TAVOLO_INVITATION_IMPORT_MAX_ROWS,
			maxJsonBytes: e.TAVOLO_MAX_JSON_BYTES,
			attachmentMaxBytes: e.TAVOLO_ATTACHMENT_MAX_BYTES,
			maxBodyBytes: e.TAVOLO_MAX_BODY_BYTES,
			logoMaxBytes: e.TAVOLO_LOGO_MAX_BYTES,
			convocationMaxExternal: e.TAVOLO_CONVOCATION_MAX_EXTERNAL,
			yjsMaxFrameBytes: e.TAVOLO_YJS_MAX_FRAME_BYTES,
			yjsMaxDocBytes: e.TAVOLO_YJS_MAX_DOC_BYTES,
			yjsMaxAwarenessBytes: e.TAVOLO_YJS_MAX_AWARENESS_BYTES,
			yjsAwarenessPerSecond: e.TAVOLO_YJS_AWARENESS_PER_SECOND,
			yjsLoadBufferMessages: e.TAVOLO_YJS_LOAD_BUFFER_MESSAGES,
			yjsCommitDelayMs: e.TAVOLO_YJS_COMMIT_DELAY_MS,
			yjsCommitMaxBatch: e.TAVOLO_YJS_COMMIT_MAX_BATCH,
			yjsCompactAfter: e.TAVOLO_YJS_COMPACT_AFTER,
			yjsResyncSeconds: e.TAVOLO_YJS_RESYNC_SECONDS,
			relayStreamMaxEntries: e.TAVOLO_RELAY_STREAM_MAX_ENTRIES,
			socketRecoverySeconds: e.TAVOLO_SOCKET_RECOVERY_SECONDS,
			socketCommandsPerSecond: e.TAVOLO_SOCKET_COMMANDS_PER_SECOND,
			checkInsPerMeeting: e.TAVOLO_CHECK_INS_PER_MEETING,
			dbPoolSize: e.TAVOLO_DB_POOL_SIZE,
			ballotKeyTtlSeconds: e.TAVOLO_BALLOT_KEY_TTL_SECONDS,
			anonymousResultsBatch: e.TAVOLO_ANONYMOUS_RESULTS_BATCH,
			anonymousResultsIntervalSeconds: e.TAVOLO_ANONYMOUS_RESULTS_INTERVAL_SECONDS,
			workerThreads: e.TAVOLO_WORKER_THREADS,
			heavyPerUser: e.TAVOLO_HEAVY_PER_USER,
			diffMaxEdits: e.TAVOLO_DIFF_MAX_EDITS,
			diffTimeoutMs: e.TAVOLO_DIFF_TIMEOUT_MS,
			commitmentReminderDays: e.TAVOLO_COMMITMENT_REMINDER_DAYS,
			commitmentsPerMeeting: e.TAVOLO_COMMITMENTS_PER_MEETING,
			notificationDigestHour: e.TAVOLO_NOTIFICATION_DIGEST_HOUR,
			notificationListMax: e.TAVOLO_NOTIFICATION_LIST_MAX
		}
	};
}
