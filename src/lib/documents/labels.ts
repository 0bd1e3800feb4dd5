import { m } from '$lib/paraglide/messages.js';
import type { DocumentKind, DocumentStatus } from '$lib/domain/documents.ts';

export function documentKindLabel(kind: DocumentKind): string {
	switch (kind) {
		case 'protocol':
			return m.doc_kind_protocol();
		case 'guideline':
			return m.doc_kind_guideline();
		case 'agreement':
			return m.doc_kind_agreement();
		case 'minutes':
			return m.doc_kind_minutes();
		case 'rules':
			return m.doc_kind_rules();
		case 'other':
			return m.doc_kind_other();
	}
}

export function documentStatusLabel(status: DocumentStatus): string {
	switch (status) {
		case 'draft':
			return m.doc_status_draft();
		case 'in_review':
			return m.doc_status_in_review();
		case 'final':
			return m.doc_status_final();
	}
}
