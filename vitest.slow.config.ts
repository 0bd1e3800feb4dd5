import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';
import { slowTests } from './tests/support/slow-tests.ts';

/** `npm run test:slow`: the integration files `npm test` leaves out (tests/support/slow-tests.ts). */
export default defineConfig({ ...base, test: { ...base.test, include: slowTests, exclude: ['**/node_modules/**'] } });
