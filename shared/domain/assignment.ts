/**
 * Who in a team gets a new case. Pure: the caller reads the team's assignment state and writes
 * the returned update in the same transaction as the case.
 *
 * - `round_robin`: the team's cursor names the member assigned last; the next available member
 *   after it (in config order, wrapping) gets the case, and the cursor moves to them. The cursor
 *   carries a sequence number; the write is conditional on the sequence read, so two triages that
 *   read the same cursor cannot both advance it (the loser re-reads and tries again).
 * - `fewest_open`: the available member with the fewest open cases gets it; ties go to the member
 *   listed first.
 * - Members with `available: false` are skipped. If no member is available the team lead gets the
 *   case (and, should the lead not be a member, the first member).
 */
export interface AssignableMember {
  readonly id: string;
  readonly available?: boolean;
}

export interface AssignableTeam {
  readonly id: string;
  readonly assignment: 'round_robin' | 'fewest_open';
  readonly members: readonly AssignableMember[];
  readonly leadId: string;
}

export interface RoundRobinCursor {
  /** The member who got the team's previous case. */
  readonly lastMemberId: string;
  /** How often the cursor moved; the conditional write compares it. */
  readonly seq: number;
}

export interface AssignmentState {
  /** undefined before the team's first round-robin assignment. */
  readonly cursor?: RoundRobinCursor;
  /** Open cases per member id (missing = 0). */
  readonly open: Readonly<Record<string, number>>;
}

export interface Assignment {
  readonly assigneeId: string;
  /** How the assignee was chosen, recorded on the `assigned` event. */
  readonly rule: 'round_robin' | 'fewest_open' | 'lead_fallback';
  /** The cursor to write (round robin only): `expectedSeq` undefined means "must not exist yet". */
  readonly cursor?: { readonly expectedSeq: number | undefined; readonly next: RoundRobinCursor };
}

export function chooseAssignee(team: AssignableTeam, state: AssignmentState): Assignment {
  const available = team.members.filter((m) => m.available !== false);
  if (available.length === 0) {
    const lead = team.members.find((m) => m.id === team.leadId) ?? team.members[0];
    if (lead === undefined) throw new Error(`team ${team.id} has no members`);
    return { assigneeId: lead.id, rule: 'lead_fallback' };
  }
  if (team.assignment === 'fewest_open') {
    let best = available[0]!;
    for (const m of available) if ((state.open[m.id] ?? 0) < (state.open[best.id] ?? 0)) best = m;
    return { assigneeId: best.id, rule: 'fewest_open' };
  }
  const last = state.cursor ? team.members.findIndex((m) => m.id === state.cursor?.lastMemberId) : -1;
  let next = available[0]!;
  for (let step = 1; step <= team.members.length; step++) {
    const candidate = team.members[(last + step) % team.members.length];
    if (candidate !== undefined && candidate.available !== false) {
      next = candidate;
      break;
    }
  }
  return {
    assigneeId: next.id,
    rule: 'round_robin',
    cursor: {
      expectedSeq: state.cursor?.seq,
      next: { lastMemberId: next.id, seq: (state.cursor?.seq ?? 0) + 1 },
    },
  };
}
