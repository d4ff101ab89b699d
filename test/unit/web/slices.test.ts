import { describe, expect, it } from 'vitest';
import { authReducer, initialAuthState, readClaims, sessionExpired, signedIn, signedOut } from '../../../web/src/app/authSlice';
import { MAX_RECENT_RUNS, recentRunsReducer, runSeen, runsForgotten } from '../../../web/src/app/runsSlice';
import { mayUse, navigationFor } from '../../../web/src/app/navigation';
import { createStore } from '../../../web/src/app/store';
import { fieldErrors, issuesToDetails, toShownError } from '../../../web/src/lib/errors';
import { validateBody } from '../../../web/src/lib/validate';
import { CreateContractBody } from '../../../shared/schemas/api/contracts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload: Record<string, unknown>) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.signature`;

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, value);
  removeItem = (key: string) => void this.items.delete(key);
}

describe('auth slice', () => {
  it('signs in with the claims the token carries and signs out to nothing', () => {
    const token = jwt({ sub: 'alice', roles: ['ops', 'approver'], exp: 2_000_000_000 });
    const state = authReducer(initialAuthState, signedIn(`  ${token} `));
    expect(state).toEqual({ token, claims: { sub: 'alice', roles: ['ops', 'approver'], advertiserId: null, exp: 2_000_000_000 }, error: null });
    expect(authReducer(state, signedOut())).toEqual(initialAuthState);
    expect(authReducer(state, sessionExpired())).toEqual({ token: null, claims: null, error: 'your session has ended; sign in again' });
  });

  it('reads an advertiser token and Cognito group claims', () => {
    expect(readClaims(jwt({ sub: 'adv', roles: ['advertiser'], advertiserId: 'ADV1' }))).toMatchObject({ roles: ['advertiser'], advertiserId: 'ADV1', exp: null });
    expect(readClaims(jwt({ sub: 'x', 'cognito:groups': ['finance'] }))).toMatchObject({ roles: ['finance'] });
  });

  it('refuses what is not a usable token, keeping nobody signed in', () => {
    for (const [token, error] of [
      ['abc', 'this is not a token (expected three dot-separated parts)'],
      ['a.!!!.c', 'this token cannot be read (its payload is not JSON)'],
      [jwt({ sub: 'x' }), 'this token carries no roles'],
      [jwt({ roles: ['ops'] }), 'this token has no subject (sub)'],
    ] as const) {
      expect(authReducer(initialAuthState, signedIn(token))).toEqual({ token: null, claims: null, error });
    }
  });
});

describe('recent runs slice', () => {
  it('keeps runs newest first, once each, at most MAX_RECENT_RUNS', () => {
    let state = recentRunsReducer(undefined, { type: 'init' });
    for (let i = 0; i < MAX_RECENT_RUNS + 5; i++) state = recentRunsReducer(state, runSeen({ id: `run-${i}`, period: '2026-06', startedAt: `t${i}` }));
    expect(state).toHaveLength(MAX_RECENT_RUNS);
    expect(state[0]!.id).toBe(`run-${MAX_RECENT_RUNS + 4}`);
    state = recentRunsReducer(state, runSeen({ id: 'run-10', period: '2026-06', startedAt: 'again' }));
    expect(state.filter((r) => r.id === 'run-10')).toEqual([{ id: 'run-10', period: '2026-06', startedAt: 'again' }]);
    expect(state[0]!.id).toBe('run-10');
    expect(recentRunsReducer(state, runsForgotten())).toEqual([]);
  });
});

describe('store', () => {
  it('keeps the token in session storage and the runs in local storage, and restores them', () => {
    const session = new MemoryStorage();
    const local = new MemoryStorage();
    const token = jwt({ sub: 'fiona', roles: ['finance'], exp: Math.floor(Date.now() / 1000) + 3600 });
    const store = createStore({ session: session as never, local: local as never });
    store.dispatch(signedIn(token));
    store.dispatch(runSeen({ id: 'br-1', period: '2026-06', startedAt: 'now' }));
    expect(session.items.get('ctv-console.token')).toBe(token);
    const again = createStore({ session: session as never, local: local as never });
    expect(again.getState().auth.claims?.sub).toBe('fiona');
    expect(again.getState().recentRuns.map((r) => r.id)).toEqual(['br-1']);
    again.dispatch(signedOut());
    expect(session.items.has('ctv-console.token')).toBe(false);
  });

  it('does not restore an expired token', () => {
    const session = new MemoryStorage();
    session.setItem('ctv-console.token', jwt({ sub: 'old', roles: ['ops'], exp: 1 }));
    expect(createStore({ session: session as never }).getState().auth.token).toBeNull();
  });
});

describe('navigation', () => {
  it("shows each role the links its routes allow (from the API's route table)", () => {
    const labels = (roles: string[]) => navigationFor(roles).map((l) => l.label);
    expect(labels(['ops'])).toEqual(['Contracts', 'Spend']);
    expect(labels(['approver'])).toEqual(['Contracts', 'Approvals']);
    expect(labels(['finance'])).toEqual(['Contracts', 'Approvals', 'Billing runs', 'Invoices', 'Receivables', 'Partners', 'Spend', 'Exports']);
    expect(labels(['advertiser'])).toEqual(['Contracts', 'Invoices', 'Spend']);
    expect(labels([])).toEqual([]);
  });

  it('shows no link for a route the API does not have', () => {
    expect(mayUse('GET /v1/no-such-route', ['finance'])).toBe(false);
    expect(navigationFor(['finance'], [{ label: 'Nowhere', to: '/x', route: 'GET /v1/no-such-route' }])).toEqual([]);
  });
});

describe('form errors', () => {
  it("checks a body with the API's schema and reports the API's paths and messages", () => {
    const result = validateBody(CreateContractBody, {
      advertiserId: 'ADV1',
      name: 'x',
      currency: 'usd',
      timezone: 'UTC',
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      terms: { charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '' } }], extra: 1 },
    });
    expect(result.ok).toBe(false);
    const errors = fieldErrors(result.ok ? [] : result.details);
    expect(errors).toMatchObject({
      currency: 'must be an ISO 4217 code such as USD',
      'terms.charges.0.pricing.rate': 'must be a non-negative decimal string with at most 6 decimals',
      'terms.extra': 'unknown field',
    });
  });

  it('reads API errors and network failures', () => {
    expect(toShownError({ status: 412, data: { error: { code: 'precondition_failed', message: 'stale', details: [] } } })).toEqual({ status: 412, code: 'precondition_failed', message: 'stale', details: [] });
    expect(toShownError({ status: 'FETCH_ERROR', error: 'TypeError: Failed to fetch' })).toMatchObject({ status: 'network', message: 'TypeError: Failed to fetch' });
    expect(issuesToDetails([{ code: 'custom', path: [], message: 'bad' }], 'body')).toEqual([{ path: 'body', message: 'bad' }]);
  });
});
