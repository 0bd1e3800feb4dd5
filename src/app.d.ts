import type { Logger } from 'pino';
import type { Session, SessionUser } from '$lib/server/auth/sessions.ts';

declare global {
	namespace App {
		interface Error {
			message: string;
			code?: string;
		}
		interface Locals {
			user: SessionUser | null;
			session: Session | null;
			/** This request's id (the X-Request-Id header) and a logger that stamps it (`reqId`). */
			requestId: string;
			logger: Logger;
		}
	}
}

export {};
