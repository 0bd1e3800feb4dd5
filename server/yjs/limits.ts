/** The /yjs limits, from the configuration (server/config.ts, TAVOLO_YJS_*), as the room and its gates read them. */
export interface YjsLimits {
	yjsMaxFrameBytes: number;
	yjsMaxDocBytes: number;
	yjsMaxAwarenessBytes: number;
	yjsAwarenessPerSecond: number;
	yjsLoadBufferMessages: number;
	yjsCommitDelayMs: number;
	yjsCompactAfter: number;
}
