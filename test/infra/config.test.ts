import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assertStageName, DEFAULT_APPROVAL_THRESHOLDS, DEFAULT_CALLBACK_URLS, parseApprovalThresholds, resolveCallbackUrls } from '../../infra/config';

describe('approval thresholds from the context', () => {
  test('default to 100,000.00 in USD, EUR and GBP', () => {
    expect(parseApprovalThresholds(undefined)).toEqual(DEFAULT_APPROVAL_THRESHOLDS);
    expect(parseApprovalThresholds('')).toEqual(DEFAULT_APPROVAL_THRESHOLDS);
  });

  test('accept a JSON string (-c on the command line) or an object (cdk.json), amounts kept as strings', () => {
    expect(parseApprovalThresholds('{"USD":"250000.00","JPY":"10000000"}')).toEqual({ USD: '250000.00', JPY: '10000000' });
    expect(parseApprovalThresholds({ EUR: '90000.50' })).toEqual({ EUR: '90000.50' });
  });

  test('refuse numbers, negative or malformed amounts and codes that are not ISO 4217 shaped', () => {
    expect(() => parseApprovalThresholds({ USD: 100000 })).toThrow(/decimal string/);
    expect(() => parseApprovalThresholds({ USD: '-1' })).toThrow(/decimal string/);
    expect(() => parseApprovalThresholds({ USD: '1e5' })).toThrow(/decimal string/);
    expect(() => parseApprovalThresholds({ usd: '1' })).toThrow(/ISO 4217/);
    expect(() => parseApprovalThresholds('["USD"]')).toThrow(/object/);
    expect(() => parseApprovalThresholds('{not json')).toThrow();
  });

  test('any well-formed map survives the trip through a context string unchanged', () => {
    const currency = fc.stringMatching(/^[A-Z]{3}$/);
    const amount = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.option(fc.stringMatching(/^\d{1,4}$/), { nil: undefined }))
      .map(([units, fraction]) => (fraction === undefined ? `${units}` : `${units}.${fraction}`));
    fc.assert(
      fc.property(fc.dictionary(currency, amount, { minKeys: 1 }), (thresholds) => {
        expect(parseApprovalThresholds(JSON.stringify(thresholds))).toEqual(thresholds);
      }),
    );
  });
});

describe('stage names', () => {
  test('are short, lowercase and DNS-safe, since they end up in stack, export and resource names', () => {
    for (const ok of ['dev', 'prod', 'ci', 'pr-123', 'eu1']) expect(assertStageName(ok)).toBe(ok);
    for (const bad of ['', 'Prod', '1dev', 'dev_1', 'a'.repeat(21), 'dev stage']) expect(() => assertStageName(bad)).toThrow();
  });
});

describe('OAuth callback URLs', () => {
  test('outside the dev stage they must be given: the app refuses to synthesize with a clear message', () => {
    expect(() => resolveCallbackUrls('prod', [])).toThrow(/stage "prod": set the OAuth callback URLs of the web client explicitly.*authCallbackUrls/);
    expect(() => resolveCallbackUrls('staging', [])).toThrow(/authCallbackUrls/);
    expect(resolveCallbackUrls('prod', ['https://console.example.com/callback'])).toEqual(['https://console.example.com/callback']);
  });

  test('the dev stage falls back to localhost', () => {
    expect(resolveCallbackUrls('dev', [])).toEqual(DEFAULT_CALLBACK_URLS);
  });

  test('URLs must be https, or plain http on localhost', () => {
    expect(() => resolveCallbackUrls('prod', ['http://console.example.com/callback'])).toThrow(/must use https/);
    expect(() => resolveCallbackUrls('prod', ['not a url'])).toThrow(/is not a URL/);
    expect(resolveCallbackUrls('test', ['http://localhost:3000/callback'])).toEqual(['http://localhost:3000/callback']);
  });
});
