/** Reading a split Lambda bundle (infra/constructs/lambda.ts): which of its files a cold start reads. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The entry and the chunks it imports statically, transitively: what a cold start reads. Lazily
 * imported chunks (`import("./chunks/...")`) are read only when a request needs them.
 */
export function initialFiles(entry: string): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    // Static imports of a relative file: `import{a as b}from"./chunks/x.mjs"` or `import"./x.mjs"`.
    for (const match of readFileSync(file, 'utf8').matchAll(/\bimport\s*(?:[\w$*{}\s,]*from\s*)?["'](\.\.?\/[^"']+)["']/g)) {
      const next = join(dirname(file), match[1]!);
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return [...seen];
}
