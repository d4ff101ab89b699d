/**
 * Audit entries: what one change of one item becomes. The stream adapter turns a DynamoDB
 * stream record into an `AuditChange`; `describeChange` turns that into the entry's content
 * (who, what, when); the chain (chain.ts) then gives it its place: seq, prevHash, hash.
 */
import type { Clock } from '../kernel/clock';
import { isInstant } from '../kernel/calendar';
import type { JsonValue } from './canonical-json';

/** An item image as recorded: plain JSON (the stream adapter normalises sets, binaries, big numbers). */
export type AuditImage = { [attribute: string]: JsonValue };

export const ChangeKind = {
  INSERT: 'INSERT',
  MODIFY: 'MODIFY',
  REMOVE: 'REMOVE',
} as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

export const CrudAction = {
  CREATED: 'CREATED',
  UPDATED: 'UPDATED',
  DELETED: 'DELETED',
} as const;
export type CrudAction = (typeof CrudAction)[keyof typeof CrudAction];

/** `CREATED` / `UPDATED` / `DELETED`, or a domain action such as `contract.activated` when a status changed. */
export type AuditAction = CrudAction | `${string}.${string}`;

/** Who changed an item when nobody stamped an actor on it (e.g. a hard delete): recorded, never guessed. */
export const UNATTRIBUTED_ACTOR = 'unattributed';
/** DynamoDB's own TTL deletions. */
export const TTL_ACTOR = 'system:ttl';

/** One change of one item, as the stream delivered it. */
export interface AuditChange {
  /** The stream record's id: the same record redelivered has the same id. */
  eventId: string;
  kind: ChangeKind;
  aggregate: string;
  entityKey: { pk: string; sk: string };
  before: AuditImage | null;
  after: AuditImage | null;
  /** When the stream saw the change (ISO), if known; used when the item carries no `updatedAt`. */
  observedAt?: string;
  /** True when DynamoDB's TTL removed the item. */
  removedByTtl?: boolean;
  /** The stream record's sequence number (decimal digits), increasing along a partition's records. */
  sequence?: string;
}

/**
 * An image kept outside the entry because it did not fit in the entry's item (images.ts):
 * where it is stored, and the sha256 and UTF-8 length of its canonical JSON.
 */
export interface ImageRef {
  key: string;
  sha256: string;
  bytes: number;
}

/** An entry's content before it has a place in a chain. */
export interface AuditDraft {
  aggregate: string;
  at: string;
  actor: string;
  action: AuditAction;
  entityType: string;
  entityKey: { pk: string; sk: string };
  /** null when the item did not exist, or when the image is external (`beforeImage`). */
  before: AuditImage | null;
  after: AuditImage | null;
  /** Set only for an external image; absent otherwise, so it takes no part in the hash. */
  beforeImage?: ImageRef;
  afterImage?: ImageRef;
  eventId: string;
}

export interface AuditEntry extends AuditDraft {
  /** 1, 2, 3, … without gaps within one aggregate. */
  seq: number;
  prevHash: string;
  hash: string;
}

/** An entry as GET /v1/contracts/{id}/audit returns it (an external image by its reference). */
export interface AuditTrailItem {
  seq: number;
  at: string;
  actor: string;
  action: AuditAction;
  before: AuditImage | null;
  after: AuditImage | null;
  beforeImage?: ImageRef;
  afterImage?: ImageRef;
  hash: string;
  prevHash: string;
}

/** Aggregate names, as items carry them in their `aggregate` attribute: one chain per aggregate. */
export const auditAggregate = {
  contract: (id: string) => `contract#${id}`,
  invoice: (id: string) => `invoice#${id}`,
  advertiser: (id: string) => `advertiser#${id}`,
  partner: (id: string) => `partner#${id}`,
  billingRun: (id: string) => `billingRun#${id}`,
  /** Every statement of one partner (issue, payments) in one chain. */
  partnerStatement: (partnerId: string) => `partnerStatement#${partnerId}`,
} as const;

/**
 * Domain actions, one declarative table: entity type -> status the item moved into -> action.
 * A change whose status did not move, or moved into a status not listed, keeps its CRUD action.
 */
export const STATUS_ACTIONS: Readonly<Record<string, Readonly<Record<string, AuditAction>>>> = {
  contract: {
    PENDING_APPROVAL: 'contract.submitted',
    ACTIVE: 'contract.activated',
    EXPIRED: 'contract.expired',
    TERMINATED: 'contract.terminated',
  },
  version: {
    PENDING_APPROVAL: 'version.submitted',
    APPROVED: 'version.approved',
    REJECTED: 'version.rejected',
    SUPERSEDED: 'version.superseded',
  },
  credit: {
    APPROVED: 'credit.approved',
    REJECTED: 'credit.rejected',
  },
  invoice: {
    FINALIZED: 'invoice.finalized',
    VOID: 'invoice.voided',
    DISCARDED: 'invoice.discarded',
  },
  billingRun: {
    SUCCEEDED: 'billingRun.succeeded',
    COMPLETED_WITH_ERRORS: 'billingRun.completedWithErrors',
    FAILED: 'billingRun.failed',
  },
  billingRunFinalization: {
    SUCCEEDED: 'billingRunFinalization.succeeded',
    COMPLETED_WITH_ERRORS: 'billingRunFinalization.completedWithErrors',
  },
  partnerStatement: {
    ISSUED: 'partnerStatement.issued',
    PAID: 'partnerStatement.paid',
  },
};

const CRUD_BY_KIND: Record<ChangeKind, CrudAction> = {
  INSERT: CrudAction.CREATED,
  MODIFY: CrudAction.UPDATED,
  REMOVE: CrudAction.DELETED,
};

export function deriveAction(kind: ChangeKind, entityType: string, before: AuditImage | null, after: AuditImage | null): AuditAction {
  const crud = CRUD_BY_KIND[kind];
  if (kind === ChangeKind.REMOVE || !after) return crud;
  const status = after.status;
  if (typeof status !== 'string' || status === before?.status) return crud;
  return STATUS_ACTIONS[entityType]?.[status] ?? crud;
}

function text(image: AuditImage | null, attribute: string): string | undefined {
  const value = image?.[attribute];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Who: the `actor` the writer stamped on the new image. A removal carries no new image, and the
 * old image names the previous writer, not the remover, so it is recorded as TTL or unattributed.
 */
export function deriveActor(change: AuditChange): string {
  if (change.kind === ChangeKind.REMOVE) return change.removedByTtl ? TTL_ACTOR : UNATTRIBUTED_ACTOR;
  return text(change.after, 'actor') ?? UNATTRIBUTED_ACTOR;
}

/**
 * When: the item's own `updatedAt` for writes; otherwise when the stream saw it; otherwise now.
 * An update that left `updatedAt` as it was carries the previous write's time, so it is not used.
 */
export function deriveAt(change: AuditChange, clock: Clock): string {
  const updatedAt = change.kind === ChangeKind.REMOVE ? undefined : text(change.after, 'updatedAt');
  const restamped = updatedAt !== undefined && updatedAt !== text(change.before, 'updatedAt');
  if (updatedAt && restamped && isInstant(updatedAt)) return updatedAt;
  if (change.observedAt && isInstant(change.observedAt)) return change.observedAt;
  return clock.now().toISOString();
}

export function describeChange(change: AuditChange, clock: Clock): AuditDraft {
  const entityType = text(change.after, 'entityType') ?? text(change.before, 'entityType') ?? 'unknown';
  return {
    aggregate: change.aggregate,
    at: deriveAt(change, clock),
    actor: deriveActor(change),
    action: deriveAction(change.kind, entityType, change.before, change.after),
    entityType,
    entityKey: { pk: change.entityKey.pk, sk: change.entityKey.sk },
    before: change.before,
    after: change.after,
    eventId: change.eventId,
  };
}

export function toAuditTrailItem(entry: AuditEntry): AuditTrailItem {
  const { seq, at, actor, action, before, after, beforeImage, afterImage, hash, prevHash } = entry;
  return { seq, at, actor, action, before, after, ...(beforeImage && { beforeImage }), ...(afterImage && { afterImage }), hash, prevHash };
}
