import { getAppContext } from '../app-context.ts';
import type { NotificationDeps } from './service.ts';

/** The app's database, mailer and sockets, for routes and page actions; links use ORIGIN or this request's origin. */
export function notificationDeps(requestOrigin: string): NotificationDeps {
	const { db, mailer, logger, origin, broadcaster } = getAppContext();
	return { db, mailer, logger, baseUrl: origin ?? requestOrigin, broadcaster };
}
