import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server-process.ts';

const run = promisify(execFile);
const binDir = '/usr/lib/postgresql/15/bin';
const osUser = 'postgres';

/**
 * A PostgreSQL server of the test's own, on a free port, in a temporary folder: unlike the shared
 * server on 5432, a test may stop and start it (an outage in the middle of an edit). PostgreSQL
 * refuses to run as root, so it runs as the `postgres` operating-system user through runuser;
 * the test process must be root (as in CI). Any missing piece throws: never a silent skip.
 */
export interface PrivatePostgres {
	port: number;
	/** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication). */
	url: string;
	/** pg_ctl stop -m fast: sessions are cut, in-flight transactions roll back. */
	stop(): Promise<void>;
	start(): Promise<void>;
	/** Stops the server if it runs and removes its folder; safe to call more than once. */
	dispose(): Promise<void>;
}

async function asPostgres(command: string, args: string[]): Promise<string> {
	try {
		const { stdout, stderr } = await run('runuser', ['-u', osUser, '--', `${binDir}/${command}`, ...args], { timeout: 60_000 });
		return stdout + stderr;
	} catch (error) {
		const failure = error as Error & { stdout?: string; stderr?: string };
		throw new Error(`${command} ${args.join(' ')} failed: ${failure.message}\n${failure.stdout ?? ''}${failure.stderr ?? ''}`, {
			cause: error
		});
	}
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
	const missing: string[] = [];
	if (process.getuid?.() !== 0) missing.push('the test must run as root (runuser switches to the postgres user)');
	const runuser = await run('runuser', ['--version']).catch(() => null);
	if (!runuser) missing.push('runuser not found (util-linux)');
	for (const binary of ['initdb', 'pg_ctl']) {
		if (!existsSync(`${binDir}/${binary}`)) missing.push(`${binDir}/${binary} not found (apt-get install postgresql-15)`);
	}
	if (missing.length > 0) throw new Error(`cannot run a private PostgreSQL:\n  - ${missing.join('\n  - ')}`);

	const base = await mkdtemp(path.join(tmpdir(), 'tavolo-pg-'));
	const dataDir = path.join(base, 'data');
	let running = false;
	const port = await freePort();
	const instance: PrivatePostgres = {
		port,
		url: `postgres://postgres@127.0.0.1:${port}/postgres`,
		async start() {
			// -k: the Unix socket goes in our folder, not /var/run/postgresql (the shared server's).
			// fsync=off: only the server stops here, never the machine, so the page cache keeps
			// every committed write; it makes initdb and checkpoints fast.
			await asPostgres('pg_ctl', [
				'-D',
				dataDir,
				'-l',
				path.join(base, 'server.log'),
				'-o',
				`-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off`,
				'-w',
				'-t',
				'30',
				'start'
			]);
			running = true;
		},
		async stop() {
			await asPostgres('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
			running = false;
		},
		async dispose() {
			try {
				if (running) await instance.stop();
			} finally {
				await rm(base, { recursive: true, force: true });
			}
		}
	};
	try {
		const { uid, gid } = await postgresIds();
		await chown(base, uid, gid);
		await asPostgres('initdb', ['-D', dataDir, '-A', 'trust', '-U', osUser, '--no-sync', '-E', 'UTF8', '--locale', 'C']);
		await instance.start();
	} catch (error) {
		await instance.dispose().catch(() => undefined);
		throw error;
	}
	return instance;
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
	try {
		const [uid, gid] = await Promise.all([run('id', ['-u', osUser]), run('id', ['-g', osUser])]);
		return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
	} catch (error) {
		throw new Error(`no "${osUser}" operating-system user to run PostgreSQL as: ${(error as Error).message}`, { cause: error });
	}
}
