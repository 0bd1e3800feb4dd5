import { getAppContext } from '../app-context.ts';
import type { InvitationDeps } from './service.ts';

/** The app's database and mailer, for routes and page actions; links use ORIGIN or this request's origin. */
export function invitationDeps(requestOrigin: string): InvitationDeps {
	const { db, mailer, logger, origin, invitationDays } = getAppContext();
	return { db, mailer, logger, origin: origin ?? requestOrigin, defaultDays: invitationDays };
}
