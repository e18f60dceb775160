/**
 * What a signed link in an email can do to a case (the `CaseActions` port of
 * functions/actions/handler.ts), through the same use case as the staff API
 * (`changeCase`): the same transitions, timeline events (via `signed_link`), SLA timer, counters
 * and notices, with the link's single-use token spent in the same transaction. The link's
 * signature names the case and the member it was sent to; it acts only while that member is still
 * on the case's team (`authorizeCase`). No If-Match: the server acts on the version it reads,
 * retrying a lost race.
 */
import { DomainError, Forbidden, LinkUsed, NotFound } from '../../shared/domain/errors.ts';
import { ratingVerdict } from '../../shared/domain/follow-up.ts';
import type { ActionResult, CaseActions, SingleUse } from '../../shared/domain/notice-ports.ts';
import { REOPEN_ESCALATES } from '../../shared/domain/sla.ts';
import { type CaseDeps, type ChangeRequest, changeCase } from './case-changes.ts';

/** Answers the customer's follow-up survey only while the case is resolved. */
class NotResolved extends DomainError {}

export function linkCaseActions(deps: CaseDeps): CaseActions {
  const spent = async (once: SingleUse | undefined) => (once ? deps.cases.tokenUsed(once.jti) : false);

  async function run(req: ChangeRequest, once: SingleUse | undefined): Promise<ActionResult> {
    try {
      const outcome = await changeCase(req, deps);
      if (!outcome.changed && (await spent(once))) return { outcome: 'used' };
      return { outcome: 'done', status: outcome.case.status };
    } catch (error) {
      if (error instanceof LinkUsed) return { outcome: 'used' };
      if (await spent(once)) return { outcome: 'used' };
      if (error instanceof NotFound) return { outcome: 'not_found' };
      if (error instanceof Forbidden) return { outcome: 'forbidden' };
      if (error instanceof DomainError) {
        // Not possible in the case's state (acknowledged already, not resolved, lost every
        // race): say what the case is now.
        const now = await deps.cases.load(req.caseId);
        return now ? { outcome: 'conflict', status: now.case.status } : { outcome: 'not_found' };
      }
      throw error;
    }
  }

  const singleUse = (once: SingleUse | undefined, act: string) =>
    once ? { singleUse: { ...once, act } } : {};

  return {
    acknowledge(caseId, memberId, via, once) {
      return run(
        {
          caseId,
          input: { action: 'acknowledge' },
          requester: { kind: 'link', memberId, via },
          ...singleUse(once, 'acknowledge'),
        },
        once,
      );
    },

    claim(caseId, memberId, via, once) {
      return run(
        {
          caseId,
          input: { action: 'assign', assigneeId: memberId, rule: 'claimed' },
          requester: { kind: 'link', memberId, via },
          ...singleUse(once, 'claim'),
        },
        once,
      );
    },

    async rate(caseId, value, once) {
      const verdict = ratingVerdict(value);
      if (verdict === undefined) {
        const c = await deps.cases.load(caseId);
        return c ? { outcome: 'conflict', status: c.case.status } : { outcome: 'not_found' };
      }
      const answer = { value, verdict };
      return run(
        {
          caseId,
          // A good answer closes the case (verified); a bad one reopens it and escalates at once.
          input:
            verdict === 'good'
              ? { action: 'close', reason: 'follow_up_good', answer }
              : { action: 'reopen', reason: REOPEN_ESCALATES, answer },
          requester: { kind: 'customer', via: 'signed_link' },
          require: (c) => {
            if (c.status !== 'resolved') throw new NotResolved(`case ${c.caseId} is ${c.status}`);
          },
          ...singleUse(once, 'rate'),
        },
        once,
      );
    },
  };
}
