/**
 * The membership rule of groups (docs/protocol/groups.md §5, design): a
 * group's members, roles and states are a pure function of the set of
 * signed events a member holds. Events are replayed in one order, by
 * (lamport, hash), which every member computes alike and which puts each
 * event after the events it names as its parents; each takes effect only if
 * its author, in the state just before it in that order, may make it. So two
 * members holding the same events compute the same group, whatever order
 * the events arrived in and however long one was offline.
 *
 * Signatures are checked before an event gets here (each is signed with its
 * author's member key); this module decides what the checked events mean.
 */

export type GroupRole = 'owner' | 'admin' | 'member' | 'observer';
export type MemberStatus = 'invited' | 'member' | 'removed' | 'left';

export type GroupEventKind = 'create' | 'add' | 'join' | 'remove' | 'leave' | 'role' | 'profile' | 'delete';

export interface GroupEvent {
  /** The event's hash (hex): its name in other events' parents. */
  readonly hash: string;
  /** The author's member id (hex). */
  readonly author: string;
  readonly kind: GroupEventKind;
  /** The member an add, remove or role change is about. */
  readonly target?: string;
  /** The role an add or a role change gives. */
  readonly role?: GroupRole;
  /** The events the author had as its latest (none only for create). */
  readonly parents: readonly string[];
  /** One more than the highest lamport of its parents. */
  readonly lamport: number;
}

export interface Member {
  readonly role: GroupRole;
  readonly status: MemberStatus;
}

export interface GroupState {
  readonly members: ReadonlyMap<string, Member>;
  readonly deleted: boolean;
  /** Events replayed that took effect. */
  readonly effective: ReadonlySet<string>;
  /** Events replayed that did not (their author could not make them at their place): kept, and shown alike everywhere. */
  readonly refused: ReadonlySet<string>;
  /** Events waiting for a parent this member does not hold yet (it asks for them). */
  readonly waiting: ReadonlySet<string>;
}

const MANAGERS: readonly GroupRole[] = ['owner', 'admin'];

/** The events whose parents are all held, transitively, and the others. */
function complete(events: readonly GroupEvent[]): { ready: GroupEvent[]; waiting: Set<string> } {
  const byHash = new Map(events.map((e) => [e.hash, e]));
  const verdict = new Map<string, boolean>();
  // Lamports fall strictly along parents (one that does not makes its event wait for good), so this ends.
  const isReady = (event: GroupEvent): boolean => {
    const known = verdict.get(event.hash);
    if (known !== undefined) return known;
    const ready = event.parents.every((p) => {
      const parent = byHash.get(p);
      return parent !== undefined && parent.lamport < event.lamport && isReady(parent);
    });
    verdict.set(event.hash, ready);
    return ready;
  };
  const ready = events.filter((e) => isReady(e));
  return { ready, waiting: new Set(events.filter((e) => !verdict.get(e.hash)).map((e) => e.hash)) };
}

/** Whether `author` may make `event` in `members` (groups.md §5). */
function allowed(event: GroupEvent, members: ReadonlyMap<string, Member>, created: boolean): boolean {
  const author = members.get(event.author);
  const target = event.target === undefined ? undefined : members.get(event.target);
  const manages = author?.status === 'member' && MANAGERS.includes(author.role);
  // An admin never acts on an owner, and never makes one.
  const withinRank = author?.role === 'owner' || (target?.role !== 'owner' && event.role !== 'owner');
  switch (event.kind) {
    case 'create':
      return !created && event.parents.length === 0;
    case 'add':
      return manages && withinRank && event.target !== undefined && event.role !== undefined && (target === undefined || target.status === 'left' || target.status === 'removed');
    case 'join':
      return author?.status === 'invited' && event.target === event.author;
    case 'remove':
      return manages && withinRank && event.target !== event.author && (target?.status === 'member' || target?.status === 'invited');
    case 'role':
      return manages && withinRank && event.role !== undefined && target?.status === 'member';
    case 'leave':
      return author?.status === 'member' || author?.status === 'invited';
    case 'profile':
      return manages;
    case 'delete':
      return author?.status === 'member' && author.role === 'owner';
  }
}

/** The group as the events held make it. */
export function groupState(events: readonly GroupEvent[]): GroupState {
  const unique = [...new Map(events.map((e) => [e.hash, e])).values()];
  const { ready, waiting } = complete(unique);
  ready.sort((a, b) => a.lamport - b.lamport || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const members = new Map<string, Member>();
  const effective = new Set<string>();
  const refused = new Set<string>();
  let created = false;
  let deleted = false;
  for (const event of ready) {
    if (deleted || !allowed(event, members, created)) {
      refused.add(event.hash);
      continue;
    }
    effective.add(event.hash);
    switch (event.kind) {
      case 'create':
        created = true;
        members.set(event.author, { role: 'owner', status: 'member' });
        break;
      case 'add':
        members.set(event.target!, { role: event.role!, status: 'invited' });
        break;
      case 'join':
        members.set(event.author, { ...members.get(event.author)!, status: 'member' });
        break;
      case 'remove':
        members.set(event.target!, { ...members.get(event.target!)!, status: 'removed' });
        break;
      case 'role':
        members.set(event.target!, { ...members.get(event.target!)!, role: event.role! });
        break;
      case 'leave':
        members.set(event.author, { ...members.get(event.author)!, status: 'left' });
        break;
      case 'profile':
        break;
      case 'delete':
        deleted = true;
        break;
    }
  }
  return { members, deleted, effective, refused, waiting };
}
