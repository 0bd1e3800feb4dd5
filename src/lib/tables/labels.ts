import { m } from '$lib/paraglide/messages.js';
import { getLocale } from '$lib/paraglide/runtime.js';
import type { TableRole } from '$lib/domain/tables.ts';

export function roleLabel(role: TableRole): string {
	switch (role) {
		case 'coordinator':
			return m.role_coordinator();
		case 'moderator':
			return m.role_moderator();
		case 'participant':
			return m.role_participant();
		case 'observer':
			return m.role_observer();
	}
}

/** Categories are data, named by the admin in both languages. */
export function categoryLabel(category: { labelIt: string; labelEn: string }): string {
	return getLocale() === 'en' ? category.labelEn || category.labelIt : category.labelIt;
}
