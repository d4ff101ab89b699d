import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, routeKey, type RouteDef } from '../../shared/schemas/api/routes';
import { identityOf } from '../../functions/http/identity';
import { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER, mintDevToken, verifyDevToken } from '../../scripts/lib/dev-auth';
import { buildEvent, matchRoute, MAX_BODY_BYTES, toApiGatewayClaims, toHttpResponse, verifiedClaims, type RequestFacts } from '../../scripts/lib/local-api';
import { startTestApi, type TestApi } from '../support/api';

const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);

describe('matchRoute', () => {
  it('matches every route of the table with any path parameters', () => {
    for (const route of ROUTES) {
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      fc.assert(
        fc.property(fc.array(segment, { minLength: names.length, maxLength: names.length }), (values) => {
          let path: string = route.path;
          names.forEach((name, i) => { path = path.replace(`{${name}}`, values[i]!); });
          const match = matchRoute(route.method, path);
          expect(match.kind).toBe('matched');
          if (match.kind !== 'matched') return;
          // Another route may share the path shape only if it is more specific (literal), never by accident.
          expect(routeKey(match.route)).toBe(routeKey(route));
          expect(match.pathParameters).toEqual(Object.fromEntries(names.map((n, i) => [n, values[i]])));
        }),
        { numRuns: 25 },
      );
    }
  });

  it('decodes path parameters and leaves unknown paths and methods apart', () => {
    expect(matchRoute('GET', '/v1/contracts/a%20b%2Fc/versions/2')).toEqual({
      kind: 'matched',
      route: ROUTES.find((r) => routeKey(r) === 'GET /v1/contracts/{id}/versions/{n}'),
      pathParameters: { id: 'a b/c', n: '2' },
    });
    expect(matchRoute('GET', '/v1/nothing')).toEqual({ kind: 'not_found' });
    expect(matchRoute('GET', '/v1/contracts//versions/2')).toEqual({ kind: 'not_found' });
    expect(matchRoute('GET', '/v1/health/')).toEqual({ kind: 'not_found' });
    expect(matchRoute('DELETE', '/v1/contracts/c1')).toEqual({ kind: 'method_not_allowed', allowed: ['GET'] });
    const versionMethods = matchRoute('PATCH', '/v1/contracts/c1/versions/1');
    expect(versionMethods.kind === 'method_not_allowed' && versionMethods.allowed.sort()).toEqual(['GET', 'PUT']);
  });

  it('prefers a literal segment over a path parameter, whatever the table order', () => {
    const routes: RouteDef[] = [
      { method: 'GET', path: '/v1/things/{id}', group: 'public', roles: null, summary: '' },
      { method: 'GET', path: '/v1/things/special', group: 'public', roles: null, summary: '' },
    ];
    const special = matchRoute('GET', '/v1/things/special', routes);
    expect(special.kind === 'matched' && special.route.path).toBe('/v1/things/special');
    const other = matchRoute('GET', '/v1/things/other', routes);
    expect(other.kind === 'matched' && other.pathParameters).toEqual({ id: 'other' });
  });
});

describe('claims as API Gateway passes them', () => {
  it('flattens every claim to a string, arrays as "[a b]", and the identity parser reads them back', async () => {
    const token = await mintDevToken({ sub: 'adv-user', roles: ['advertiser', 'ops'], advertiserId: 'ADV-7' });
    const verified = await verifyDevToken(token);
    const claims = toApiGatewayClaims(verified);
    expect(claims).toMatchObject({
      sub: 'adv-user',
      roles: '[advertiser ops]',
      advertiserId: 'ADV-7',
      iss: DEV_TOKEN_ISSUER,
      aud: DEV_TOKEN_AUDIENCE,
      exp: String(verified.exp),
      iat: String(verified.iat),
    });
    for (const value of Object.values(claims)) expect(typeof value).toBe('string');
    expect(toApiGatewayClaims({ one: ['ops'], none: null, flag: true, nested: { a: 1 } })).toEqual({ one: '[ops]', flag: 'true', nested: '{"a":1}' });

    const identity = identityOf({ requestContext: { authorizer: { jwt: { claims, scopes: null } } } } as never);
    expect(identity).toEqual({ sub: 'adv-user', roles: ['advertiser', 'ops'], advertiserId: 'ADV-7' });
  });
});

describe('verified tokens kept between requests', () => {
  it('serves a token verified before until its exp, then refuses it as expired; each caller gets its own claims', async () => {
    const issuedAt = new Date('2027-03-01T10:00:00Z');
    const token = await mintDevToken({ sub: 'kept', roles: ['ops'], now: issuedAt, expiresIn: 60 });
    const first = await verifiedClaims(token, issuedAt);
    expect(first).toMatchObject({ sub: 'kept', roles: '[ops]' });
    first.sub = 'tampered';
    expect(await verifiedClaims(token, new Date('2027-03-01T10:00:59.999Z'))).toMatchObject({ sub: 'kept' });
    await expect(verifiedClaims(token, new Date('2027-03-01T10:01:00Z'))).rejects.toThrow(/expired/);
    await expect(verifiedClaims(token, new Date('2027-03-01T10:00:30Z'))).resolves.toMatchObject({ sub: 'kept' });
  });

  it('never keeps a refused token: a wrongly signed one is refused every time', async () => {
    const token = await mintDevToken({ sub: 'kept', roles: ['ops'] });
    const forged = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    await expect(verifiedClaims(forged, new Date())).rejects.toThrow();
    await expect(verifiedClaims(forged, new Date())).rejects.toThrow();
  });
});

describe('buildEvent', () => {
  const facts: RequestFacts = {
    method: 'put',
    rawPath: '/v1/contracts/c%201/versions/3',
    rawQueryString: 'a=1&b=x%20y&a=2',
    rawHeaders: ['Host', '127.0.0.1:3000', 'Content-Type', 'application/json', 'X-Multi', 'one', 'x-multi', 'two', 'Cookie', 'k1=v1; k2=v2', 'User-Agent', 'test-agent', 'If-Match', '"3"'],
    body: Buffer.from('{"terms":"é"}'),
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    now: new Date('2027-03-04T05:06:07.089Z'),
    requestId: 'req-1',
  };
  const route = ROUTES.find((r) => routeKey(r) === 'PUT /v1/contracts/{id}/versions/{n}')!;

  it('builds the payload format 2.0 event of a protected route', () => {
    const event = buildEvent(facts, route, { id: 'c 1', n: '3' }, { sub: 'alice', roles: '[ops]' });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'PUT /v1/contracts/{id}/versions/{n}',
      rawPath: '/v1/contracts/c%201/versions/3',
      rawQueryString: 'a=1&b=x%20y&a=2',
      cookies: ['k1=v1', 'k2=v2'],
      queryStringParameters: { a: '1,2', b: 'x y' },
      pathParameters: { id: 'c 1', n: '3' },
      body: '{"terms":"é"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: expect.stringMatching(/^\d{12}$/),
        apiId: expect.any(String),
        domainName: '127.0.0.1',
        stage: '$default',
        requestId: 'req-1',
        routeKey: 'PUT /v1/contracts/{id}/versions/{n}',
        time: '04/Mar/2027:05:06:07 +0000',
        timeEpoch: Date.parse('2027-03-04T05:06:07.089Z'),
        http: { method: 'PUT', path: '/v1/contracts/c%201/versions/3', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test-agent' },
        authorizer: { jwt: { claims: { sub: 'alice', roles: '[ops]' }, scopes: null } },
      },
    });
    expect(event.headers).toMatchObject({ host: '127.0.0.1:3000', 'content-type': 'application/json', 'x-multi': 'one,two', 'if-match': '"3"', 'x-forwarded-for': '127.0.0.1' });
    expect(event.headers.cookie).toBeUndefined();
    for (const name of Object.keys(event.headers)) expect(name).toBe(name.toLowerCase());
  });

  it('leaves out what API Gateway leaves out, and base64-encodes binary bodies', () => {
    const publicRoute = ROUTES.find((r) => routeKey(r) === 'GET /v1/health')!;
    const event = buildEvent({ ...facts, method: 'GET', rawPath: '/v1/health', rawQueryString: '', rawHeaders: ['Host', 'localhost'], body: Buffer.alloc(0) }, publicRoute, {}, undefined);
    expect('authorizer' in event.requestContext).toBe(false);
    for (const absent of ['cookies', 'queryStringParameters', 'pathParameters', 'body'] as const) expect(event[absent]).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);

    const binary = Buffer.from([0xff, 0x00, 0xfe]);
    const upload = buildEvent({ ...facts, rawHeaders: ['Content-Type', 'application/octet-stream'], body: binary }, route, {}, {});
    expect(upload.isBase64Encoded).toBe(true);
    expect(Buffer.from(upload.body!, 'base64')).toEqual(binary);
  });
});

describe('toHttpResponse', () => {
  it('follows payload format 2.0 for structured and plain results', () => {
    expect(toHttpResponse({ statusCode: 201, headers: { ETag: '"1"', 'X-Count': 3 }, body: '{"id":"a"}', cookies: ['s=1'] })).toEqual({
      statusCode: 201, headers: { etag: '"1"', 'x-count': '3' }, cookies: ['s=1'], body: Buffer.from('{"id":"a"}'),
    });
    expect(toHttpResponse({ statusCode: 200, body: Buffer.from('hi').toString('base64'), isBase64Encoded: true }).body.toString()).toBe('hi');
    expect(toHttpResponse({ status: 'ok' })).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from('{"status":"ok"}') });
    expect(toHttpResponse('plain').body.toString()).toBe('plain');
    expect(() => toHttpResponse({ statusCode: 99 })).toThrow(/statusCode/);
    expect(() => toHttpResponse({ statusCode: 200, body: { not: 'a string' } })).toThrow(/body/);
  });
});

describe('local API server', () => {
  let api: TestApi;
  beforeAll(async () => { api = await startTestApi(); });
  afterAll(async () => { await api?.stop(); });

  it('serves the public health route without a token', async () => {
    const res = await api.request('GET', '/v1/health');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
    expect(res.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 404 for unknown paths and 405 with Allow for other methods', async () => {
    const missing = await api.request('GET', '/v1/unknown');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
    const wrongMethod = await api.request('DELETE', '/v1/health');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error.code).toBe('method_not_allowed');
    expect(wrongMethod.headers.get('allow')).toBe('GET');
  });

  it('refuses missing, malformed, expired, foreign and wrongly signed tokens with 401 like the JWT authorizer', async () => {
    const claims = { sub: 'alice', roles: ['ops'] };
    const foreignKey = new TextEncoder().encode('some other signing key that the local API does not know');
    const wrongSignature = await new SignJWT({ roles: ['ops'] })
      .setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer(DEV_TOKEN_ISSUER).setAudience(DEV_TOKEN_AUDIENCE)
      .setIssuedAt().setExpirationTime('1h').sign(foreignKey);
    const cases: [string, Record<string, string>, RegExp][] = [
      ['missing', {}, /bearer token is required/],
      ['not bearer', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, /Bearer/],
      ['garbage', { authorization: 'Bearer not.a.jwt' }, /malformed/],
      ['expired', { authorization: `Bearer ${await mintDevToken({ ...claims, expiresIn: -5 })}` }, /expired/],
      ['wrong signature', { authorization: `Bearer ${wrongSignature}` }, /signature/],
    ];
    for (const [, headers, message] of cases) {
      const res = await api.request('GET', '/v1/contracts', { headers });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('unauthenticated');
      expect(res.json.error.message).toMatch(message);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    const valid = await api.request('GET', '/v1/contracts', { token: await api.token(claims) });
    expect(valid.status).not.toBe(401);
  });

  it('answers 413 for bodies over 1 MiB before any handler runs', async () => {
    const token = await api.token({ sub: 'alice', roles: ['ops'] });
    const over = await api.request('POST', '/v1/advertisers', { token, body: 'x'.repeat(MAX_BODY_BYTES + 1), headers: { 'content-type': 'application/json' } });
    expect(over.status).toBe(413);
    expect(over.json.error.code).toBe('payload_too_large');
    const atLimit = await api.request('POST', '/v1/advertisers', { token, body: `"${'x'.repeat(MAX_BODY_BYTES - 2)}"`, headers: { 'content-type': 'application/json' } });
    expect(atLimit.status).not.toBe(413);
  });
});
