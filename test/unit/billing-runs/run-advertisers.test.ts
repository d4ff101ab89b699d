import { describe, expect, it } from 'vitest';
import { advertiserForRun, RUN_ADVERTISERS } from '../../../functions/billing-run/run-advertisers';
import type { Advertiser, AdvertiserLookup } from '../../../shared/domain/contracts/store';

/** A directory that counts its reads and can be told to fail the next one. */
function directory() {
  const reads: string[] = [];
  let failNext = false;
  const lookup: AdvertiserLookup = {
    getAdvertiser: async (id) => {
      reads.push(id);
      if (failNext) {
        failNext = false;
        throw new Error('throttled');
      }
      return { id, name: `Advertiser ${id}`, billingProfile: null } as unknown as Advertiser;
    },
  };
  return { lookup, reads, failNext: () => (failNext = true) };
}

describe('advertisers as a billing run reads them', () => {
  it('reads each advertiser once per run: contracts of one advertiser share the read, another run reads again', async () => {
    const { lookup, reads } = directory();
    const at = 1_000_000;
    const first = await advertiserForRun(lookup, 'run-a', 'adv-1', at);
    const again = await advertiserForRun(lookup, 'run-a', 'adv-1', at + 10);
    await advertiserForRun(lookup, 'run-a', 'adv-2', at + 20);
    await advertiserForRun(lookup, 'run-b', 'adv-1', at + 30);
    expect(again).toBe(first);
    expect(reads).toEqual(['adv-1', 'adv-2', 'adv-1']);
  });

  it('reads again once the entry is older than its maximum age (a retry after a profile is fixed sees the fix)', async () => {
    const { lookup, reads } = directory();
    const at = 2_000_000;
    await advertiserForRun(lookup, 'run-c', 'adv-1', at);
    await advertiserForRun(lookup, 'run-c', 'adv-1', at + RUN_ADVERTISERS.maxAgeMs);
    await advertiserForRun(lookup, 'run-c', 'adv-1', at + RUN_ADVERTISERS.maxAgeMs + 1);
    expect(reads).toEqual(['adv-1', 'adv-1']);
  });

  it('does not keep a failed read: the next contract of the advertiser reads again', async () => {
    const { lookup, reads, failNext } = directory();
    failNext();
    await expect(advertiserForRun(lookup, 'run-d', 'adv-1', 3_000_000)).rejects.toThrow('throttled');
    await expect(advertiserForRun(lookup, 'run-d', 'adv-1', 3_000_001)).resolves.toMatchObject({ id: 'adv-1' });
    expect(reads).toEqual(['adv-1', 'adv-1']);
  });

  it('keeps at most its limit of entries, dropping the oldest first', async () => {
    const { lookup, reads } = directory();
    const at = 4_000_000;
    for (let i = 0; i <= RUN_ADVERTISERS.limit; i++) await advertiserForRun(lookup, 'run-e', `adv-${i}`, at);
    // adv-0 was the oldest: dropped when the limit was passed, so it is read again; the newest is still known.
    await advertiserForRun(lookup, 'run-e', 'adv-0', at);
    await advertiserForRun(lookup, 'run-e', `adv-${RUN_ADVERTISERS.limit}`, at);
    expect(reads).toHaveLength(RUN_ADVERTISERS.limit + 2);
    expect(reads.at(-1)).toBe('adv-0');
  });
});
