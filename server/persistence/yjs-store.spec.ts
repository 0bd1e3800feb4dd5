import { openTestDatabase } from '../../tests/support/database-context.ts';
import { createMemoryYjsStore } from './memory-yjs-store.ts';
import { createPostgresYjsStore } from './postgres-yjs-store.ts';
import { yjsStoreContractSuite } from './yjs-store.contract.ts';

yjsStoreContractSuite('in memory', async () => ({ store: createMemoryYjsStore(), dispose: async () => undefined }));

// In-memory PGlite, or a fresh PostgreSQL database when DATABASE_URL is set.
yjsStoreContractSuite('PostgreSQL', async () => {
	const database = await openTestDatabase();
	return { store: createPostgresYjsStore(database.db), dispose: () => database.dispose() };
});
