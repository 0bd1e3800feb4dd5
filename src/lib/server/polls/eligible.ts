/**
 * "Aventi diritto presenti": the members present now (a live socket joined to the meeting, or
 * checked in by the moderator in the chamber or on the call; counted once however many tabs) whose
 * role on the table carries the right to vote ('poll.vote' in authz/policy.ts: coordinator,
 * moderator, participant). One rule for the server and the browser, which keeps the count from the
 * presence deltas: src/lib/live/presence-list.ts (its spec checks the roles against the policy).
 */
export { countEligiblePresent } from '../../live/presence-list.ts';
