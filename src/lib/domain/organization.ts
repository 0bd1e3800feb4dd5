/**
 * Lengths of the organisation's fields: the admin form's `maxlength`, the API's validation
 * (src/lib/server/organization/service.ts) and docs/api.md read them from here.
 */
export const organizationLimits = {
	name: 200,
	shortName: 60,
	place: 80,
	address: 300,
	signatoryName: 120,
	signatoryTitle: 120,
	footer: 500
} as const;
