/**
 * Any mutation, deletion, insertion or reordering of a valid chain is detected (given the
 * chain's head, without which a truncated tail is invisible by construction).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../shared/domain/audit/canonical-json';
import { chainHash, emptyHead, headAfter, sealEntry, verifyChain, type ChainHead } from '../../shared/domain/audit/chain';
import type { AuditDraft, AuditEntry, AuditImage } from '../../shared/domain/audit/entry';

const AGGREGATE = 'contract#c1';

const image: fc.Arbitrary<AuditImage> = fc.dictionary(
  fc.string({ maxLength: 6 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>,
  { maxKeys: 4 },
);

const draftArb: fc.Arbitrary<AuditDraft> = fc.record({
  aggregate: fc.constant(AGGREGATE),
  at: fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }).map((ms) => new Date(ms).toISOString()),
  actor: fc.string({ minLength: 1, maxLength: 8 }),
  action: fc.constantFrom('CREATED', 'UPDATED', 'DELETED', 'contract.activated' as const),
  entityType: fc.constantFrom('contract', 'version', 'approval'),
  entityKey: fc.record({ pk: fc.constant('CONTRACT#c1'), sk: fc.string({ maxLength: 8 }) }),
  before: fc.option(image, { nil: null }),
  after: fc.option(image, { nil: null }),
  eventId: fc.uuid(),
});

function build(drafts: AuditDraft[]): { entries: AuditEntry[]; head: ChainHead } {
  let head = emptyHead(AGGREGATE);
  const entries = drafts.map((d) => {
    const entry = sealEntry(d, head);
    head = headAfter(entry);
    return entry;
  });
  return { entries, head };
}

const chainArb = fc.array(draftArb, { minLength: 1, maxLength: 8 }).map(build);

/** A change to one field of one entry that really changes its value. */
const FIELDS = ['aggregate', 'seq', 'at', 'actor', 'action', 'entityType', 'entityKey', 'before', 'after', 'eventId', 'prevHash', 'hash'] as const;

function mutate(entry: AuditEntry, field: (typeof FIELDS)[number], salt: string): AuditEntry {
  switch (field) {
    case 'seq':
      return { ...entry, seq: entry.seq + 1 + salt.length };
    case 'entityKey':
      return { ...entry, entityKey: { ...entry.entityKey, sk: `${entry.entityKey.sk}~${salt}` } };
    case 'before':
    case 'after':
      return { ...entry, [field]: { ...(entry[field] ?? {}), ['~tampered']: salt } };
    case 'prevHash':
    case 'hash':
      return { ...entry, [field]: entry[field].replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) };
    default:
      return { ...entry, [field]: `${entry[field]}~${salt}` };
  }
}

describe('audit chain properties', () => {
  it('a chain built entry by entry verifies', () => {
    fc.assert(fc.property(chainArb, ({ entries, head }) => verifyChain(entries, { head }).ok));
  });

  it('any change to any field of any entry is detected', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), fc.constantFrom(...FIELDS), fc.string({ maxLength: 4 }), ({ entries, head }, i, field, salt) => {
        const at = i % entries.length;
        const tampered = entries.map((e, k) => (k === at ? mutate(e, field, salt) : e));
        expect(verifyChain(tampered, { head }).ok).toBe(false);
      }),
    );
  });

  it('a mutated entry rehashed to look valid is still detected by its successor or the head', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), fc.string({ minLength: 1, maxLength: 4 }), ({ entries, head }, i, salt) => {
        const at = i % entries.length;
        const { hash: _hash, ...body } = { ...entries[at]!, actor: `${entries[at]!.actor}~${salt}` };
        const forged = { ...body, hash: chainHash(body.prevHash, body) };
        const tampered = entries.map((e, k) => (k === at ? forged : e));
        expect(verifyChain(tampered, { head }).ok).toBe(false);
      }),
    );
  });

  it('deleting any entry is detected', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), ({ entries, head }, i) => {
        const at = i % entries.length;
        expect(verifyChain(entries.filter((_, k) => k !== at), { head }).ok).toBe(false);
      }),
    );
  });

  it('inserting any entry anywhere is detected: a copy, or a forgery hashed onto its predecessor', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), fc.nat(), draftArb, fc.boolean(), ({ entries, head }, i, j, extra, copy) => {
        const position = i % (entries.length + 1);
        const predecessor = position === 0 ? emptyHead(AGGREGATE) : headAfter(entries[position - 1]!);
        const inserted = copy ? entries[j % entries.length]! : sealEntry(extra, predecessor);
        const tampered = [...entries.slice(0, position), inserted, ...entries.slice(position)];
        expect(verifyChain(tampered, { head }).ok).toBe(false);
      }),
    );
  });

  it('any reordering is detected', () => {
    fc.assert(
      fc.property(
        fc.array(draftArb, { minLength: 2, maxLength: 8 }).map(build),
        fc.nat(),
        fc.nat(),
        ({ entries, head }, i, j) => {
          const a = i % entries.length;
          const b = j % entries.length;
          fc.pre(a !== b);
          const reordered = [...entries];
          [reordered[a], reordered[b]] = [reordered[b]!, reordered[a]!];
          expect(verifyChain(reordered, { head }).ok).toBe(false);
        },
      ),
    );
  });

  it('any shuffle other than the identity is detected', () => {
    fc.assert(
      fc.property(
        fc.array(draftArb, { minLength: 2, maxLength: 6 }).map(build).chain(({ entries, head }) =>
          fc.tuple(fc.constant({ entries, head }), fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length })),
        ),
        ([{ entries, head }, shuffled]) => {
          fc.pre(shuffled.some((e, k) => e !== entries[k]));
          expect(verifyChain(shuffled, { head }).ok).toBe(false);
        },
      ),
    );
  });
});
