import { describe, expect, it } from 'vitest';
import { CANONICAL_JSON_MAX_DEPTH, CanonicalJsonError, canonicalJson } from '../../../shared/domain/audit/canonical-json';

describe('canonicalJson', () => {
  it('sorts keys recursively and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text for the same value built in any key order', () => {
    expect(canonicalJson({ x: 1, y: { p: true, q: null } })).toBe(canonicalJson({ y: { q: null, p: true }, x: 1 }));
  });

  it('sorts by UTF-16 code units, so upper case comes before lower case', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, _: 4 })).toBe('{"B":2,"_":4,"a":3,"b":1}');
  });

  it('writes strings and numbers as JSON does, -0 as 0', () => {
    expect(canonicalJson(['é\n"\\', 1e21, 0.1, -0, 123.5])).toBe('["é\\n\\"\\\\",1e+21,0.1,0,123.5]');
  });

  it('omits undefined object members, as the table round trip does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it.each([
    ['NaN', { amount: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['bigint', { n: 10n }],
    ['a Date', { at: new Date(0) }],
    ['a Set', new Set([1])],
    ['a function', { f: () => 1 }],
    ['undefined in an array', [1, undefined]],
    ['a top-level undefined', undefined],
  ])('rejects %s', (_label, value) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
  });

  it('names the path of the offending value', () => {
    expect(() => canonicalJson({ after: { lines: [{ qty: Number.NaN }] } })).toThrow(/after\.lines\.0\.qty/);
  });

  it('limits nesting so a cyclic value fails instead of overflowing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(new RegExp(`deeper than ${CANONICAL_JSON_MAX_DEPTH}`));
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { b: 2, a: 1 });
    expect(canonicalJson(bare)).toBe('{"a":1,"b":2}');
  });
});
