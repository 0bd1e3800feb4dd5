import { json } from '@sveltejs/kit';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => json({ user: requireUser(event) }));
