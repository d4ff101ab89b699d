/**
 * What a browser downloads before the console's first screen: the entry chunk of web/dist and
 * every chunk it imports statically, plus the lazily loaded page chunk (and its static imports)
 * of the route shown first. Read from Vite's build manifest (web/dist/.vite/manifest.json) and
 * measured gzipped, as CloudFront and the local server send them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The budget for each first screen's JavaScript, gzipped: 250 KB. */
export const INITIAL_JS_BUDGET_BYTES = 250_000;

/** The first screens: the sign-in page, and the contracts list every role lands on. */
export const FIRST_SCREENS = { 'sign-in': 'src/pages/SignIn.tsx', 'first page': 'src/pages/ContractsList.tsx' } as const;

interface ManifestChunk {
  file: string;
  name?: string;
  src?: string;
  isDynamicEntry?: boolean;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}
export type ViteManifest = Record<string, ManifestChunk>;

export function readManifest(distDir: string): ViteManifest {
  return JSON.parse(readFileSync(join(distDir, '.vite', 'manifest.json'), 'utf8')) as ViteManifest;
}

/** The JS files loaded with `key`: it and its static imports, transitively (not dynamic ones). */
export function staticClosure(manifest: ViteManifest, key: string, into = new Set<string>()): Set<string> {
  const chunk = manifest[key];
  if (!chunk) throw new Error(`the build manifest has no chunk ${key}`);
  if (into.has(chunk.file)) return into;
  if (chunk.file.endsWith('.js')) into.add(chunk.file);
  for (const imported of chunk.imports ?? []) staticClosure(manifest, imported, into);
  return into;
}

/**
 * The manifest key of a page's chunk: its source path, or, when Rollup merged the page into a
 * chunk it shares with other pages, the dynamic entry named after the file.
 */
export function pageChunkKey(manifest: ViteManifest, page: string): string {
  if (manifest[page]) return page;
  const name = page.replace(/^.*\//, '').replace(/\.[jt]sx?$/, '');
  const shared = Object.entries(manifest).find(([, chunk]) => chunk.isDynamicEntry && chunk.name === name);
  if (!shared) throw new Error(`the build manifest has no chunk for ${page}`);
  return shared[0];
}

export interface InitialSize {
  screen: string;
  files: string[];
  gzipBytes: number;
}

/** The gzipped JavaScript of each first screen: the entry's closure plus the page's. */
export function initialJavaScript(distDir: string, screens: Record<string, string> = FIRST_SCREENS): InitialSize[] {
  const manifest = readManifest(distDir);
  const entries = Object.entries(manifest).filter(([, chunk]) => chunk.isEntry);
  if (entries.length === 0) throw new Error('the build manifest has no entry chunk');
  const sizeOf = new Map<string, number>();
  const gzipped = (file: string) => {
    let size = sizeOf.get(file);
    if (size === undefined) {
      size = gzipSync(readFileSync(join(distDir, file)), { level: 9 }).length;
      sizeOf.set(file, size);
    }
    return size;
  };
  return Object.entries(screens).map(([screen, page]) => {
    const files = new Set<string>();
    for (const [key] of entries) staticClosure(manifest, key, files);
    staticClosure(manifest, pageChunkKey(manifest, page), files);
    const list = [...files].sort();
    return { screen, files: list, gzipBytes: list.reduce((sum, file) => sum + gzipped(file), 0) };
  });
}
