import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../shared/domain/audit/canonical-json';
import { assertTermsSize, MAX_TERMS_BYTES, termsBytes } from '../../../shared/domain/contracts/terms-size';

/** Terms whose canonical JSON is exactly `bytes` long (padding one event name). */
function termsOf(bytes: number) {
  const base = { charges: [{ id: 'c', kind: 'CPA', event: '' }], partners: [] };
  return { ...base, charges: [{ ...base.charges[0], event: 'e'.repeat(bytes - canonicalJson(base).length) }] };
}

describe('terms size limit', () => {
  it('measures UTF-8 bytes of canonical JSON, whatever the key order or spacing', () => {
    expect(termsBytes({ b: 1, a: 'é' })).toBe('{"a":"é","b":1}'.length + 1);
  });

  it('accepts terms of exactly the limit and refuses one byte more with 413 terms_too_large naming the limit', () => {
    expect(termsBytes(termsOf(MAX_TERMS_BYTES))).toBe(MAX_TERMS_BYTES);
    expect(() => assertTermsSize(termsOf(MAX_TERMS_BYTES))).not.toThrow();
    let thrown: unknown;
    try {
      assertTermsSize(termsOf(MAX_TERMS_BYTES + 1));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      kind: 'TOO_LARGE',
      code: 'terms_too_large',
      details: [{ path: 'terms', message: `${MAX_TERMS_BYTES + 1} bytes, limit ${MAX_TERMS_BYTES}` }],
    });
    expect((thrown as Error).message).toContain('204800 bytes');
  });
});
