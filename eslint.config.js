import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

/**
 * Lessons this house learned, as rules for the server side (server/ and src/lib/server/):
 * - no module-level mutable state: a module is loaded once per process and shared by every
 *   request, test and node role; state lives in what a factory returns (CONVENTIONS §12);
 * - no `instanceof` on app errors: a test or a script may load its own copy of a module, and a
 *   class from another copy fails `instanceof`; errors carry a `code` (isAppError).
 */
const serverRules = {
	'no-restricted-syntax': [
		'error',
		{
			selector: 'Program > VariableDeclaration[kind=/^(let|var)$/]',
			message: 'No module-level mutable state: keep it in what a factory returns.'
		},
		{
			selector: 'Program > ExportNamedDeclaration > VariableDeclaration[kind=/^(let|var)$/]',
			message: 'No module-level mutable state: keep it in what a factory returns.'
		},
		{
			selector: 'Program > VariableDeclaration > VariableDeclarator > NewExpression[callee.name=/^(Map|Set|WeakMap|WeakSet|Array)$/]',
			message: 'No module-level mutable collections: keep them in what a factory returns.'
		},
		{
			selector:
				"Program > VariableDeclaration > VariableDeclarator:not([id.typeAnnotation.typeAnnotation.operator='readonly']) > ArrayExpression",
			message: 'A module-level array is mutable state: make it read-only (`as const`, `readonly T[]`) or keep it in a factory.'
		},
		{
			selector: "BinaryExpression[operator='instanceof'][right.name='AppError']",
			message: 'Use the error code (isAppError), not instanceof: another copy of the module has another class.'
		},
		{
			selector: "AssignmentExpression > MemberExpression[object.name='globalThis']",
			message: 'No process-wide hand-offs through globalThis.'
		}
	]
};

export default ts.config(
	{ ignores: ['build/', '.svelte-kit/', 'node_modules/', 'src/lib/paraglide/', 'data/'] },
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	prettier,
	...svelte.configs.prettier,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
			// Tavolo is served at the root (no paths.base), so its links need no resolve().
			'svelte/no-navigation-without-resolve': 'off'
		}
	},
	// Migrations are frozen in time and take `Kysely<any>`, as kysely's documentation writes them.
	{ files: ['migrations/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
	// Tests read JSON answers loosely (`response.body.user.id`); the app's own code is typed.
	{
		files: ['tests/**/*.ts', '**/*.spec.ts', 'server/sockets/socket-test-client.ts'],
		rules: { '@typescript-eslint/no-explicit-any': 'off' }
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts'],
		languageOptions: { parserOptions: { extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig } }
	},
	{ files: ['server/**/*.ts', 'src/lib/server/**/*.ts'], ignores: ['**/*.spec.ts'], rules: serverRules }
);
