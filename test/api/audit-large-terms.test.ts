/**
 * The largest terms the API accepts go through edit -> submit -> approve -> supersede, and
 * every change of every item reaches the audit trail: versions whose before + after images do
 * not fit one DynamoDB item have them in the archive under their sha256, and the chain, the
 * images and the archive all verify. One byte more is a 413 that stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { S3AuditArchive } from '../../shared/adapters/s3/audit-archive';
import type { AuditEntry } from '../../shared/domain/audit/entry';
import { resolveImage } from '../../shared/domain/audit/images';
import { verifyAgainstArchive } from '../../shared/domain/audit/verify-archive';
import { verifyAllChains } from '../../shared/domain/audit/verify-chains';
import { MAX_TERMS_BYTES } from '../../shared/domain/contracts/terms-size';
import { startTestApi, startTestAuditPoller, type TestApi } from '../support/api';
import { documentClient, s3Client } from '../support/aws';
import { largestTerms } from '../support/large-terms';

let api: TestApi;
let poller: Awaited<ReturnType<typeof startTestAuditPoller>>;
let ops: string;
let approver: string;
let advertiserId: string;

beforeAll(async () => {
  api = await startTestApi();
  poller = await startTestAuditPoller();
  [ops, approver] = await Promise.all([api.token({ sub: 'olga', roles: ['ops'] }), api.token({ sub: 'april', roles: ['approver'] })]);
  const res = await api.request('POST', '/v1/advertisers', { token: ops, body: { name: 'Big Deals', currency: 'USD', timezone: 'UTC' } });
  advertiserId = res.json.id;
}, 60_000);
afterAll(async () => {
  await poller?.stop();
  await api?.stop();
});

const contractBody = (terms: unknown) => ({ advertiserId, name: 'Every geo', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', terms });

describe('terms at the size limit', () => {
  it('refuses terms one byte over the limit with 413 naming it, and stores nothing', async () => {
    const before = await api.request('GET', '/v1/contracts', { token: ops });
    const over = await api.request('POST', '/v1/contracts', { token: ops, body: contractBody(largestTerms(1, MAX_TERMS_BYTES + 1)) });
    expect(over.status).toBe(413);
    expect(over.json.error).toMatchObject({ code: 'terms_too_large', details: [{ path: 'terms', message: `${MAX_TERMS_BYTES + 1} bytes, limit ${MAX_TERMS_BYTES}` }] });
    expect(over.json.error.message).toContain(`${MAX_TERMS_BYTES} bytes`);
    const after = await api.request('GET', '/v1/contracts', { token: ops });
    expect(after.json.items).toEqual(before.json.items);
  });

  it('audits every change of the largest terms through edit, submit, approve and supersede, and it all verifies', { timeout: 180_000 }, async () => {
    const created = await api.request('POST', '/v1/contracts', { token: ops, body: contractBody(largestTerms(1)) });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const etag = (await api.request('GET', `/v1/contracts/${id}/versions/1`, { token: ops })).headers.get('etag')!;

    const tooBig = await api.request('PUT', `/v1/contracts/${id}/versions/1`, { token: ops, body: { terms: largestTerms(2, MAX_TERMS_BYTES + 1) }, headers: { 'if-match': etag } });
    expect(tooBig.status).toBe(413);
    const edited = await api.request('PUT', `/v1/contracts/${id}/versions/1`, { token: ops, body: { terms: largestTerms(2) }, headers: { 'if-match': etag } });
    expect(edited.status).toBe(200);
    expect((await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: ops })).status).toBe(200);
    expect((await api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: approver })).json.status).toBe('APPROVED');
    // An amendment from the start date replaces version 1 entirely once approved.
    const amendment = await api.request('POST', `/v1/contracts/${id}/amendments`, { token: ops, body: { effectiveFrom: '2027-01-01', terms: largestTerms(3) } });
    expect(amendment.status).toBe(201);
    expect((await api.request('POST', `/v1/contracts/${id}/versions/2/submit`, { token: ops })).status).toBe(200);
    expect((await api.request('POST', `/v1/contracts/${id}/versions/2/approve`, { token: approver })).json.status).toBe('APPROVED');
    const contract = await api.request('GET', `/v1/contracts/${id}`, { token: ops });
    expect(contract.json.versions.map((v: { status: string }) => v.status)).toEqual(['SUPERSEDED', 'APPROVED']);

    await poller.drain({ timeoutMs: 120_000 });
    expect(poller.failures).toEqual([]);

    const repo = new DynamoAuditRepository(documentClient(), api.tableName);
    const archive = new S3AuditArchive(s3Client(), api.buckets.auditArchive);
    const { entries } = await repo.readChain(`contract#${id}`);
    const actionsOf = (sk: string) => entries.filter((e) => e.entityKey.sk === sk).map((e) => e.action);
    expect(actionsOf('VERSION#0001')).toEqual(['CREATED', 'UPDATED', 'version.submitted', 'version.approved', 'version.superseded']);
    expect(actionsOf('VERSION#0002')).toEqual(['CREATED', 'version.submitted', 'version.approved']);

    // Each version change kept both images: inline, or in the archive by key and sha256.
    const versionChanges = entries.filter((e) => e.entityKey.sk.startsWith('VERSION#') && !e.entityKey.sk.includes('APPROVAL'));
    const external = versionChanges.filter((e) => e.beforeImage || e.afterImage);
    // Every change of a version after its creation: edit, submit, approve (x2), supersede, and v2's submit and approve.
    expect(external.length).toBeGreaterThanOrEqual(6);
    const termsAfter = async (entry: AuditEntry) => ((await resolveImage(entry, 'after', archive)) as { terms: unknown }).terms;
    const editEntry = versionChanges.find((e) => e.entityKey.sk === 'VERSION#0001' && e.action === 'UPDATED')!;
    // Two images of ~205 KB do not fit together: the larger (after) went to the archive.
    expect(editEntry.afterImage).toBeDefined();
    expect(editEntry.after).toBeNull();
    expect(await termsAfter(editEntry)).toEqual(edited.json.terms);
    const supersede = versionChanges.find((e) => e.action === 'version.superseded')!;
    expect(((await resolveImage(supersede, 'after', archive)) as { status: string }).status).toBe('SUPERSEDED');

    // The trail as the API shows it names external images by reference.
    const trail = await api.request('GET', `/v1/contracts/${id}/audit?limit=200`, { token: ops });
    expect(trail.status).toBe(200);
    const shownEdit = trail.json.items.find((item: { seq: number }) => item.seq === editEntry.seq);
    expect(shownEdit).toMatchObject({ after: null, afterImage: editEntry.afterImage });

    expect(await verifyAllChains(repo, { images: archive })).toMatchObject({ broken: [] });
    expect(await verifyAgainstArchive(repo, archive)).toMatchObject({ broken: [] });
  });
});
