import { redirect } from '@sveltejs/kit';
import { SESSION_COOKIE } from '$lib/server/auth/sessions.ts';
import { endSession } from '$lib/server/auth/login-flow.ts';
import type { Actions } from './$types';

export const actions = {
	default: async ({ cookies }) => {
		await endSession(cookies, cookies.get(SESSION_COOKIE));
		redirect(303, '/login');
	}
} satisfies Actions;
