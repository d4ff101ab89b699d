/** Terms as rows of (field path, value) for the terms table and the side-by-side diff. */
export function flattenTerms(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return prefix ? [[prefix, '—']] : [];
  if (Array.isArray(value)) {
    if (value.length === 0) return prefix ? [[prefix, 'none']] : [];
    return value.flatMap((item, i) => flattenTerms(item, prefix ? `${prefix}.${i}` : String(i)));
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return prefix ? [[prefix, '—']] : [];
    return entries.flatMap(([key, item]) => flattenTerms(item, prefix ? `${prefix}.${key}` : key));
  }
  return [[prefix, String(value)]];
}

export interface DiffRow {
  path: string;
  left: string | undefined;
  right: string | undefined;
  changed: boolean;
}

/** Every field of either side, in order, marked changed when the values differ. */
export function diffTerms(left: unknown, right: unknown): DiffRow[] {
  const a = new Map(flattenTerms(left));
  const b = new Map(flattenTerms(right));
  const paths = [...new Set([...a.keys(), ...b.keys()])];
  return paths.map((path) => ({ path, left: a.get(path), right: b.get(path), changed: a.get(path) !== b.get(path) }));
}
