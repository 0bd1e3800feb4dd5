/**
 * Integration files that each keep a worker busy for 20 s or more on this 2-core machine: whole
 * documents rendered to PDF/DOCX and checked with poppler/qpdf, heavy work under load, size limits
 * filled to the byte, faults and attacks acted out over many connections. `npm test` leaves them
 * out so the loop stays under five minutes; `npm run test:slow` runs them, and CI runs both, on
 * PGlite and on PostgreSQL + Redis (.ci/run): no coverage is lost, only moved.
 */
export const slowTests = [
	'tests/integration/heavy-work.spec.ts',
	'tests/integration/limits.spec.ts',
	'tests/integration/yjs-faults.spec.ts',
	'tests/integration/exposure.spec.ts',
	'tests/integration/secret-ballots.spec.ts',
	'tests/integration/organization.spec.ts',
	'server/yjs/limits.spec.ts',
	'tests/integration/convocation.spec.ts',
	'tests/integration/pdf-archival.spec.ts',
	'server/yjs/agenda-shape.spec.ts',
	'tests/integration/library.spec.ts',
	'tests/integration/page-weight.spec.ts',
	'tests/integration/attendance.spec.ts',
	'tests/integration/realtime-authorization.spec.ts',
	'server/sockets/socket-server.spec.ts'
];
