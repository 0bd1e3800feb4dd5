/** One file of a table's library, as the API sends it (never its bytes). */
export interface AttachmentVersion {
	id: string;
	tableId: string;
	title: string;
	filename: string;
	size: number;
	contentType: string;
	/** SHA-256 (hex) of the bytes. */
	sha256: string;
	uploadedBy: { id: string | null; name: string };
	uploadedAt: string;
	meetingId: string | null;
	agendaItemId: string | null;
	documentId: string | null;
	/** The version this one replaced, if any. */
	replacesId: string | null;
}

export interface Attachment extends AttachmentVersion {
	/** Earlier versions, newest first (each still downloadable by its id). */
	previousVersions: AttachmentVersion[];
}

/** `GET /api/v1/tables/:id/attachments`: the files, and what the caller may do with them. */
export interface LibraryListing {
	attachments: Array<Attachment & { mayDelete: boolean }>;
	/** TAVOLO_ATTACHMENT_MAX_BYTES, for the upload form's hint and its check before sending. */
	maxBytes: number;
	canUpload: boolean;
}

export const isPdf = (attachment: Pick<AttachmentVersion, 'contentType'>) => attachment.contentType === 'application/pdf';
