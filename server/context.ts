import pino from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { openDatabase } from '../src/lib/server/db/connect.ts';
import { migrateToLatest } from '../src/lib/server/db/migrate.ts';
import { createSessionStore } from '../src/lib/server/auth/sessions.ts';
import { createLoginLimiter, createRequestLimiter, redisLimiters } from '../src/lib/server/auth/login-limiter.ts';
import { ensureDefaultProgramme } from '../src/lib/server/programmes/service.ts';
import { createEvents, type AppContext } from '../src/lib/server/app-context.ts';
import { createMailer, defaultSender } from '../src/lib/server/mail/mailer.ts';
import { createVoteBatcher } from '../src/lib/server/polls/vote-batcher.ts';
import type { Config } from './config.ts';
import { createCluster } from './cluster/cluster.ts';
import { connectRedis } from './redis.ts';

export interface ContextOptions {
	/** In-memory PGlite (tests that need no files). */
	inMemoryDatabase?: boolean;
}

/** Opens the database (migrating it), and builds the services one process shares. */
export async function createAppContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
	const logger = pino({ level: config.logLevel, base: { service: 'tavolo' } });
	const database = await openDatabase({
		databaseUrl: config.databaseUrl,
		dataDir: config.dataDir,
		inMemory: options.inMemoryDatabase,
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
	const redis = config.redisUrl ? connectRedis(config.redisUrl, logger, { name: 'rate-limits', queueWhileDown: false }) : undefined;
	const limiterStore = redis ? redisLimiters(redis, { prefix: `${config.redisPrefix}:rl:` }) : undefined;

	return {
		db: database.db,
		database,
		sessions: createSessionStore(database.db, config.limits.sessionDays),
		loginLimiter: createLoginLimiter({
			maxPerAccount: config.limits.loginMaxPerAccount,
			maxPerAddress: config.limits.loginMaxPerAddress,
			windowSeconds: config.limits.loginWindowSeconds,
			createLimiter: limiterStore
		}),
		apiLimiter: createRequestLimiter(config.limits.apiRequestsPerMinute, 60, limiterStore),
		redis,
		logger,
		metrics,
		origin: config.origin,
		secureCookies: config.secureCookies,
		invitationDays: config.limits.invitationDays,
		maxJsonBytes: config.limits.maxJsonBytes,
		votes: createVoteBatcher({ db: database.db }),
		membershipChanges: events('membership'),
		sessionEnds: events('session-end'),
		documentStatusChanges: events('document-status'),
		cluster,
		mailer: createMailer({ smtpUrl: config.smtpUrl, from: config.smtpFrom ?? defaultSender(config.origin), logger })
	};
}
