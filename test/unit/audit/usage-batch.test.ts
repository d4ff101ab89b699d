import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sealEntry, emptyHead } from '../../../shared/domain/audit/chain';
import type { AuditChange, AuditEntry, AuditImage } from '../../../shared/domain/audit/entry';
import { compareSequence, describeUsageBatch, usageBatchContent, usageItemDigest, UsageLedger } from '../../../shared/domain/audit/usage-batch';
import { fixedClock } from '../../../shared/domain/kernel/clock';

const clock = fixedClock('2027-02-02T12:00:00.000Z');
const AGG = 'usage#c1#2027-01#3';
const PK = 'USAGE#c1#2027-01#3';

function item(sk: string, count: number, origin = 'api:r1'): AuditImage {
  return { pk: PK, sk, entityType: 'usage', aggregate: AGG, count, origin, actor: 'ops-1', ingestedAt: '2027-02-01T00:00:00.000Z' };
}

function change(sequence: string, sk: string, after: AuditImage | null, before: AuditImage | null = null): AuditChange {
  return { eventId: `ev-${sequence}`, kind: after ? (before ? 'MODIFY' : 'INSERT') : 'REMOVE', aggregate: AGG, entityKey: { pk: PK, sk }, before, after, sequence };
}

function chainOf(...batches: AuditChange[][]): AuditEntry[] {
  let head = emptyHead(AGG);
  return batches.map((changes) => {
    const entry = sealEntry(describeUsageBatch(changes, clock), head);
    head = { aggregate: AGG, lastSeq: entry.seq, lastHash: entry.hash };
    return entry;
  });
}

describe('usage batch entries', () => {
  it('name every item written with the sha256 of its new image, and the ingest batches (origins) they came from', () => {
    const a = item('IMP#a', 1);
    const b = item('IMP#b', 2, 'file:bkt/usage/c1/impressions/jan.csv');
    const draft = describeUsageBatch([change('10', 'IMP#a', a), change('11', 'IMP#b', b)], clock);
    expect(draft).toMatchObject({ aggregate: AGG, action: 'usage.batch', entityType: 'usageBatch', actor: 'ops-1', entityKey: { pk: PK, sk: '' }, before: null, eventId: 'ev-10' });
    expect(draft.after).toEqual({
      records: 2,
      items: [['IMP#a', usageItemDigest(a)], ['IMP#b', usageItemDigest(b)]],
      origins: ['api:r1', 'file:bkt/usage/c1/impressions/jan.csv'],
      firstSequence: '10',
      lastSequence: '11',
    });
  });

  it('orders stream sequence numbers as numbers, whatever their length', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.nat(3), (x, y, pad) => {
        const text = (n: bigint) => '0'.repeat(pad) + n.toString();
        expect(Math.sign(compareSequence(text(x), y.toString()))).toBe(x < y ? -1 : x > y ? 1 : 0);
      }),
    );
  });
});

describe('UsageLedger', () => {
  it('accepts a partition holding exactly what the last entry naming each item says: re-sends, reversals and removals included', async () => {
    const a1 = item('IMP#a', 1);
    const a2 = item('IMP#a', 5, 'api:resend');
    const c1 = item('CNV#x#', 1);
    const c2 = { ...c1, reversedAt: '2027-01-20T00:00:00Z' };
    const ledger = new UsageLedger();
    for (const entry of chainOf([change('1', 'IMP#a', a1), change('2', 'CNV#x#', c1), change('3', 'IMP#gone', item('IMP#gone', 1))], [change('4', 'IMP#a', a2, a1), change('5', 'CNV#x#', c2, c1)], [change('6', 'IMP#gone', null)])) {
      ledger.push(entry);
    }
    expect(await ledger.check([{ sk: 'IMP#a', image: a2 }, { sk: 'CNV#x#', image: c2 }])).toEqual([]);
  });

  it('names an edited item, an item no entry names, a deleted item and an item back after its recorded removal', async () => {
    const ledger = new UsageLedger();
    for (const entry of chainOf([change('1', 'IMP#a', item('IMP#a', 1)), change('2', 'IMP#b', item('IMP#b', 2)), change('3', 'IMP#c', item('IMP#c', 3))], [change('4', 'IMP#c', null)])) {
      ledger.push(entry);
    }
    expect(await ledger.check([{ sk: 'IMP#a', image: item('IMP#a', 100) }, { sk: 'IMP#c', image: item('IMP#c', 3) }, { sk: 'IMP#z', image: item('IMP#z', 1) }])).toEqual([
      { sk: 'IMP#z', reason: 'usage_item_unnamed', seq: 0 },
      { sk: 'IMP#a', reason: 'usage_item_mismatch', seq: 1 },
      { sk: 'IMP#b', reason: 'usage_item_missing', seq: 1 },
      { sk: 'IMP#c', reason: 'usage_item_unnamed', seq: 2 },
    ]);
  });

  it('counts per-record entries of chains begun before batching by the same rule', async () => {
    const a = item('IMP#a', 1);
    const legacy = sealEntry(
      { aggregate: AGG, at: '2027-01-01T00:00:00.000Z', actor: 'ops-1', action: 'CREATED', entityType: 'usage', entityKey: { pk: PK, sk: 'IMP#a' }, before: null, after: a, eventId: 'ev-0' },
      emptyHead(AGG),
    );
    const ledger = new UsageLedger();
    ledger.push(legacy);
    expect(await ledger.check([{ sk: 'IMP#a', image: a }])).toEqual([]);
    expect(usageBatchContent(legacy)).toBeUndefined();
  });
});
