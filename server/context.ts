import pino, { type Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Redis } from 'ioredis';
import { openDatabase, type DatabaseHandle } from '../src/lib/server/db/connect.ts';
import { migrateToLatest } from '../src/lib/server/db/migrate.ts';
import { createSessionStore, type SessionStore } from '../src/lib/server/auth/sessions.ts';
import {
	createLoginLimiter,
	createRequestLimiter,
	redisLimiters,
	type LoginLimiter,
	type RequestLimiter
} from '../src/lib/server/auth/login-limiter.ts';
import { createPasswordResetLimiter, type PasswordResetLimiter } from '../src/lib/server/auth/password-reset-limiter.ts';
import { ensureDefaultProgramme } from '../src/lib/server/programmes/service.ts';
import { createEvents, type Events, type MembershipChanges } from '../src/lib/server/events.ts';
import { createMailer, defaultSender, type Mailer } from '../src/lib/server/mail/mailer.ts';
import { readOrganization } from '../src/lib/server/organization/service.ts';
import { createVoteBatcher, type VoteBatcher } from '../src/lib/server/polls/vote-batcher.ts';
import { memoryBallotKeys, redisBallotKeys } from '../src/lib/server/polls/ballot-keys.ts';
import { redisBallotCounter } from '../src/lib/server/polls/results-pacer.ts';
import type { Config } from './config.ts';
import { createCluster, type Cluster } from './cluster/cluster.ts';
import { closeRedis, connectRedis } from './redis.ts';
import { createHeavyWork, type HeavyWork } from '../src/lib/server/heavy-work.ts';

/**
 * What one process holds besides its sockets: the database (migrated), the session store, the
 * limiters, the vote batches, the mailer, the process events and, with REDIS_URL, the cluster.
 * The realtime endpoints (server/realtime.ts) are built on these, and the app context on both.
 */
export interface Services {
	config: Config;
	logger: Logger;
	metrics: Registry;
	database: DatabaseHandle;
	sessions: SessionStore;
	loginLimiter: LoginLimiter;
	apiLimiter: RequestLimiter;
	passwordResetLimiter: PasswordResetLimiter;
	signupLimiter: RequestLimiter;
	accessibilityFeedbackLimiter: RequestLimiter;
	votes: VoteBatcher;
	mailer: Mailer;
	membershipChanges: MembershipChanges;
	/** Ids of sessions that ended (logout). */
	sessionEnds: Events<string>;
	/** Names of Yjs documents whose status changed. */
	documentStatusChanges: Events<string>;
	/** With REDIS_URL: the other nodes (the events above reach them too). */
	cluster: Cluster | undefined;
	/** With REDIS_URL: the rate limiters' own connection. */
	redis: Redis | undefined;
	/** Diffs and exports, in worker threads. */
	heavyWork: HeavyWork;
	/** Waits for the last vote batch, then closes Redis, the mailer and the database. */
	close(): Promise<void>;
}

export interface ServicesOptions {
	/** The built worker entry (build/heavy-worker.js); without it diffs and exports run in this thread. */
	workerFile?: URL;
}

/** Opens the database (migrating it), and builds the services one process shares. */
export async function createServices(config: Config, options: ServicesOptions = {}): Promise<Services> {
	const logger = pino({ level: config.logLevel, base: { service: 'tavolo' } });
	const database = await openDatabase({
		databaseUrl: config.databaseUrl,
		dataDir: config.dataDir,
		poolSize: config.limits.dbPoolSize
	});
	const migrated = await migrateToLatest(database.db);
	for (const result of migrated.results ?? []) {
		logger.info({ migration: result.migrationName, status: result.status }, 'migration');
	}
	await ensureDefaultProgramme(database.db);

	const metrics = new Registry();
	collectDefaultMetrics({ register: metrics });
	// With REDIS_URL several processes act as one: the events below reach every node.
	const cluster = config.redisUrl
		? createCluster({
				redisUrl: config.redisUrl,
				prefix: config.redisPrefix,
				logger,
				metrics,
				streamMaxLen: config.limits.relayStreamMaxEntries
			})
		: undefined;
	const events = <T>(channel: string) => (cluster ? cluster.distribute(createEvents<T>(), channel) : createEvents<T>());
	// The rate limiters' own client: it fails fast while Redis is away (the limiters then count
	// in memory), where the cluster's connections queue and retry.
	const redis: Redis | undefined = config.redisUrl
		? connectRedis(config.redisUrl, logger, { name: 'rate-limits', queueWhileDown: false })
		: undefined;
	const limiterStore = redis ? redisLimiters(redis, { prefix: `${config.redisPrefix}:rl:` }) : undefined;
	const votes = createVoteBatcher({
		db: database.db,
		// Anonymous ballot keys never reach the database: shared by every node through Redis, or
		// this process's own (lost on restart: the votes cast stand but can no longer be changed).
		keys: redis
			? redisBallotKeys(redis, { prefix: `${config.redisPrefix}:ballot-key:`, ttlSeconds: config.limits.ballotKeyTtlSeconds })
			: memoryBallotKeys(),
		pacing: {
			batch: config.limits.anonymousResultsBatch,
			intervalMs: config.limits.anonymousResultsIntervalSeconds * 1000,
			counter: redis
				? redisBallotCounter(redis, { prefix: `${config.redisPrefix}:ballot-count:`, ttlSeconds: config.limits.ballotKeyTtlSeconds })
				: undefined
		}
	});
	const heavyWork = createHeavyWork({
		workerFile: options.workerFile,
		threads: config.limits.workerThreads,
		perUser: config.limits.heavyPerUser,
		diffLimits: { maxEditLength: config.limits.diffMaxEdits, timeoutMs: config.limits.diffTimeoutMs }
	});
	const mailer = createMailer({
		smtpUrl: config.smtpUrl,
		from: config.smtpFrom ?? defaultSender(config.origin),
		// An SMTP_FROM with a display name is the operator's choice and stays; otherwise mails go out
		// under the organisation's name (its admin page).
		senderName: config.smtpFrom?.includes('<') ? undefined : async () => (await readOrganization(database.db)).name,
		logger
	});

	return {
		config,
		logger,
		metrics,
		database,
		sessions: createSessionStore(database.db, config.limits.sessionDays),
		loginLimiter: createLoginLimiter({
			maxPerAccount: config.limits.loginMaxPerAccount,
			maxPerAddress: config.limits.loginMaxPerAddress,
			windowSeconds: config.limits.loginWindowSeconds,
			slowdownAfter: config.limits.loginSlowdownAfter,
			slowdownMs: config.limits.loginSlowdownMs,
			createLimiter: limiterStore
		}),
		apiLimiter: createRequestLimiter(config.limits.apiRequestsPerMinute, 60, limiterStore),
		passwordResetLimiter: createPasswordResetLimiter({
			maxPerEmail: config.limits.passwordResetMaxPerEmail,
			maxPerAddress: config.limits.passwordResetMaxPerAddress,
			windowSeconds: config.limits.passwordResetWindowSeconds,
			createLimiter: limiterStore
		}),
		signupLimiter: createRequestLimiter(config.limits.signupMaxPerAddress, config.limits.signupWindowSeconds, limiterStore, 'signup'),
		accessibilityFeedbackLimiter: createRequestLimiter(
			config.limits.accessibilityFeedbackMaxPerAddress,
			config.limits.accessibilityFeedbackWindowSeconds,
			limiterStore,
			'a11y_feedback'
		),
		votes,
		mailer,
		membershipChanges: events('membership'),
		sessionEnds: events('session-end'),
		documentStatusChanges: events('document-status'),
		cluster,
		redis,
		heavyWork,
		async close() {
			await votes.idle();
			votes.pacer.stop();
			await heavyWork.close();
			await cluster?.close();
			mailer.close();
			if (redis) await closeRedis(redis);
			await database.close();
		}
	};
}
