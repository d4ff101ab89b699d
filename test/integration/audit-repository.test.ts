/** The chain repository on DynamoDB Local: appends, duplicates, races for the head, paging. */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuditRepository, InvalidCursorError } from '../../shared/adapters/dynamodb/audit-repository';
import { keys } from '../../shared/adapters/dynamodb/table';
import { GENESIS_HASH, verifyChain } from '../../shared/domain/audit/chain';
import { auditAggregate, type AuditDraft } from '../../shared/domain/audit/entry';
import { readAuditTrail } from '../../shared/domain/audit/trail';
import { documentClient, freshTable } from '../support/aws';

const client = documentClient();
let repo: DynamoAuditRepository;
let tableName: string;

function draft(aggregate: string, eventId: string, after: AuditDraft['after'] = { status: 'DRAFT', note: eventId }): AuditDraft {
  return {
    aggregate,
    at: '2027-01-02T03:04:05.000Z',
    actor: 'user-1',
    action: 'UPDATED',
    entityType: 'contract',
    entityKey: { pk: 'CONTRACT#c', sk: 'CONTRACT' },
    before: null,
    after,
    eventId,
  };
}

beforeAll(async () => {
  tableName = await freshTable();
  repo = new DynamoAuditRepository(client, tableName);
});

describe('DynamoAuditRepository', () => {
  it('appends gapless entries linked from the genesis hash and keeps the head with them', async () => {
    const first = await repo.appendEntry(draft('contract#a1', 'a1-e1'));
    const second = await repo.appendEntry(draft('contract#a1', 'a1-e2'));
    expect(first).toMatchObject({ outcome: 'appended', entry: { seq: 1, prevHash: GENESIS_HASH } });
    expect(second).toMatchObject({ outcome: 'appended', entry: { seq: 2, prevHash: first.entry.hash } });
    expect(await repo.readHead('contract#a1')).toEqual({ aggregate: 'contract#a1', lastSeq: 2, lastHash: second.entry.hash });
    const { head, entries } = await repo.readChain('contract#a1');
    expect(entries).toEqual([first.entry, second.entry]);
    expect(verifyChain(entries, { head })).toEqual({ ok: true, breaks: [] });
  });

  it('reads back exactly what it hashed: numbers, nesting, unicode, empty values', async () => {
    const after = { amount: '1234.56', count: 3, ratio: 0.1, nested: { deep: [1, { x: null, e: '' }] }, name: 'Café ✓', empty: {}, list: [] };
    const { entry } = await repo.appendEntry(draft('invoice#fidelity', 'fidelity-1', after));
    const read = await repo.getEntry('invoice#fidelity', 1);
    expect(read).toEqual(entry);
    expect(verifyChain([read!]).ok).toBe(true);
  });

  it('treats a change already recorded as a duplicate and writes nothing', async () => {
    const original = await repo.appendEntry(draft('contract#dup', 'dup-e1'));
    const again = await repo.appendEntry({ ...draft('contract#dup', 'dup-e1'), at: '2030-01-01T00:00:00.000Z' });
    expect(again).toEqual({ outcome: 'duplicate', entry: original.entry });
    const { Items = [] } = await client.send(
      new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'AUDIT#contract#dup' } }),
    );
    expect(Items.map((i) => i.sk)).toEqual(['HEAD', 'SEQ#000000000001']);
  });

  it('serialises concurrent appends to one chain through the head lock', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => repo.appendEntry(draft('contract#race', `race-${i}`))));
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill('appended'));
    expect(results.map((r) => r.entry.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const { head, entries } = await repo.readChain('contract#race');
    expect(head?.lastSeq).toBe(6);
    expect(verifyChain(entries, { head }).ok).toBe(true);
  });

  it('never overwrites an entry: a seq already taken fails the append as contention, the item untouched', async () => {
    await repo.appendEntry(draft('contract#taken', 'taken-1'));
    // Someone else's item already sits at seq 2 without the head knowing.
    await client.send(new PutCommand({ TableName: tableName, Item: { ...keys.auditEntry('contract#taken', 2), note: 'foreign' } }));
    await expect(repo.appendEntry(draft('contract#taken', 'taken-2'))).rejects.toMatchObject({ code: 'audit_chain_contention' });
    const { Item } = await client.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk AND sk = :sk', ExpressionAttributeValues: { ':pk': 'AUDIT#contract#taken', ':sk': 'SEQ#000000000002' } })).then((r) => ({ Item: r.Items?.[0] }));
    expect(Item?.note).toBe('foreign');
  });

  it('pages entries with an opaque cursor and rejects cursors it did not issue', async () => {
    for (let i = 1; i <= 5; i += 1) await repo.appendEntry(draft('contract#paged', `paged-${i}`));
    const seqs: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await repo.listEntries('contract#paged', { limit: 2, cursor });
      seqs.push(...page.items.map((e) => e.seq));
      cursor = page.cursor;
      pages += 1;
    } while (cursor);
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(pages).toBeGreaterThanOrEqual(3);
    await expect(repo.listEntries('contract#paged', { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(repo.listEntries('contract#paged', { cursor: Buffer.from('{"after":"x"}').toString('base64url') })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(repo.listEntries('contract#paged', { limit: 0 })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('reads a contract audit trail in the API shape, paged', async () => {
    const aggregate = auditAggregate.contract('trail');
    for (let i = 1; i <= 3; i += 1) await repo.appendEntry(draft(aggregate, `trail-${i}`));
    const first = await readAuditTrail(repo, aggregate, { limit: 2 });
    expect(first.items.map((i) => i.seq)).toEqual([1, 2]);
    expect(Object.keys(first.items[0]!).sort()).toEqual(['action', 'actor', 'after', 'at', 'before', 'hash', 'prevHash', 'seq']);
    expect(first.items[1]!.prevHash).toBe(first.items[0]!.hash);
    const second = await readAuditTrail(repo, aggregate, { limit: 2, cursor: first.cursor });
    expect(second).toEqual({ items: [expect.objectContaining({ seq: 3, prevHash: first.items[1]!.hash })] });
    expect(await readAuditTrail(repo, auditAggregate.contract('none'))).toEqual({ items: [] });
  });

  it('lists every chain head through the chains index, paged', async () => {
    const heads = [];
    let cursor: string | undefined;
    do {
      const page = await repo.listAggregates({ limit: 2, cursor });
      heads.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    const names = heads.map((h) => h.aggregate);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['contract#a1', 'contract#dup', 'contract#paged', 'contract#race', 'invoice#fidelity']));
    expect(heads.find((h) => h.aggregate === 'contract#paged')).toMatchObject({ lastSeq: 5 });
  });
});
