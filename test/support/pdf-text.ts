/**
 * The text a PDF shows, read back from its content streams: each FlateDecode stream is inflated
 * and every string shown by `Tj` (hex `<...>` or literal `(...)`) is decoded as WinAnsi/Latin-1.
 * Enough for the documents pdf-lib writes with standard fonts; tests compare figures with it.
 */
import { inflateSync } from 'node:zlib';

function decodeLiteral(body: string): string {
  return body.replace(/\\([nrtbf()\\]|[0-7]{1,3})/g, (_, e: string) => {
    const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '(': '(', ')': ')', '\\': '\\' };
    return map[e] ?? String.fromCharCode(parseInt(e, 8));
  });
}

/** Every shown string, in content order. */
export function pdfStrings(bytes: Uint8Array): string[] {
  const raw = Buffer.from(bytes);
  const text = raw.toString('latin1');
  const out: string[] = [];
  const streamRe = /<<([^]*?)>>\s*stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = streamRe.exec(text))) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    let content = raw.subarray(start, end);
    if (/FlateDecode/.test(m[1]!)) {
      try {
        content = inflateSync(content);
      } catch {
        continue; // not a content stream we can read (fonts are not compressed this way)
      }
    }
    const ops = content.toString('latin1');
    for (const t of ops.matchAll(/<([0-9A-Fa-f]*)>\s*Tj|\(((?:\\.|[^\\)])*)\)\s*Tj/g)) {
      out.push(t[1] !== undefined ? Buffer.from(t[1], 'hex').toString('latin1') : decodeLiteral(t[2]!));
    }
  }
  return out;
}
