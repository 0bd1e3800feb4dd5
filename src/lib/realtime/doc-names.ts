/**
 * Names of the Yjs documents on `/yjs/<docName>` (shared/DESIGN.md §3): one agenda per meeting,
 * one rich-text draft per document. Shared by the browser and the server.
 */
export type DocRef = { kind: 'agenda'; meetingId: string } | { kind: 'document'; documentId: string };

export const agendaDocName = (meetingId: string) => `agenda:${meetingId}`;
export const documentDocName = (documentId: string) => `document:${documentId}`;

const pattern = /^(agenda|document):([a-z0-9]{1,64})$/;

export function parseDocName(name: string): DocRef | null {
	const match = pattern.exec(name);
	if (!match) return null;
	return match[1] === 'agenda' ? { kind: 'agenda', meetingId: match[2] } : { kind: 'document', documentId: match[2] };
}
