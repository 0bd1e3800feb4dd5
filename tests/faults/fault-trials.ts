/**
 * How long the fault scripts run: `FAULT_TRIALS=short` (the default, what CI runs every time) or
 * `full` (`npm run faults`). A number runs that many trials of the kill -9 script and the full
 * form of the others, for a longer soak than `full`.
 */
export type FaultForm = 'short' | 'full';

const setting = (process.env.FAULT_TRIALS ?? 'short').trim();
const count = Number(setting);
if (setting !== 'short' && setting !== 'full' && !(Number.isSafeInteger(count) && count > 0)) {
	throw new Error(`FAULT_TRIALS must be "short", "full" or a positive whole number, not "${setting}"`);
}

export const faultForm: FaultForm = setting === 'short' ? 'short' : 'full';

/** `short` or `full` trials, or FAULT_TRIALS itself when it is a number and `scaled` is true. */
export function trials(short: number, full: number, scaled = false): number {
	if (scaled && Number.isSafeInteger(count) && count > 0) return count;
	return faultForm === 'short' ? short : full;
}

/** The one line each script prints: what it did and what it found. */
export function summaryLine(script: string, figures: Record<string, number | string>): string {
	return `[fault] ${script}: ${Object.entries(figures)
		.map(([name, value]) => `${name}=${value}`)
		.join(' ')}`;
}
