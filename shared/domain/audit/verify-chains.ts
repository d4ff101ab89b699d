/**
 * Walks every chain through the reader (paged, never a full scan), recomputes every hash and
 * compares each chain's end with its head.
 */
import { BreakReason, ChainVerifier, type ChainBreak, type ChainHead } from './chain';
import type { AuditEntry } from './entry';
import { checkImages, ImageProblem, type AuditImageReader } from './images';
import type { AuditChainReader, UsageItemsReader } from './ports';
import { UsageLedger } from './usage-batch';

export interface BrokenChain {
  aggregate: string;
  breaks: ChainBreak[];
}

export interface ChainsVerification {
  chainsVerified: number;
  broken: BrokenChain[];
}

export interface VerifyAllChainsOptions {
  /** Entries and heads read per request. */
  pageSize?: number;
  /** Called as each broken chain is found, e.g. to print it while the walk goes on. */
  onBroken?: (chain: BrokenChain) => void;
  /** Where external images are read to check their sha256; without it they are not checked. */
  images?: AuditImageReader;
  /**
   * Where the items of usage partitions are read: each usage chain is then also checked against
   * its partition (UsageLedger): every item named by the last entry naming it, with that content.
   */
  usage?: UsageItemsReader;
}

const DEFAULT_PAGE_SIZE = 100;
/** A chain that keeps growing while it is read is followed this many extra times, then judged. */
const MAX_CATCH_UP_ROUNDS = 3;

/**
 * Verifies one chain against its head. The head is read again (consistently) after the
 * entries: if the chain grew meanwhile, the new entries are read too, so a live system does
 * not show a false gap; what the entries and the head finally disagree on is a break.
 */
export async function verifyOneChain(
  reader: AuditChainReader,
  listed: ChainHead,
  pageSize = DEFAULT_PAGE_SIZE,
  images?: AuditImageReader,
  usage?: UsageItemsReader,
): Promise<ChainBreak[]> {
  const verifier = new ChainVerifier();
  const items = usage?.itemsOf(listed.aggregate);
  const ledger = items ? new UsageLedger() : undefined;
  const imageBreaks: ChainBreak[] = [];
  const checkEntryImages = async (entry: AuditEntry) => {
    if (!images) return;
    for (const { problem } of await checkImages(entry, images)) {
      imageBreaks.push({ seq: entry.seq, reason: problem === ImageProblem.MISSING ? BreakReason.IMAGE_MISSING : BreakReason.IMAGE_MISMATCH });
    }
  };
  let head = listed;
  for (let round = 0; round <= MAX_CATCH_UP_ROUNDS; round += 1) {
    let cursor: string | undefined;
    const afterSeq = verifier.lastSeq;
    do {
      const page = await reader.listEntries(listed.aggregate, cursor ? { limit: pageSize, cursor } : { limit: pageSize, afterSeq });
      for (const entry of page.items) {
        verifier.push(entry);
        ledger?.push(entry);
        await checkEntryImages(entry);
      }
      cursor = page.cursor;
    } while (cursor);
    head = (await reader.readHead(listed.aggregate)) ?? listed;
    if (verifier.breaks.length > 0 || head.lastSeq <= verifier.lastSeq) break;
  }
  const usageBreaks: ChainBreak[] = [];
  if (items && ledger) {
    for (const problem of await ledger.check(items)) usageBreaks.push({ seq: problem.seq, reason: problem.reason, key: problem.sk });
  }
  return [...verifier.finish(head).breaks, ...imageBreaks, ...usageBreaks];
}


export async function verifyAllChains(reader: AuditChainReader, options: VerifyAllChainsOptions = {}): Promise<ChainsVerification> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const broken: BrokenChain[] = [];
  let chainsVerified = 0;
  let cursor: string | undefined;
  do {
    const page = await reader.listAggregates({ limit: pageSize, cursor });
    for (const head of page.items) {
      const breaks = await verifyOneChain(reader, head, pageSize, options.images, options.usage);
      chainsVerified += 1;
      if (breaks.length > 0) {
        const chain = { aggregate: head.aggregate, breaks };
        broken.push(chain);
        options.onBroken?.(chain);
      }
    }
    cursor = page.cursor;
  } while (cursor);
  return { chainsVerified, broken };
}
