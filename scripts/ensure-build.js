// @ts-check
// Builds the app (`vite build` into build/) unless build/server.js is newer than every input:
// what `npm start` and `npm test` run first, so a fresh clone builds once and later runs do not.
// Plain JavaScript, so it runs with node alone.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = path.join(root, 'build', 'server.js');
/** What the build is made of; src/lib/paraglide is generated from messages/ during the build. */
const inputs = [
	'src',
	'server',
	'messages',
	'migrations',
	'static',
	'project.inlang/settings.json',
	'svelte.config.js',
	'vite.config.ts',
	'package-lock.json'
];
const generated = new Set([path.join(root, 'src', 'lib', 'paraglide')]);

/**
 * The newest modification time of the files under `file` (a file or a folder), 0 when there are
 * none. Folders' own times are left out: generating src/lib/paraglide (npm run check does) touches
 * src/lib. So a deletion alone does not count as a change; `npm run build` is always there.
 * @param {string} file
 * @returns {number}
 */
function newest(file) {
	if (generated.has(file) || !existsSync(file)) return 0;
	const stat = statSync(file);
	if (!stat.isDirectory()) return stat.mtimeMs;
	let latest = 0;
	for (const name of readdirSync(file)) latest = Math.max(latest, newest(path.join(file, name)));
	return latest;
}

const builtAt = existsSync(entry) ? statSync(entry).mtimeMs : 0;
const changedAt = Math.max(...inputs.map((input) => newest(path.join(root, input))));
if (builtAt > changedAt) {
	console.log('build/ is up to date.');
} else {
	const vite = path.join(root, 'node_modules', '.bin', 'vite');
	if (!existsSync(vite)) {
		// A production install (`npm ci --omit=dev`) runs the build it was given.
		if (builtAt) process.exit(0);
		console.error('build/ is missing and vite is not installed: run `npm ci` (with dev dependencies), then `npm run build`.');
		process.exit(1);
	}
	console.log(builtAt ? 'Sources changed since the last build: building again.' : 'Building the app (once).');
	const result = spawnSync(vite, ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
	process.exit(result.status ?? 1);
}
