/**
 * Decoding of usage records at ingestion. A record is decoded once, when it is stored, into
 * the numbers rating compares (epoch milliseconds, integer value units, the id's hash); the
 * usage store keeps them beside the original strings and returns them with the record, and
 * the rating engine reads them instead of parsing the text of every record on every run
 * (billing/record-decoding.ts). Pure: the same text always decodes to the same numbers, with
 * the engine's own parsers, so a decoded record rates exactly as its text does.
 *
 * A record whose text does not decode (it cannot be valid: ingestion refuses such records) gets
 * no decoded fields, and rating reads its text and reports it.
 */
import { idHash } from '../billing/first-ids';
import { parseInstant } from '../billing/day-index';
import { parseMinorUnits } from '../billing/cpa';
import type { Conversion, DecodedConversion, Impression } from '../terms/types';

function optionalInstant(text: string | null | undefined): number | null {
  return text === undefined || text === null ? null : parseInstant(text);
}

/** The value's own decimals: "12.50" has scale 2, "7" scale 0. */
function scaleOf(value: string): number {
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

/** The decoded fields of a conversion, or null when its text does not decode. */
export function decodeConversion(record: Conversion): DecodedConversion | null {
  const occurredMs = parseInstant(record.occurredAt);
  const exposureMs = parseInstant(record.exposureAt);
  const reversedMs = optionalInstant(record.reversedAt);
  const receivedMs = optionalInstant(record.receivedAt);
  const value = record.value as string | null | undefined;
  const valueScale = typeof value === 'string' ? scaleOf(value) : 0;
  const valueUnits = typeof value === 'string' ? parseMinorUnits(value, valueScale) : 0;
  if (typeof record.id !== 'string' || Number.isNaN(occurredMs) || Number.isNaN(exposureMs) || Number.isNaN(valueUnits) ||
      (reversedMs !== null && Number.isNaN(reversedMs)) || (receivedMs !== null && Number.isNaN(receivedMs))) {
    return null;
  }
  return { occurredMs, exposureMs, reversedMs, receivedMs, valueUnits, valueScale, idHash: idHash(record.id) };
}

/** The decoded field of an impression (its receivedAt), or null when it does not decode. */
export function decodeImpression(record: Impression): { receivedMs: number | null } | null {
  const receivedMs = optionalInstant(record.receivedAt);
  return receivedMs !== null && Number.isNaN(receivedMs) ? null : { receivedMs };
}

/** The record with its decoded fields (replacing any it had), or without any when its text does not decode. */
export function withDecodedConversion<T extends Conversion>(record: T): T {
  const { occurredMs: _o, exposureMs: _e, reversedMs: _r, receivedMs: _v, valueUnits: _u, valueScale: _s, idHash: _h, ...text } = record;
  const decoded = decodeConversion(record);
  return (decoded === null ? text : { ...text, ...decoded }) as T;
}

/** The impression with its decoded field, or without it when its text does not decode. */
export function withDecodedImpression<T extends Impression>(record: T): T {
  const { receivedMs: _r, ...text } = record;
  const decoded = decodeImpression(record);
  return (decoded === null ? text : { ...text, ...decoded }) as T;
}
