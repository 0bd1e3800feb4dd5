import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Once per vitest run, before any test file: the tests run the built app (tests/support/built-app.ts
 * in process, build/server.js as a child), so the build is made first when the sources are newer.
 */
export default function setup(): void {
	const result = spawnSync(process.execPath, ['scripts/ensure-build.js'], { cwd: root, stdio: 'inherit' });
	if (result.status !== 0) throw new Error('the build failed (scripts/ensure-build.js): see its output above');
}
