import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEV_SIGNING_KEY, DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER, DevTokenError, mintDevToken, verifyDevToken } from '../../scripts/lib/dev-auth';

const root = resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);

function signWith(claims: Record<string, unknown>, { iss = DEV_TOKEN_ISSUER, aud = DEV_TOKEN_AUDIENCE, alg = 'HS256' } = {}) {
  return new SignJWT(claims).setProtectedHeader({ alg }).setSubject('alice').setIssuer(iss).setAudience(aud).setIssuedAt().setExpirationTime('1h').sign(DEV_SIGNING_KEY);
}

describe('development tokens', () => {
  it('round-trips sub, roles and advertiserId with issuer, audience and expiry', async () => {
    const now = new Date('2027-01-01T00:00:00Z');
    const token = await mintDevToken({ sub: 'ann', roles: ['advertiser'], advertiserId: 'ADV1', expiresIn: 3600, now });
    const claims = await verifyDevToken(token, { now: new Date('2027-01-01T00:59:59Z') });
    expect(claims).toMatchObject({ sub: 'ann', roles: ['advertiser'], advertiserId: 'ADV1', iss: DEV_TOKEN_ISSUER, aud: DEV_TOKEN_AUDIENCE, iat: 1798761600, exp: 1798765200 });
    await expect(verifyDevToken(token, { now: new Date('2027-01-01T01:00:00Z') })).rejects.toThrow(/expired/);
  });

  it('refuses another issuer, another audience, a missing roles claim and a tampered payload', async () => {
    await expect(verifyDevToken(await signWith({ roles: ['ops'] }, { iss: 'https://elsewhere' }))).rejects.toThrow(/"iss"/);
    await expect(verifyDevToken(await signWith({ roles: ['ops'] }, { aud: 'another-api' }))).rejects.toThrow(/"aud"/);
    await expect(verifyDevToken(await signWith({}))).rejects.toThrow(/roles/);
    await expect(verifyDevToken(await signWith({ roles: ['ops'] }, { alg: 'HS512' }))).rejects.toThrow(/algorithm/);
    const [header, , signature] = (await mintDevToken({ sub: 'bob', roles: ['ops'] })).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'bob', roles: ['admin'], iss: DEV_TOKEN_ISSUER, aud: DEV_TOKEN_AUDIENCE, iat: 1, exp: 4102444800 })).toString('base64url');
    await expect(verifyDevToken(`${header}.${forged}.${signature}`)).rejects.toBeInstanceOf(DevTokenError);
  });

  it('npm run token prints a verifiable JWT and nothing else, and refuses bad arguments', async () => {
    const { stdout } = await run('npx', ['tsx', 'scripts/token.ts', '--sub', 'alice', '--roles', 'ops,approver'], { cwd: root });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(await verifyDevToken(stdout.trim())).toMatchObject({ sub: 'alice', roles: ['ops', 'approver'] });

    const advertiser = await run('npx', ['tsx', 'scripts/token.ts', '--sub', 'ann', '--roles', 'advertiser', '--advertiser', 'ADV9'], { cwd: root });
    expect(await verifyDevToken(advertiser.stdout.trim())).toMatchObject({ roles: ['advertiser'], advertiserId: 'ADV9' });

    for (const args of [['--sub', 'a', '--roles', 'superuser'], ['--sub', 'a', '--roles', 'advertiser'], ['--roles', 'ops']]) {
      const failed = await run('npx', ['tsx', 'scripts/token.ts', ...args], { cwd: root }).then(() => null, (error: { code: number; stdout: string }) => error);
      expect(failed?.code).toBe(2);
      expect(failed?.stdout).toBe('');
    }
  });
});
