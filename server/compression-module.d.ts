/**
 * The part of the `compression` middleware (expressjs/compression, plain JavaScript) Tavolo uses,
 * typed for Node's own request and response: @types/compression would bring Express's types,
 * whose Request a plain IncomingMessage is not.
 */
declare module 'compression' {
	import type { IncomingMessage, ServerResponse } from 'node:http';
	import type { BrotliOptions, ZlibOptions } from 'node:zlib';

	type Filter = (req: IncomingMessage, res: ServerResponse) => boolean;
	interface CompressionOptions extends ZlibOptions {
		/** Smallest response compressed, in bytes (or a string such as '1kb'); default 1024. */
		threshold?: number | string;
		/** Whether to compress this response; default `compression.filter` (a compressible Content-Type). */
		filter?: Filter;
		brotli?: BrotliOptions;
	}
	function compression(options?: CompressionOptions): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
	namespace compression {
		/** The default filter: the Content-Type is compressible (the mime-db's `compressible` flag, or text/*). */
		const filter: Filter;
	}
	export default compression;
}
