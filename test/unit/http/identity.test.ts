import { describe, expect, it } from 'vitest';
import { identityOf, parseRolesClaim } from '../../../functions/http/identity';
import { HttpError } from '../../../functions/http/errors';

const withClaims = (claims: Record<string, unknown> | undefined) =>
  ({ requestContext: { authorizer: claims ? { jwt: { claims, scopes: [] } } : undefined } }) as never;

describe('roles claim spellings', () => {
  it.each([
    [['ops', 'approver'], ['ops', 'approver']],
    ['["ops","approver"]', ['ops', 'approver']],
    ['[ops approver]', ['ops', 'approver']],
    ['ops approver', ['ops', 'approver']],
    ['ops,approver', ['ops', 'approver']],
    ['ops, approver', ['ops', 'approver']],
    ['[ops]', ['ops']],
    ['finance', ['finance']],
  ])('%j -> %j', (claim, roles) => {
    expect(parseRolesClaim(claim)).toEqual(roles);
  });

  it('answers the same for a string seen before (parsed once), and a caller changing its answer changes nothing', () => {
    for (const claim of ['[ops approver]', '["finance"]', 'admin', '[1]', '[true]']) {
      const first = parseRolesClaim(claim);
      first?.push('admin');
      expect(parseRolesClaim(claim), claim).toEqual(first === null ? null : first.slice(0, -1));
    }
    expect(parseRolesClaim('[1]')).toBeNull();
  });

  it('rejects non-string shapes', () => {
    expect(parseRolesClaim(42)).toBeNull();
    expect(parseRolesClaim(undefined)).toBeNull();
    expect(parseRolesClaim([1, 2])).toBeNull();
  });
});

describe('identityOf', () => {
  it('reads sub, roles and advertiserId from the authorizer claims', () => {
    expect(identityOf(withClaims({ sub: 'adv-user', roles: '[advertiser]', advertiserId: 'a1' }))).toEqual({
      sub: 'adv-user', roles: ['advertiser'], advertiserId: 'a1',
    });
  });

  it('drops unknown roles; an advertiserId claim confines the token whatever its roles', () => {
    expect(identityOf(withClaims({ sub: 'alice', roles: 'ops superuser' }))).toEqual({ sub: 'alice', roles: ['ops'], advertiserId: null });
    expect(identityOf(withClaims({ sub: 'alice', roles: 'ops superuser', advertiserId: 'a1' }))).toEqual({
      sub: 'alice', roles: ['ops'], advertiserId: 'a1',
    });
  });

  it.each([
    ['no authorizer', undefined],
    ['no sub', { roles: 'ops' }],
    ['no roles', { sub: 'alice' }],
    ['advertiser without advertiserId', { sub: 'x', roles: ['advertiser'] }],
    ['an empty advertiserId', { sub: 'x', roles: ['finance'], advertiserId: '' }],
    ['an advertiserId that is not a string', { sub: 'x', roles: ['finance'], advertiserId: ['a1', 'a2'] }],
  ])('401 with %s', (_name, claims) => {
    try {
      identityOf(withClaims(claims));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(401);
    }
  });
});
