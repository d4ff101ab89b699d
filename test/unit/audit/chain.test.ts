import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../shared/domain/audit/canonical-json';
import { GENESIS_HASH, chainHash, emptyHead, headAfter, sealEntry, verifyChain, type ChainHead } from '../../../shared/domain/audit/chain';
import type { AuditDraft, AuditEntry } from '../../../shared/domain/audit/entry';

function draft(n: number, aggregate = 'contract#c1'): AuditDraft {
  return {
    aggregate,
    at: `2027-01-01T00:00:${String(n).padStart(2, '0')}.000Z`,
    actor: 'user-1',
    action: n === 1 ? 'CREATED' : 'UPDATED',
    entityType: 'contract',
    entityKey: { pk: 'CONTRACT#c1', sk: 'CONTRACT' },
    before: n === 1 ? null : { status: 'DRAFT', version: n - 1 },
    after: { status: 'DRAFT', version: n },
    eventId: `event-${n}`,
  };
}

function chainOf(length: number): { entries: AuditEntry[]; head: ChainHead } {
  let head = emptyHead('contract#c1');
  const entries: AuditEntry[] = [];
  for (let n = 1; n <= length; n += 1) {
    const entry = sealEntry(draft(n), head);
    entries.push(entry);
    head = headAfter(entry);
  }
  return { entries, head };
}

describe('chainHash', () => {
  it('is sha256 hex of prevHash followed by the canonical JSON of the entry without its hash', () => {
    const [entry] = chainOf(1).entries;
    const { hash, ...body } = entry!;
    const expected = createHash('sha256').update(GENESIS_HASH + canonicalJson(body)).digest('hex');
    expect(hash).toBe(expected);
    expect(chainHash(GENESIS_HASH, body)).toBe(expected);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('starts every chain from 64 zeros and links each entry to the previous hash', () => {
    const { entries } = chainOf(3);
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(entries[2]!.prevHash).toBe(entries[1]!.hash);
  });

  it('refuses to put an entry in another aggregate chain', () => {
    expect(() => sealEntry(draft(1, 'invoice#i1'), emptyHead('contract#c1'))).toThrow(/cannot extend/);
  });
});

describe('verifyChain', () => {
  it('accepts a valid chain, with and without its head', () => {
    const { entries, head } = chainOf(4);
    expect(verifyChain(entries)).toEqual({ ok: true, breaks: [] });
    expect(verifyChain(entries, { head })).toEqual({ ok: true, breaks: [] });
    expect(verifyChain([], { head: emptyHead('contract#c1') })).toEqual({ ok: true, breaks: [] });
  });

  it('reports an edited entry as a hash mismatch at its seq, once', () => {
    const { entries, head } = chainOf(4);
    entries[1] = { ...entries[1]!, after: { status: 'ACTIVE', version: 2 } };
    expect(verifyChain(entries, { head })).toEqual({ ok: false, breaks: [{ seq: 2, reason: 'hash_mismatch' }] });
  });

  it('reports an entry rehashed after editing as a broken link from the next one', () => {
    const { entries, head } = chainOf(4);
    const { hash: _old, ...body } = { ...entries[1]!, actor: 'someone-else' };
    entries[1] = { ...body, hash: chainHash(body.prevHash, body) };
    expect(verifyChain(entries, { head }).breaks).toEqual([{ seq: 3, reason: 'prev_mismatch' }]);
  });

  it('reports a deleted entry as a gap', () => {
    const { entries, head } = chainOf(4);
    entries.splice(1, 1);
    expect(verifyChain(entries, { head }).breaks).toEqual([{ seq: 2, reason: 'gap' }]);
  });

  it('reports a deleted first entry as a gap at seq 1', () => {
    const { entries, head } = chainOf(3);
    expect(verifyChain(entries.slice(1), { head }).breaks).toEqual([{ seq: 1, reason: 'gap' }]);
  });

  it('reports a truncated tail only against the head', () => {
    const { entries, head } = chainOf(4);
    expect(verifyChain(entries.slice(0, 3)).ok).toBe(true);
    expect(verifyChain(entries.slice(0, 3), { head }).breaks).toEqual([{ seq: 4, reason: 'gap' }]);
  });

  it('reports swapped entries as a gap and an out-of-order entry', () => {
    const { entries, head } = chainOf(4);
    const swapped = [entries[0]!, entries[2]!, entries[1]!, entries[3]!];
    expect(verifyChain(swapped, { head }).breaks).toEqual([
      { seq: 2, reason: 'gap' },
      { seq: 2, reason: 'out_of_order' },
    ]);
  });

  it('reports a duplicated entry as out of order', () => {
    const { entries, head } = chainOf(3);
    expect(verifyChain([entries[0]!, entries[1]!, entries[1]!, entries[2]!], { head }).breaks).toEqual([{ seq: 2, reason: 'out_of_order' }]);
  });

  it('reports entries beyond the head, and a head whose hash differs, as head mismatches', () => {
    const { entries, head } = chainOf(3);
    expect(verifyChain(entries, { head: { ...head, lastSeq: 2, lastHash: entries[1]!.hash } }).breaks).toEqual([{ seq: 3, reason: 'head_mismatch' }]);
    expect(verifyChain(entries, { head: { ...head, lastHash: 'f'.repeat(64) } }).breaks).toEqual([{ seq: 3, reason: 'head_mismatch' }]);
  });
});
