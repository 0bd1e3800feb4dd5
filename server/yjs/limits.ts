import type { Config } from '../config.ts';

/** The /yjs limits, as configured (TAVOLO_YJS_*: server/config.ts and the README's table). */
export type YjsLimits = Pick<
	Config['limits'],
	| 'yjsMaxFrameBytes'
	| 'yjsMaxDocBytes'
	| 'yjsMaxAwarenessBytes'
	| 'yjsAwarenessPerSecond'
	| 'yjsLoadBufferMessages'
	| 'yjsCommitDelayMs'
	| 'yjsCompactAfter'
>;
