import { getAppContext } from '../app-context.ts';
import type { MeetingChangeDeps } from './changes.ts';
import { notificationDeps } from '../notifications/deps.ts';

/** The app's database, mailer and live rooms, for routes and page actions; links use ORIGIN or the request's origin. */
export function meetingChangeDeps(requestOrigin: string): MeetingChangeDeps {
	const { db, mailer, logger, origin, broadcaster } = getAppContext();
	return { db, mailer, logger, baseUrl: origin ?? requestOrigin, broadcaster, notifications: notificationDeps(requestOrigin) };
}
