/**
 * Item images too big to sit inside an audit entry's item.
 *
 * An entry holds the changed item's before and after images, so a change of an item near
 * DynamoDB's 400 KB limit needs twice that. When the two images' canonical JSON would take
 * more than INLINE_IMAGES_MAX_BYTES, the largest go to the image store (the archive bucket,
 * write-once) as their canonical JSON text under a key derived from its sha256, and the entry
 * keeps `beforeImage` / `afterImage` = { key, sha256, bytes } with `before` / `after` null.
 * The chain hashes the entry, reference included, so changing an image object is seen by
 * comparing its sha256 with the one in the entry (checkImages, `npm run audit:verify`).
 */
import { canonicalJson, type JsonValue } from './canonical-json';
import { sha256Hex } from './chain';
import type { AuditDraft, AuditEntry, AuditImage, ImageRef } from './entry';

/** Room left in a 400 KB item for the rest of the entry and the attribute names. */
export const INLINE_IMAGES_MAX_BYTES = 300 * 1024;

export interface AuditImageStore {
  /**
   * Stores `text` (canonical JSON whose sha256 is `sha256`) and returns its key; the same text
   * always gets the same key, and storing it again is harmless.
   */
  putImage(sha256: string, text: string): Promise<string>;
}

export interface AuditImageReader {
  /** The stored text, or undefined when there is no object under `key`. */
  readImage(key: string): Promise<string | undefined>;
}

export type ImageSide = 'before' | 'after';
const REF_FIELD = { before: 'beforeImage', after: 'afterImage' } as const satisfies Record<ImageSide, keyof AuditDraft>;

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The draft with its largest images moved to the store until the rest fits in an item. */
export async function externalizeLargeImages(draft: AuditDraft, store: AuditImageStore, limitBytes = INLINE_IMAGES_MAX_BYTES): Promise<AuditDraft> {
  const texts = {
    before: draft.before === null ? undefined : canonicalJson(draft.before as JsonValue),
    after: draft.after === null ? undefined : canonicalJson(draft.after as JsonValue),
  };
  const sizes = { before: texts.before ? utf8Bytes(texts.before) : 0, after: texts.after ? utf8Bytes(texts.after) : 0 };
  if (sizes.before + sizes.after <= limitBytes) return draft;
  const out: AuditDraft = { ...draft };
  let inline = sizes.before + sizes.after;
  const largestFirst: ImageSide[] = sizes.after >= sizes.before ? ['after', 'before'] : ['before', 'after'];
  for (const side of largestFirst) {
    const text = texts[side];
    if (inline <= limitBytes || text === undefined) break;
    const sha256 = sha256Hex(text);
    const key = await store.putImage(sha256, text);
    out[side] = null;
    out[REF_FIELD[side]] = { key, sha256, bytes: sizes[side] };
    inline -= sizes[side];
  }
  return out;
}

export function imageRefs(entry: AuditDraft): Array<{ side: ImageSide; ref: ImageRef }> {
  const refs: Array<{ side: ImageSide; ref: ImageRef }> = [];
  for (const side of ['before', 'after'] as const) {
    const ref = entry[REF_FIELD[side]];
    if (ref) refs.push({ side, ref });
  }
  return refs;
}

export const ImageProblem = { MISSING: 'missing', MISMATCH: 'mismatch' } as const;
export type ImageProblem = (typeof ImageProblem)[keyof typeof ImageProblem];

/** Each referenced image of the entry whose object is missing or whose sha256 is not the entry's. */
export async function checkImages(entry: AuditEntry, reader: AuditImageReader): Promise<Array<{ side: ImageSide; problem: ImageProblem }>> {
  const problems: Array<{ side: ImageSide; problem: ImageProblem }> = [];
  for (const { side, ref } of imageRefs(entry)) {
    const text = await reader.readImage(ref.key);
    if (text === undefined) problems.push({ side, problem: ImageProblem.MISSING });
    else if (sha256Hex(text) !== ref.sha256 || utf8Bytes(text) !== ref.bytes) problems.push({ side, problem: ImageProblem.MISMATCH });
  }
  return problems;
}

/** An entry's image, read back from the store when it is external (after checking its sha256). */
export async function resolveImage(entry: AuditEntry, side: ImageSide, reader: AuditImageReader): Promise<AuditImage | null> {
  const ref = entry[REF_FIELD[side]];
  if (!ref) return entry[side];
  const text = await reader.readImage(ref.key);
  if (text === undefined || sha256Hex(text) !== ref.sha256) throw new Error(`audit image ${ref.key} is missing or does not match its sha256`);
  return JSON.parse(text) as AuditImage;
}
