/**
 * The daily digest: every chain's head (aggregate, lastSeq, lastHash) and one hash over the
 * list. Archived under Object Lock, it fixes each chain's length and end as of that day, so a
 * later rewrite of a chain together with its head, or a removed head, no longer goes unseen.
 */
import { isDay } from '../kernel/calendar';
import { ValidationError } from '../kernel/errors';
import { canonicalJson } from './canonical-json';
import { BreakReason, sha256Hex, type ChainHead } from './chain';
import type { AuditArchive, AuditChainReader, ChainDigest } from './ports';
import type { BrokenChain } from './verify-chains';

export function buildChainDigest(date: string, heads: readonly ChainHead[]): ChainDigest {
  if (!isDay(date)) throw new ValidationError(`digest date must be a day YYYY-MM-DD, got ${date}`, [{ path: 'date', message: 'not a day' }]);
  const chains = [...heads]
    .map(({ aggregate, lastSeq, lastHash }) => ({ aggregate, lastSeq, lastHash }))
    .sort((a, b) => (a.aggregate < b.aggregate ? -1 : a.aggregate > b.aggregate ? 1 : 0));
  return { date, chainCount: chains.length, chains, chainsHash: sha256Hex(canonicalJson(chains)) };
}

export async function archiveChainDigest(
  date: string,
  deps: { reader: AuditChainReader; archive: AuditArchive; pageSize?: number },
): Promise<ChainDigest> {
  const heads: ChainHead[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.reader.listAggregates({ limit: deps.pageSize ?? 500, cursor });
    heads.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  const digest = buildChainDigest(date, heads);
  await deps.archive.putDigest(digest);
  return digest;
}

/** True when the digest's own hash matches its list of heads. */
export function digestIntact(digest: ChainDigest): boolean {
  return digest.chainCount === digest.chains.length && sha256Hex(canonicalJson(digest.chains)) === digest.chainsHash;
}

/**
 * Checks today's chains against an archived digest: every chain it lists must still exist and
 * still hold, at the digest's lastSeq, the entry with the digest's lastHash (chains only grow).
 * This catches what a walk of the current chains cannot: a chain rewritten with its head, or
 * removed with its head. Run verifyAllChains as well; together they cover the chain up to today.
 */
export async function verifyAgainstDigest(reader: AuditChainReader, digest: ChainDigest): Promise<BrokenChain[]> {
  const broken: BrokenChain[] = [];
  for (const pinned of digest.chains) {
    if (pinned.lastSeq === 0) continue;
    const entry = await reader.getEntry(pinned.aggregate, pinned.lastSeq);
    if (!entry || entry.hash !== pinned.lastHash) {
      broken.push({ aggregate: pinned.aggregate, breaks: [{ seq: pinned.lastSeq, reason: BreakReason.DIGEST_MISMATCH }] });
    }
  }
  return broken;
}
