import { fail } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { can } from '$lib/server/authz/policy.ts';
import { getTable, removeMember, updateMember } from '$lib/server/tables/service.ts';
import { createInvitation, listPendingInvitations, resendInvitation, revokeInvitation } from '$lib/server/invitations/service.ts';
import { invitationDeps } from '$lib/server/invitations/deps.ts';
import { ImportRefused, importInvitations } from '$lib/server/invitations/import.ts';
import { createMeeting, listMeetings } from '$lib/server/meetings/service.ts';
import { createDocument, listDocuments } from '$lib/server/documents/service.ts';
import { commentTopic, listComments, listTopics, proposeTopic, supportTopic, topicsToPoll } from '$lib/server/topics/service.ts';
import { failForm, formFields, signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import { commitmentsDeps, listCommitments, romeToday, updateCommitment } from '$lib/server/commitments/service.ts';
import { romeLocalToIso } from '$lib/meetings/rome-time.ts';
import type { Db } from '$lib/server/db/connect.ts';
import type { SessionUser } from '$lib/server/auth/sessions.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	const { db, invitationDays } = getAppContext();
	const { tableId } = event.params;
	try {
		const table = await getTable(db, user, tableId);
		const actor = { isAdmin: user.isAdmin, role: table.role };
		const permissions = {
			manageMembers: can(actor, 'member.manage'),
			invite: can(actor, 'invitation.manage'),
			createMeeting: can(actor, 'meeting.create'),
			createDocument: can(actor, 'document.create'),
			proposeTopic: can(actor, 'topic.propose'),
			pollTopics: can(actor, 'poll.manage'),
			reviewCommitments: can(actor, 'commitment.review'),
			// Observers write nothing, not even the progress of a commitment given to them.
			markOwnCommitments: can(actor, 'agenda.edit')
		};
		const [meetings, documents, invitations, topics, commitments] = await Promise.all([
			listMeetings(db, user, tableId),
			listDocuments(db, user, tableId),
			permissions.invite ? listPendingInvitations(db, user, tableId) : Promise.resolve([]),
			loadTopics(db, user, tableId),
			listCommitments(db, user, tableId, { status: 'pending' })
		]);
		return {
			table,
			meetings,
			documents,
			invitations,
			topics,
			commitments,
			today: romeToday(),
			permissions,
			currentUserId: user.id,
			invitationDays,
			now: new Date()
		};
	} catch (err) {
		throwPageError(err, { forbidden: { message: m.table_not_member(), code: 'not_member' } });
	}
}) satisfies PageServerLoad;

/** The topic backlog with each topic's comments (a table has tens of topics, not thousands). */
async function loadTopics(db: Db, user: SessionUser, tableId: string) {
	const topics = await listTopics(db, user, tableId);
	return Promise.all(
		topics.map(async (topic) => ({ ...topic, commentList: topic.comments > 0 ? await listComments(db, user, tableId, topic.id) : [] }))
	);
}

/** Empty optional inputs are left out, so the service applies its own defaults. */
function withoutEmpty(values: Record<string, string>): Record<string, string> {
	return Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== ''));
}

export const actions = {
	commitment: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		const form = `commitment-${values.commitmentId ?? ''}`;
		try {
			await updateCommitment(commitmentsDeps(getAppContext()), user, values.commitmentId ?? '', {
				status: values.status,
				note: values.note
			});
			return { form, done: true };
		} catch (err) {
			return failForm(err, form, values);
		}
	},

	invite: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			const created = await createInvitation(invitationDeps(event.url.origin), user, event.params.tableId, withoutEmpty(values));
			return { form: 'invite', created: { url: created.url, expiresAt: created.expiresAt, mailStatus: created.mailStatus } };
		} catch (err) {
			return failForm(err, 'invite', values);
		}
	},

	revokeInvitation: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			await revokeInvitation(getAppContext().db, user, event.params.tableId, values.invitationId ?? '');
			return { form: 'invitations', done: true };
		} catch (err) {
			return failForm(err, 'invitations', values);
		}
	},

	resendInvitation: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			const { mailStatus } = await resendInvitation(
				invitationDeps(event.url.origin),
				user,
				event.params.tableId,
				values.invitationId ?? ''
			);
			return { form: 'invitations', resent: mailStatus };
		} catch (err) {
			return failForm(err, 'invitations', values);
		}
	},

	/** The list of people (a CSV file): "Verifica" checks it, "Importa" creates and mails the invitations. */
	importInvitations: async (event) => {
		const user = signedInUser(event);
		const context = getAppContext();
		const data = await event.request.formData();
		const file = data.get('file');
		const dryRun = data.get('mode') !== 'import';
		if (!(file instanceof File) || file.size === 0) {
			return fail(400, {
				form: 'import',
				dryRun,
				message: m.invite_mail_import_no_file(),
				fields: { file: m.invite_mail_import_no_file() }
			});
		}
		try {
			const bytes = new Uint8Array(await file.arrayBuffer());
			const result = await importInvitations(
				{ ...invitationDeps(event.url.origin), limits: context.invitationImport },
				user,
				event.params.tableId,
				bytes,
				{ dryRun }
			);
			if (result.errors.length > 0) return fail(400, { form: 'import', dryRun, errors: result.errors, valid: result.valid });
			const notSent = result.invitations.filter((i) => i.mailStatus === 'failed').length;
			return { form: 'import', dryRun, valid: result.valid, imported: dryRun ? undefined : result.created, notSent };
		} catch (err) {
			if (err instanceof ImportRefused) return fail(400, { form: 'import', dryRun, errors: err.errors });
			return failForm(err, 'import');
		}
	},

	updateMember: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		const form = `member-${values.membershipId}`;
		try {
			await updateMember(getAppContext(), user, event.params.tableId, values.membershipId ?? '', values);
			return { form, done: true };
		} catch (err) {
			return failForm(err, form, values);
		}
	},

	removeMember: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			await removeMember(getAppContext(), user, event.params.tableId, values.membershipId ?? '');
			return { form: 'members', done: true };
		} catch (err) {
			return failForm(err, `member-${values.membershipId}`, values);
		}
	},

	createMeeting: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		const { date = '', startTime = '', endTime = '' } = values;
		const input = {
			title: values.title,
			videoUrl: values.videoUrl,
			// Entered as Rome wall-clock time; the service stores instants (ISO with offset).
			startsAt: date && startTime ? (romeLocalToIso(date, startTime) ?? 'invalid') : undefined,
			endsAt: date && endTime ? (romeLocalToIso(date, endTime) ?? 'invalid') : undefined
		};
		try {
			await createMeeting(getAppContext().db, user, event.params.tableId, input);
			return { form: 'meeting', done: true };
		} catch (err) {
			const failure = failForm(err, 'meeting', values, { startsAt: 'startTime', endsAt: 'endTime' });
			if (!date && failure.data.fields.startTime) {
				failure.data.fields.date = failure.data.fields.startTime;
				if (startTime) delete failure.data.fields.startTime;
				if (endTime) delete failure.data.fields.endTime;
			}
			return failure;
		}
	},

	createDocument: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			await createDocument(getAppContext().db, user, event.params.tableId, values);
			return { form: 'document', done: true };
		} catch (err) {
			return failForm(err, 'document', values);
		}
	},

	proposeTopic: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			await proposeTopic(getAppContext(), user, event.params.tableId, values);
			return { form: 'topic', done: true };
		} catch (err) {
			return failForm(err, 'topic', values);
		}
	},

	supportTopic: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			await supportTopic(getAppContext(), user, event.params.tableId, values.topicId ?? '', values.support !== '0');
			return { form: 'topic-support', done: true };
		} catch (err) {
			return failForm(err, 'topic-support', values);
		}
	},

	commentTopic: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			await commentTopic(getAppContext(), user, event.params.tableId, values.topicId ?? '', values);
			return { form: `comment-${values.topicId}`, done: true };
		} catch (err) {
			return failForm(err, `comment-${values.topicId}`, values);
		}
	},

	topicsToPoll: async (event) => {
		const user = signedInUser(event);
		const data = await event.request.formData();
		const values = formFields(data);
		// Several topics are ticked: the one repeated field formFields() leaves out.
		const topicIds = data.getAll('topicIds').filter((v): v is string => typeof v === 'string');
		try {
			await topicsToPoll(getAppContext(), user, event.params.tableId, {
				meetingId: values.meetingId,
				kind: values.kind,
				topicIds
			});
			return { form: 'topics-poll', done: true, meetingId: values.meetingId };
		} catch (err) {
			return failForm(err, 'topics-poll', values);
		}
	}
} satisfies Actions;
