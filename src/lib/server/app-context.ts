import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import type { Db } from './db/connect.ts';
import type { SessionStore } from './auth/sessions.ts';
import type { LoginLimiter, RequestLimiter } from './auth/login-limiter.ts';
import type { PasswordResetLimiter } from './auth/password-reset-limiter.ts';
import type { AccountLinkSettings } from './accounts/account-links.ts';
import type { Events, MembershipChanges } from './events.ts';
import type { MeetingBroadcaster } from './live/broadcaster.ts';
import type { LiveDocuments } from './live-documents.ts';
import type { Mailer } from './mail/mailer.ts';
import type { VoteBatcher } from './polls/vote-batcher.ts';
import type { HeavyWork } from './heavy-work.ts';

/**
 * What the SvelteKit app (hooks, routes, page actions) needs from the process that hosts it.
 * server/app.ts builds it whole, realtime endpoints included, before the first request; every
 * field is there for as long as the app runs.
 */
export interface AppContext {
	db: Db;
	sessions: SessionStore;
	loginLimiter: LoginLimiter;
	/** Every state-changing request and every JSON API request, per client address. */
	apiLimiter: RequestLimiter;
	passwordResetLimiter: PasswordResetLimiter;
	/** How long e-mail verification and password reset links live. */
	accountLinks: AccountLinkSettings;
	/** Sign-ups per client address. */
	signupLimiter: RequestLimiter;
	/** Accessibility reports per client address (TAVOLO_ACCESSIBILITY_FEEDBACK_MAX_PER_ADDRESS). */
	accessibilityFeedbackLimiter: RequestLimiter;
	logger: Logger;
	/** The public URL (ORIGIN), or undefined to accept the host each request came to. */
	origin: string | undefined;
	secureCookies: boolean;
	invitationDays: number;
	/** The imported list of people to invite: its size and number of rows (TAVOLO_INVITATION_IMPORT_MAX_*). */
	invitationImport: { maxBytes: number; maxRows: number };
	maxJsonBytes: number;
	/** Largest organisation logo, in bytes (TAVOLO_LOGO_MAX_BYTES). */
	logoMaxBytes: number;
	/** Most recipients outside the table one convocation may add (TAVOLO_CONVOCATION_MAX_EXTERNAL). */
	convocationMaxExternal: number;
	/** Request bodies: a library upload (TAVOLO_ATTACHMENT_MAX_BYTES), any other route (TAVOLO_MAX_BODY_BYTES). */
	bodyLimits: { attachmentMaxBytes: number; maxBodyBytes: number };
	/** Membership changes and removals, so live connections can be closed or made read-only. */
	membershipChanges: MembershipChanges;
	/** Ids of sessions that ended (logout): their live connections are closed at once. */
	sessionEnds: Events<string>;
	/** The process's vote batches (group commit per poll), shared by `poll:vote` and the HTTP API. */
	votes: VoteBatcher;
	/** The live meeting rooms (socket.io): a change made over HTTP is broadcast like one made over a socket. */
	broadcaster: MeetingBroadcaster;
	/** The Yjs documents open in this process (the /yjs endpoint). */
	liveDocuments: LiveDocuments;
	/** Outgoing e-mail (SMTP_URL, or the log without it). */
	mailer: Mailer;
	/** Diffs and exports, in worker threads, capped per user. */
	heavyWork: HeavyWork;
	/** TAVOLO_COMMITMENTS_PER_MEETING and TAVOLO_COMMITMENT_REMINDER_DAYS. */
	commitments: { perMeeting: number; reminderDays: number };
	/** The bell's list length and the daily digest's hour (TAVOLO_NOTIFICATION_*). */
	notifications: { listMax: number; digestHour: number };
}

/**
 * The app context of the request being served. The Node entry's HTTP server (and the dev
 * server's middleware) runs the SvelteKit handler inside `serveWithAppContext`, so hooks and
 * routes read the context of the app that received the request: no process-wide variable, and
 * two apps in one process (tests) never see each other's. Both sides share this module because
 * the server entry is built into SvelteKit's own server bundle (src/instrumentation.server.ts).
 */
const requests = new AsyncLocalStorage<AppContext>();

export function serveWithAppContext<T>(context: AppContext, serve: () => T): T {
	return requests.run(context, serve);
}

/** For hooks, routes and page actions; services take what they need as arguments. */
export function getAppContext(): AppContext {
	const context = requests.getStore();
	if (!context) throw new Error('No Tavolo app context: only code serving a request (hooks, routes, actions) may ask for it');
	return context;
}
