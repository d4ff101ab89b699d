/**
 * fast-check arbitraries derived from the zod schemas themselves: walking a schema's definition
 * (objects, strict objects, arrays with their bounds, strings with their lengths and regexes,
 * numbers with their bounds, enums, literals, unions, optionals, nullables, defaults) gives
 * values that schema accepts, so a fuzzed request gets past validation into the handler, the
 * domain and the repositories. Refinements a definition cannot express (a calendar day, a
 * percentage at most 100, ascending tiers) come from `leaves` (keyed by the schema object) and
 * a tier rule; field-name hints steer ids, currencies, dates and money to values the seeded world
 * knows, so that the domain's deeper rules are reached too, not only its lookups. Every sampled
 * value is finally checked with the schema itself (`schemaValid`).
 */
import fc from 'fast-check';
import type { z } from 'zod';

type Def = {
  type: string;
  checks?: Array<{ _zod: { def: Record<string, unknown> } }>;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string | number>;
  values?: unknown[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  items?: z.ZodType[];
  getter?: () => z.ZodType;
};

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const checksOf = (schema: z.ZodType) => (defOf(schema).checks ?? []).map((c) => c._zod.def);

export interface SchemaHints {
  /** Arbitraries for particular schema objects (refined leaves, open `unknown` arrays). */
  leaves: Map<z.ZodType, fc.Arbitrary<unknown>>;
  /** Arbitraries for a field name (the last object key on the way down), tried before the schema's own. */
  fields: Record<string, fc.Arbitrary<unknown>>;
  /** Longest array generated (the schemas allow up to 1,000 records; a few say as much). */
  maxItems: number;
}

/** Any value the schema accepts: the hint if it passes, else the schema's own arbitrary. */
function hinted(schema: z.ZodType, hint: fc.Arbitrary<unknown>, own: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 9, arbitrary: hint.filter((v) => schema.safeParse(v).success) }, { weight: 1, arbitrary: own });
}

function stringArbitrary(schema: z.ZodType): fc.Arbitrary<string> {
  let min = 0;
  let max = 24;
  let pattern: RegExp | undefined;
  for (const check of checksOf(schema)) {
    if (check.check === 'min_length') min = Math.max(min, check.minimum as number);
    if (check.check === 'max_length') max = Math.min(Math.max(max, min), check.maximum as number);
    if (check.check === 'length_equals') min = max = check.length as number;
    if (check.check === 'string_format' && check.format === 'regex') pattern = check.pattern as RegExp;
  }
  max = Math.max(min, Math.min(max, min + 24));
  const trimmed = (s: string) => s.trim().length >= min;
  if (pattern) return fc.stringMatching(pattern).filter((s) => s.length >= min && s.length <= max);
  return fc.string({ minLength: min, maxLength: max }).filter(trimmed);
}

function numberArbitrary(schema: z.ZodType): fc.Arbitrary<number> {
  let min = -1e9;
  let max = 1e9;
  let integer = false;
  for (const check of checksOf(schema)) {
    if (check.check === 'number_format' && String(check.format).includes('int')) integer = true;
    if (check.check === 'greater_than') min = Math.max(min, (check.value as number) + (check.inclusive ? 0 : integer ? 1 : 1e-9));
    if (check.check === 'less_than') max = Math.min(max, (check.value as number) - (check.inclusive ? 0 : integer ? 1 : 1e-9));
  }
  if (integer) {
    const lo = Math.ceil(min);
    const hi = Math.floor(max);
    // Mostly small counts, sometimes the bounds themselves.
    return fc.oneof({ weight: 6, arbitrary: fc.integer({ min: lo, max: Math.min(hi, Math.max(lo, 0) + 100_000) }) }, { weight: 1, arbitrary: fc.constantFrom(lo, hi) });
  }
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** Ascending tiers, the last unbounded: the refinement of CPM and CPA tier arrays. */
function tiersArbitrary(element: z.ZodType, hints: SchemaHints): fc.Arbitrary<unknown[]> {
  return fc.array(fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), arbitraryFromSchema(element, hints)), { minLength: 1, maxLength: 3 }).map((pairs) => {
    let upTo = 0;
    return pairs.map(([step, tier], i) => ({ ...(tier as object), upTo: i === pairs.length - 1 ? null : (upTo += step) }));
  });
}

const isTierArray = (schema: z.ZodType): boolean => {
  const element = defOf(schema).element;
  return element !== undefined && defOf(element).type === 'object' && 'upTo' in (defOf(element).shape ?? {}) && checksOf(schema).some((c) => c.check === 'custom');
};

/** Optional-ish fields (optional, default) may be absent from their object. */
const mayBeAbsent = (schema: z.ZodType): boolean => ['optional', 'default'].includes(defOf(schema).type);

export function arbitraryFromSchema(schema: z.ZodType, hints: SchemaHints, field?: string): fc.Arbitrary<unknown> {
  const own = hints.leaves.get(schema) ?? ownArbitrary(schema, hints, field);
  const hint = field !== undefined ? hints.fields[field] : undefined;
  const def = defOf(schema);
  // Hints apply to leaves, not to the wrappers around them (their inner schema gets the hint).
  if (hint && !['optional', 'nullable', 'default', 'array', 'object', 'union', 'pipe'].includes(def.type)) return hinted(schema, hint, own);
  return own;
}

function ownArbitrary(schema: z.ZodType, hints: SchemaHints, field?: string): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return stringArbitrary(schema);
    case 'number':
      return numberArbitrary(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'literal':
      return fc.constantFrom(...(def.values ?? []));
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries ?? {}));
    case 'optional':
    case 'default':
      return arbitraryFromSchema(def.innerType!, hints, field);
    case 'nullable':
      return fc.option(arbitraryFromSchema(def.innerType!, hints, field), { nil: null, freq: 4 });
    case 'pipe':
      return arbitraryFromSchema(def.in!, hints, field);
    case 'lazy':
      return arbitraryFromSchema(def.getter!(), hints, field);
    case 'union':
      return fc.oneof(...def.options!.map((option) => arbitraryFromSchema(option, hints, field)));
    case 'array': {
      if (isTierArray(schema)) return tiersArbitrary(def.element!, hints);
      let min = 0;
      let max = hints.maxItems;
      for (const check of checksOf(schema)) {
        if (check.check === 'min_length') min = check.minimum as number;
        if (check.check === 'max_length') max = Math.min(max, check.maximum as number);
      }
      return fc.array(arbitraryFromSchema(def.element!, hints, field), { minLength: min, maxLength: Math.max(min, max) });
    }
    case 'tuple':
      return fc.tuple(...def.items!.map((item) => arbitraryFromSchema(item, hints, field)));
    case 'record':
      return fc.dictionary(stringArbitrary(def.keyType!), arbitraryFromSchema(def.valueType!, hints), { maxKeys: 3 });
    case 'object': {
      const shape = def.shape ?? {};
      const entries = Object.entries(shape);
      const required = entries.filter(([, s]) => !mayBeAbsent(s)).map(([k]) => k);
      return fc.record(Object.fromEntries(entries.map(([k, s]) => [k, arbitraryFromSchema(s, hints, k)])), { requiredKeys: required });
    }
    default:
      // unknown, any and the rest: a small JSON value.
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Samples `runs` values the schema accepts (a generated value it refuses is dropped and redrawn). */
export function schemaValidSamples(schema: z.ZodType, hints: SchemaHints, runs: number, seed: number): unknown[] {
  const arbitrary = arbitraryFromSchema(schema, hints).filter((value) => schema.safeParse(value).success);
  return fc.sample(arbitrary, { numRuns: runs, seed });
}
