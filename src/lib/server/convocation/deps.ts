import { getAppContext } from '../app-context.ts';
import type { ConvocationDeps } from './service.ts';
import { notificationDeps } from '../notifications/deps.ts';

/**
 * The app's database, mailer and /yjs endpoint, for routes and page actions. `requestOrigin` is
 * where this request came in, used for links when ORIGIN is not configured.
 */
export function convocationDeps(requestOrigin: string): ConvocationDeps {
	const { db, mailer, logger, origin, liveDocuments, heavyWork, invitationDays, convocationMaxExternal } = getAppContext();
	return {
		db,
		mailer,
		logger,
		baseUrl: origin ?? requestOrigin,
		live: liveDocuments,
		heavy: heavyWork,
		external: { maxRecipients: convocationMaxExternal, invitationDays },
		notifications: notificationDeps(requestOrigin)
	};
}
