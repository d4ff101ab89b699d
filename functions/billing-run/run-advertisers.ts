import type { Advertiser, AdvertiserLookup } from '../../shared/domain/contracts/store';

/**
 * Advertisers as this run read them, per warm function instance: the contracts of one
 * advertiser in a run share one read of its billing profile instead of one each. An entry
 * serves one run for at most a minute (a retry after a profile is fixed reads it again); a
 * failed read is not kept; the oldest entries go first beyond the limit.
 */
export const RUN_ADVERTISERS = { limit: 1_000, maxAgeMs: 60_000 };
const runAdvertisers = new Map<string, { readAtMs: number; advertiser: Promise<Advertiser | null> }>();

export function advertiserForRun(lookup: AdvertiserLookup, runId: string, advertiserId: string, nowMs: number): Promise<Advertiser | null> {
  const key = `${runId}\u0000${advertiserId}`;
  const known = runAdvertisers.get(key);
  if (known && nowMs - known.readAtMs <= RUN_ADVERTISERS.maxAgeMs) return known.advertiser;
  const advertiser = lookup.getAdvertiser(advertiserId);
  runAdvertisers.delete(key);
  runAdvertisers.set(key, { readAtMs: nowMs, advertiser });
  advertiser.catch(() => {
    if (runAdvertisers.get(key)?.advertiser === advertiser) runAdvertisers.delete(key);
  });
  if (runAdvertisers.size > RUN_ADVERTISERS.limit) runAdvertisers.delete(runAdvertisers.keys().next().value!);
  return advertiser;
}
