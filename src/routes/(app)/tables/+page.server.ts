import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

/** "I miei tavoli" lives at the root; /tables is kept as a friendly alias. */
export const load = (() => {
	redirect(308, '/');
}) satisfies PageServerLoad;
