/**
 * Turns a DynamoDB stream record (Lambda's event shape) into the domain's `AuditChange`.
 * Knows the table's key formats, so deriving an aggregate from a pk lives here, not in the domain.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { DomainError, ErrorKind } from '../../domain/kernel/errors';
import type { JsonValue } from '../../domain/audit/canonical-json';
import { ChangeKind, type AuditChange, type AuditImage } from '../../domain/audit/entry';
import { UNAUDITED_PREFIXES } from './table';

/**
 * pk prefix -> aggregate type, for items written without an `aggregate` attribute. The
 * aggregate id is the pk's first id segment (`CONTRACT#c1` and its `VERSION#…` items share
 * `contract#c1`), or, for `partition` types, the whole rest of the pk: usage is spread over
 * sharded partitions, and one chain per partition keeps each chain inside one stream shard
 * (no cross-shard race for its head) at usage volumes.
 */
const AGGREGATE_BY_PK_PREFIX: Readonly<Record<string, { type: string; partition?: true }>> = {
  CONTRACT: { type: 'contract' },
  ADV: { type: 'advertiser' },
  PARTNER: { type: 'partner' },
  INVOICE: { type: 'invoice' },
  BILLINGRUN: { type: 'billingRun' },
  BILLINGPERIOD: { type: 'billingPeriod' },
  USAGE: { type: 'usage', partition: true },
  PARTNERSTMT: { type: 'partnerStatement' },
};

/**
 * Items that name no aggregate and whose pk prefix is unknown still get audited, each item in a
 * chain of its own under this prefix, so nothing is lost and the gap in stamping is visible.
 */
export const UNASSIGNED_AGGREGATE_PREFIX = 'unassigned#';

export class StreamRecordError extends DomainError {
  override readonly name: string = 'StreamRecordError';
  constructor(message: string) {
    super(ErrorKind.VALIDATION, 'audit_stream_record_invalid', message);
  }
}

export function isAudited(pk: string): boolean {
  return !UNAUDITED_PREFIXES.some((prefix) => pk.startsWith(prefix));
}

/** The item's `aggregate` attribute, else one derived from its pk (`CONTRACT#c1` -> `contract#c1`). */
export function aggregateOf(image: AuditImage | null, pk: string): string {
  const stamped = image?.aggregate;
  if (typeof stamped === 'string' && stamped.length > 0) return stamped;
  const hash = pk.indexOf('#');
  const rule = hash > 0 ? AGGREGATE_BY_PK_PREFIX[pk.slice(0, hash)] : undefined;
  if (rule) {
    const rest = pk.slice(hash + 1);
    const id = rule.partition ? rest : rest.split('#')[0];
    if (id) return `${rule.type}#${id}`;
  }
  return `${UNASSIGNED_AGGREGATE_PREFIX}${pk}`;
}

/**
 * Numbers keep their exact decimal text whenever a JS number would not write it back the same
 * (beyond 2^53, more than 17 significant digits): an audit record never rounds what was stored.
 */
function number(text: string): number | string {
  const value = Number(text);
  return Number.isFinite(value) && String(value) === text ? value : text;
}

/** Sets become sorted arrays and binaries base64 text, so every image is plain JSON. */
function toJson(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Set) {
    const members = [...value].map(toJson);
    return members.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  }
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, member] of Object.entries(value)) out[key] = toJson(member);
    return out;
  }
  throw new StreamRecordError(`unexpected ${typeof value} in a stream image`);
}

/**
 * An item as the audit sees it: plain JSON, numbers kept exact. The stream's images and the
 * items audit:verify reads back (raw attribute values) both go through here, so they digest alike.
 */
export function itemImage(attributes: Record<string, unknown>): AuditImage {
  return image(attributes)!;
}

function image(attributes: Record<string, unknown> | undefined): AuditImage | null {
  if (!attributes) return null;
  const native = unmarshall(attributes as Record<string, AttributeValue>, { wrapNumbers: number });
  return toJson(native) as AuditImage;
}

function keyText(attributes: Record<string, unknown> | undefined, name: string): string {
  const value = (attributes?.[name] as { S?: unknown } | undefined)?.S;
  if (typeof value !== 'string') throw new StreamRecordError(`stream record has no string key attribute ${name}`);
  return value;
}

/** The item's pk, read straight from the record's keys: cheap and never throws on odd images. */
export function recordPk(record: DynamoDBRecord): string | undefined {
  const value = (record.dynamodb?.Keys?.pk as { S?: unknown } | undefined)?.S;
  return typeof value === 'string' ? value : undefined;
}

const KINDS: Readonly<Record<string, ChangeKind>> = ChangeKind;

/** The change a record carries, or `undefined` for items the audit log does not record. */
export function toAuditChange(record: DynamoDBRecord): AuditChange | undefined {
  const stream = record.dynamodb;
  if (!stream) throw new StreamRecordError('stream record has no dynamodb section');
  const pk = keyText(stream.Keys, 'pk');
  if (!isAudited(pk)) return undefined;
  const sk = keyText(stream.Keys, 'sk');
  const kind = KINDS[record.eventName ?? ''];
  if (!kind) throw new StreamRecordError(`unknown stream event ${String(record.eventName)}`);
  const eventId = record.eventID ?? stream.SequenceNumber;
  if (!eventId) throw new StreamRecordError('stream record has neither eventID nor SequenceNumber');
  const before = image(stream.OldImage);
  const after = image(stream.NewImage);
  const identity = record.userIdentity as { type?: unknown; principalId?: unknown } | undefined;
  const change: AuditChange = {
    eventId,
    kind,
    aggregate: aggregateOf(after ?? before, pk),
    entityKey: { pk, sk },
    before,
    after,
    removedByTtl: identity?.type === 'Service' && identity.principalId === 'dynamodb.amazonaws.com',
  };
  if (typeof stream.SequenceNumber === 'string' && stream.SequenceNumber.length > 0) change.sequence = stream.SequenceNumber;
  if (typeof stream.ApproximateCreationDateTime === 'number' && Number.isFinite(stream.ApproximateCreationDateTime)) {
    change.observedAt = new Date(stream.ApproximateCreationDateTime * 1000).toISOString();
  }
  return change;
}
