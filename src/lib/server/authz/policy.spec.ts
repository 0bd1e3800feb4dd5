import { describe, expect, it } from 'vitest';
import { can, globalActions, tableActions, type TableAction } from './policy.ts';

/**
 * The expected role × action table, written out by hand (not derived from the policy), so a
 * change to who may do what has to change this test and docs/authorization.md together.
 * Columns: coordinator, moderator, participant, observer, non-member.
 */
const expected: Record<TableAction, [boolean, boolean, boolean, boolean, boolean]> = {
	'table.view': [true, true, true, true, false],
	'table.update': [true, false, false, false, false],
	'member.view': [true, true, true, true, false],
	'member.contact': [true, false, false, false, false],
	'member.manage': [true, false, false, false, false],
	'invitation.manage': [true, false, false, false, false],
	'meeting.view': [true, true, true, true, false],
	'meeting.create': [true, false, false, false, false],
	'meeting.run': [true, true, false, false, false],
	'agenda.edit': [true, true, true, false, false],
	'document.view': [true, true, true, true, false],
	'document.create': [true, true, false, false, false],
	'document.edit': [true, true, true, false, false],
	'document.review': [true, false, false, false, false],
	'poll.manage': [true, true, false, false, false],
	'poll.vote': [true, true, true, false, false],
	'topic.propose': [true, true, true, false, false],
	'commitment.record': [true, true, false, false, false],
	'commitment.review': [true, false, false, false, false],
	'attachment.view': [true, true, true, true, false],
	'attachment.upload': [true, true, true, false, false],
	'attachment.manage': [true, false, false, false, false]
};
const roles = ['coordinator', 'moderator', 'participant', 'observer', null] as const;

describe('the role × action table', () => {
	it('lists every action the policy knows', () => {
		expect(Object.keys(expected).sort()).toEqual([...tableActions].sort());
	});

	for (const action of tableActions) {
		roles.forEach((role, column) => {
			it(`${role ?? 'non-member'} ${expected[action][column] ? 'may' : 'may not'} ${action}`, () => {
				expect(can({ isAdmin: false, role }, action)).toBe(expected[action][column]);
			});
		});
		it(`an admin may ${action} on any table, member or not`, () => {
			expect(can({ isAdmin: true, role: null }, action)).toBe(true);
		});
	}

	for (const action of globalActions) {
		it(`only an admin may ${action}`, () => {
			for (const role of roles) expect(can({ isAdmin: false, role }, action)).toBe(false);
			expect(can({ isAdmin: true, role: null }, action)).toBe(true);
		});
	}
});
