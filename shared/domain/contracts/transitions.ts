/**
 * THE transitions of versions and contracts, as one declarative table each. Use cases ask
 * `transition(...)` for the next status and never assign a status otherwise; an action not
 * listed for the current status is a 409 `illegal_transition`.
 *
 * Amendments, renewals and terminations of an ACTIVE contract are versions of their own: the
 * contract stays ACTIVE while they are drafted, pending, approved or rejected (`keepActive`),
 * and only the initial version's fate moves the contract out of DRAFT / PENDING_APPROVAL.
 */
import { ConflictError } from '../kernel/errors';
import { ContractStatus as C, VersionStatus as V } from './status';

export const VersionAction = {
  EDIT: 'edit',
  SUBMIT: 'submit',
  APPROVE: 'approve',
  REJECT: 'reject',
  SUPERSEDE: 'supersede',
} as const;
export type VersionAction = (typeof VersionAction)[keyof typeof VersionAction];

export const ContractAction = {
  /** The initial version was submitted. */
  SUBMIT_INITIAL: 'submitInitial',
  /** The initial version was approved. */
  ACTIVATE: 'activate',
  /** The initial version was rejected: back to drafting. */
  REOPEN: 'reopen',
  /** An amendment, renewal or termination version was drafted, submitted, approved or rejected. */
  KEEP_ACTIVE: 'keepActive',
  /** The approved termination date has passed. */
  TERMINATE: 'terminate',
  /** endDate passed without renewal. */
  EXPIRE: 'expire',
} as const;
export type ContractAction = (typeof ContractAction)[keyof typeof ContractAction];

type Table<S extends string, A extends string> = Readonly<Record<A, Readonly<Partial<Record<S, S>>>>>;

export const VERSION_TRANSITIONS: Table<V, VersionAction> = {
  edit: { [V.DRAFT]: V.DRAFT },
  submit: { [V.DRAFT]: V.PENDING_APPROVAL },
  approve: { [V.PENDING_APPROVAL]: V.APPROVED },
  reject: { [V.PENDING_APPROVAL]: V.REJECTED },
  supersede: { [V.APPROVED]: V.SUPERSEDED },
};

export const CONTRACT_TRANSITIONS: Table<C, ContractAction> = {
  submitInitial: { [C.DRAFT]: C.PENDING_APPROVAL },
  activate: { [C.PENDING_APPROVAL]: C.ACTIVE },
  reopen: { [C.PENDING_APPROVAL]: C.DRAFT },
  keepActive: { [C.ACTIVE]: C.ACTIVE },
  terminate: { [C.ACTIVE]: C.TERMINATED },
  expire: { [C.ACTIVE]: C.EXPIRED },
};

export function nextVersionStatus(current: V, action: VersionAction): V {
  const next = VERSION_TRANSITIONS[action][current];
  if (next === undefined) throw new ConflictError(`a ${current} version cannot be ${pastTense(action)}`, 'illegal_transition');
  return next;
}

export function nextContractStatus(current: C, action: ContractAction): C {
  const next = CONTRACT_TRANSITIONS[action][current];
  if (next === undefined) throw new ConflictError(`a ${current} contract does not allow ${action}`, 'illegal_transition');
  return next;
}

export const canVersion = (current: V, action: VersionAction): boolean => VERSION_TRANSITIONS[action][current] !== undefined;
export const canContract = (current: C, action: ContractAction): boolean => CONTRACT_TRANSITIONS[action][current] !== undefined;

function pastTense(action: VersionAction): string {
  return { edit: 'edited', submit: 'submitted', approve: 'approved', reject: 'rejected', supersede: 'superseded' }[action];
}
