/**
 * Images too big for an entry's item go to the image store, the entry keeps key + sha256, and
 * the chain hash covers the reference: a changed image object is found by its sha256.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../shared/domain/audit/canonical-json';
import { chainHash, emptyHead, sealEntry, verifyChain } from '../../../shared/domain/audit/chain';
import type { AuditDraft, AuditImage } from '../../../shared/domain/audit/entry';
import { checkImages, externalizeLargeImages, resolveImage, type AuditImageReader, type AuditImageStore } from '../../../shared/domain/audit/images';

class MemoryImages implements AuditImageStore, AuditImageReader {
  readonly objects = new Map<string, string>();
  async putImage(sha256: string, text: string): Promise<string> {
    const key = `images/sha256/${sha256}.json`;
    this.objects.set(key, text);
    return key;
  }
  async readImage(key: string): Promise<string | undefined> {
    return this.objects.get(key);
  }
}

const image = (bytes: number, version: number): AuditImage => ({ version, terms: 'x'.repeat(bytes) });
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function draft(before: AuditImage | null, after: AuditImage | null): AuditDraft {
  return {
    aggregate: 'contract#c1',
    at: '2027-01-01T00:00:00.000Z',
    actor: 'ops-1',
    action: 'UPDATED',
    entityType: 'version',
    entityKey: { pk: 'CONTRACT#c1', sk: 'VERSION#0001' },
    before,
    after,
    eventId: 'e1',
  };
}

describe('external audit images', () => {
  it('leaves a draft whose images fit together untouched', async () => {
    const store = new MemoryImages();
    const small = draft(image(100, 1), image(100, 2));
    expect(await externalizeLargeImages(small, store, 1000)).toBe(small);
    expect(store.objects.size).toBe(0);
  });

  it('moves the larger image out first, and the other only when still needed', async () => {
    const store = new MemoryImages();
    const after = image(700, 2);
    const one = await externalizeLargeImages(draft(image(400, 1), after), store, 1000);
    expect(one.before).toEqual(image(400, 1));
    expect(one.after).toBeNull();
    expect(one.afterImage).toEqual({ key: `images/sha256/${sha(canonicalJson(after))}.json`, sha256: sha(canonicalJson(after)), bytes: canonicalJson(after).length });
    expect(one.beforeImage).toBeUndefined();

    const both = await externalizeLargeImages(draft(image(1100, 1), image(1200, 2)), store, 1000);
    expect(both.before).toBeNull();
    expect(both.after).toBeNull();
    expect(both.beforeImage?.sha256).toBe(sha(canonicalJson(image(1100, 1))));
    expect(await resolveImage(sealEntry(both, emptyHead('contract#c1')), 'before', store)).toEqual(image(1100, 1));
  });

  it('hashes the reference, so the entry changes its hash when the reference does', async () => {
    const store = new MemoryImages();
    const entry = sealEntry(await externalizeLargeImages(draft(null, image(2000, 1)), store, 1000), emptyHead('contract#c1'));
    expect(verifyChain([entry]).ok).toBe(true);
    const { hash: _hash, ...body } = entry;
    expect(entry.hash).toBe(chainHash(entry.prevHash, body));
    const swapped = { ...entry, afterImage: { ...entry.afterImage!, sha256: sha('other') } };
    expect(verifyChain([swapped]).breaks).toEqual([{ seq: 1, reason: 'hash_mismatch' }]);
  });

  it('finds a changed and a missing image object', async () => {
    const store = new MemoryImages();
    const entry = sealEntry(await externalizeLargeImages(draft(image(1100, 1), image(1200, 2)), store, 1000), emptyHead('contract#c1'));
    expect(await checkImages(entry, store)).toEqual([]);
    store.objects.set(entry.beforeImage!.key, canonicalJson(image(900, 3)));
    store.objects.delete(entry.afterImage!.key);
    expect(await checkImages(entry, store)).toEqual([
      { side: 'before', problem: 'mismatch' },
      { side: 'after', problem: 'missing' },
    ]);
    await expect(resolveImage(entry, 'before', store)).rejects.toThrow(/does not match/);
  });
});
