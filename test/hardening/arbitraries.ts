/**
 * Hostile inputs for the API fuzz: values of the wrong type in the places the zod schemas
 * describe, huge strings, deep nesting, integers past 2^53, unicode, prototype-pollution keys,
 * and query strings, path parameters and headers to match. Bodies are produced as JSON TEXT so
 * that things JSON.stringify cannot write (big integer literals, `__proto__` as an own key,
 * 1,000 levels of nesting) reach the handler exactly as a client could send them.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { percentEncode } from './support';

/** A piece of JSON text inserted verbatim by `toJsonText`. */
export class RawJson {
  constructor(readonly text: string) {}
}

export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'] as const;
/** Server-owned fields a client must never set. */
export const SERVER_OWNED_KEYS = ['status', 'version', 'id', 'createdBy', 'createdAt', 'updatedAt', 'approvals', 'recordedAt', 'actor', 'authors', 'pk', 'sk'] as const;

const NASTY_STRINGS = [
  '', ' ', '\t\n', '\u0000', 'null', 'undefined', 'NaN', 'Infinity', '-Infinity', '-0', '0x10', '1e309', '-1', '1.5', '00',
  '9007199254740993', '123456789012345678.91', '99999999999999999999999999999999999999.99', '0.0000000000000000001', '1e21', '12.50', '100',
  '__proto__', 'constructor', 'prototype', 'toString', '../../etc/passwd', '..', '.', '%00', '%2e%2e%2f', '%', '%%', '%E0%A4%A',
  "' OR '1'='1", '"; DROP TABLE x; --', '<script>alert(1)</script>', '${jndi:ldap://x}', '{{7*7}}', '$where', '{"$gt":""}',
  'USD', 'usd', 'ＵＳＤ', 'XXX', 'US', 'UTC', 'Mars/Olympus', 'America/New_York', 'Etc/GMT+14',
  '2027-01-01', '2027-02-30', '2027-13-01', '0000-01-01', '9999-12-31', '2027-1-1', '2027-01', '2027-00', '2027-01-01T00:00:00Z', '2027-01-01T25:00:00Z',
  'DRAFT', 'ACTIVE', 'PENDING_APPROVAL', 'FLAT', 'CPM', 'CPA', 'HALF_EVEN',
  '\u202eevil', 'e\u0301', '😀', '𝕏', '\ud800', '\udfff', '\uffff', '\u2028\u2029', 'Ω≈ç√∫', '中文', 'עברית', '\r\nX-Injected: 1',
] as const;

/**
 * Drawing from a pool sampled once keeps tens of thousands of requests per route affordable:
 * generating a fresh 100 KB string or a deep JSON tree per request would cost more than the
 * request itself. The structure around the pooled values is still generated per request.
 */
function pooled<T>(arbitrary: fc.Arbitrary<T>, size: number, seed: number): fc.Arbitrary<T> {
  const values = fc.sample(arbitrary, { numRuns: size, seed });
  return fc.nat(values.length - 1).map((i) => values[i]!);
}

const hostileStringFresh: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 9, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.integer({ min: 129, max: 5_000 }).map((n) => 'a'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 60_000 }).map((n) => '𝕏'.repeat(Math.floor(n / 2))) },
);
export const hostileString = pooled(hostileStringFresh, 3_000, 11);

/** Numbers where strings (money) are expected, and numbers no schema should take. */
const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, 12.5, 0.1, 100000.01, 1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53 + 2, 5e-324),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  // Literals JSON.parse turns into imprecise or infinite numbers.
  fc.constantFrom('9007199254740993', '123456789012345678901234567890', '1e400', '-1e400', '123456789012345678.91', '1E+2', '-0.0').map((t) => new RawJson(t)),
);

const deepNesting: fc.Arbitrary<RawJson> = fc
  .tuple(fc.integer({ min: 100, max: 1_200 }), fc.constantFrom('array', 'object'))
  .map(([depth, kind]) => new RawJson(kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

const pollutionObject: fc.Arbitrary<RawJson> = fc.constantFrom(
  new RawJson('{"__proto__":{"polluted":true,"isAdmin":true}}'),
  new RawJson('{"constructor":{"prototype":{"polluted":true}}}'),
  new RawJson('{"__proto__":null}'),
  new RawJson('{"prototype":{"polluted":true},"__proto__":[]}'),
);

/** Any hostile JSON value. */
const hostileValueFresh: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: pollutionObject },
);
export const hostileValue = pooled(hostileValueFresh, 3_000, 12);
const arbitraryJson = pooled(fc.jsonValue({ maxDepth: 4 }), 2_000, 13);
const shallowJson = pooled(fc.jsonValue({ maxDepth: 3 }), 1_000, 14);
const binaryText = pooled(fc.string({ unit: 'binary', maxLength: 60 }), 500, 15);

const SAMPLE_STRINGS = ['USD', 'EUR', 'JPY', 'UTC', 'America/New_York', '2027-01-01', '2027-12-31', '2027-01', '2027-01-05T10:00:00Z', '12.50', '100', 'ctv', 'x'];

type AnyDef = { type: string; [k: string]: any };
const defOf = (schema: z.ZodType): AnyDef => (schema as unknown as { _zod: { def: AnyDef } })._zod.def;

/**
 * Values near a zod schema's shape: its keys, enums and literals, with any leaf (or whole
 * subtree) replaced by a hostile value, extra hostile keys mixed in.
 */
export function nearSchema(schema: z.ZodType, extraStrings: readonly string[] = [], depth = 0): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  // Deeper subtrees come from a pool sampled once per route (see `pooled`).
  if (depth === 2 && (def.type === 'object' || def.type === 'array')) return pooled(nearSchemaFresh(schema, extraStrings, depth), 300, 16);
  return nearSchemaFresh(schema, extraStrings, depth);
}

function nearSchemaFresh(schema: z.ZodType, extraStrings: readonly string[], depth: number): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const leafOr = (arb: fc.Arbitrary<unknown>) => fc.oneof({ weight: 3, arbitrary: arb }, { weight: 1, arbitrary: hostileValue });
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return nearSchema(def.innerType, extraStrings, depth);
    case 'pipe':
      return nearSchema(def.in, extraStrings, depth);
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType>;
      const record = fc.record(
        Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, depth > 6 ? hostileValue : nearSchema(v, extraStrings, depth + 1)])),
        { requiredKeys: [] },
      );
      const extras = fc.dictionary(fc.oneof(fc.constantFrom(...POLLUTION_KEYS, ...SERVER_OWNED_KEYS, 'advertiserId'), fc.string({ maxLength: 8 })), hostileValue, { maxKeys: 2 });
      return leafOr(fc.tuple(record, fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extras })).map(([a, b]) => ({ ...a, ...b })));
    }
    case 'array':
      return leafOr(fc.array(depth > 6 ? hostileValue : nearSchema(def.element, extraStrings, depth + 1), { maxLength: 3 }));
    case 'union':
      return fc.oneof(...(def.options as z.ZodType[]).map((o) => nearSchema(o, extraStrings, depth)));
    case 'literal':
      return leafOr(fc.constantFrom(...(def.values as unknown[])));
    case 'enum':
      return leafOr(fc.constantFrom(...Object.values(def.entries as Record<string, unknown>)));
    case 'string':
      return leafOr(fc.constantFrom(...SAMPLE_STRINGS, ...extraStrings));
    case 'number':
    case 'int':
      return leafOr(fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constantFrom(1, 12)));
    case 'boolean':
      return leafOr(fc.boolean());
    default:
      return hostileValue;
  }
}

/** Whole body texts: near the schema, arbitrary JSON, or text that is hardly JSON at all. */
export function bodyText(schema: z.ZodType | undefined, extraStrings: readonly string[]): fc.Arbitrary<string> {
  const near = schema ? nearSchema(schema, extraStrings) : shallowJson;
  return fc.oneof(
    { weight: 6, arbitrary: near.map(toJsonText) },
    { weight: 2, arbitrary: arbitraryJson.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: hostileValue.map(toJsonText) },
    { weight: 1, arbitrary: near.map((v) => injectPollution(toJsonText(v))) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constantFrom('', ' ', '{', '}', '{"a":}', '[', 'nul', 'undefined', "{'a':1}", '{"a":1,}', '\ufeff{}', '{"a":1}{"b":2}', '\u0000', 'NaN', '{"__proto__":', '"'),
        binaryText,
      ),
    },
  );
}

/** Puts `__proto__` / `constructor` own keys at the front of a JSON object's text. */
function injectPollution(text: string): string {
  if (!text.startsWith('{')) return text;
  const rest = text.slice(1);
  return `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}${rest === '}' ? '' : ','}${rest}`;
}

/** Raw query strings: the schema's keys with hostile values, repeated keys, broken escapes. */
export function queryText(schema: z.ZodType | undefined, extraStrings: readonly string[]): fc.Arbitrary<string> {
  const keys = schema ? Object.keys((defOf(schema).shape as Record<string, unknown> | undefined) ?? {}) : [];
  const value = fc.oneof(
    { weight: 3, arbitrary: hostileString.filter((s) => s.length < 3_000) },
    { weight: 2, arbitrary: fc.constantFrom('1', '50', '200', '0', '201', '-1', '1.5', '1e2', ' 7', 'abc', '', '2027-01', 'DRAFT', 'FINALIZED', ...extraStrings) },
    { weight: 1, arbitrary: cursorText },
  );
  const key = fc.oneof({ weight: 4, arbitrary: keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('limit') }, { weight: 1, arbitrary: fc.constantFrom(...POLLUTION_KEYS, 'limit', 'cursor') });
  const pairs = fc.array(fc.tuple(key, value), { maxLength: 4 }).map((ps) => ps.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&'));
  return fc.oneof({ weight: 5, arbitrary: pairs }, { weight: 1, arbitrary: fc.constantFrom('&&&', '=', 'limit', 'limit=%', 'cursor=%E0%A4%A', 'limit=1&limit=2', '%00=%00', 'a'.repeat(5_000)) });
}

/** Cursors that decode to plausible and implausible DynamoDB keys. */
const cursorText: fc.Arbitrary<string> = fc
  .dictionary(fc.constantFrom('pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', '__proto__', 'x'), fc.oneof(fc.constantFrom('CONTRACT#x', 'CONTRACTS', 'INVOICES', 'ADV#a', ''), hostileValue), { maxKeys: 6 })
  .map((v) => Buffer.from(toJsonText(v), 'utf8').toString('base64url'));

/** Path parameter values: mostly hostile, sometimes an id that exists. */
export function pathValue(real: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: hostileString.filter((s) => s.length > 0 && s.length < 3_000) },
    { weight: 2, arbitrary: fc.constantFrom('0', '1', '2', '-1', '1e3', '9999', '10000', '1.0', ' 1', '0x1', ...real) },
  );
}

export const headerSet: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'if-match': fc.oneof(hostileString.filter((s) => s.length < 500), fc.constantFrom('"1"', '*', 'W/"1"', '"1", "2"', '"99999999999999999999"', '""')),
    'idempotency-key': fc.oneof(hostileString.filter((s) => s.length < 500), fc.uuid()),
    'x-correlation-id': hostileString.filter((s) => s.length < 500),
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', ''),
  },
  { requiredKeys: [] },
);
