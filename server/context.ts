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
import { ensureDefaultProgramme } from '../src/lib/server/programmes/service.ts';
import { createEvents, type Events, type MembershipChanges } from '../src/lib/server/events.ts';
import { createMailer, defaultSender, type Mailer } from '../src/lib/server/mail/mailer.ts';
import { createVoteBatcher, type VoteBatcher } from '../src/lib/server/polls/vote-batcher.ts';
import type { Config } from './config.ts';
import { createCluster, type Cluster } from './cluster/cluster.ts';
import { closeRedis, connectRedis } from './redis.ts';

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
	/** Waits for the last vote batch, then closes Redis, the mailer and the database. */
	close(): Promise<void>;
}

/** Opens the database (migrating it), and builds the services one process shares. */
export async function createServices(config: Config): Promise<Services> {
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
	const votes = createVoteBatcher({ db: database.db });
	const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.smtpFrom ?? defaultSender(config.origin), logger });

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
			createLimiter: limiterStore
		}),
		apiLimiter: createRequestLimiter(config.limits.apiRequestsPerMinute, 60, limiterStore),
		votes,
		mailer,
		membershipChanges: events('membership'),
		sessionEnds: events('session-end'),
		documentStatusChanges: events('document-status'),
		cluster,
		redis,
		async close() {
			await votes.idle();
			await cluster?.close();
			mailer.close();
			if (redis) await closeRedis(redis);
			await database.close();
		}
	};
}
