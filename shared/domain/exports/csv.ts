/**
 * RFC 4180 CSV: CRLF record separators, a header record, and a field quoted (with inner quotes
 * doubled) when it holds a comma, a double quote, CR or LF. Columns are declared once per file
 * so their order is stable across exports.
 *
 * Spreadsheet formula injection (OWASP "CSV Injection"): finance opens these files in Excel or
 * Google Sheets, which run a cell starting with `=`, `+`, `-`, `@`, a tab or a CR as a formula
 * (`=HYPERLINK(...)`, DDE). Such a cell is written with a leading `'`, which spreadsheets take as
 * "text" and do not show, and quoted. One exception keeps the money columns numbers: a cell that
 * is a plain decimal number (`-12.50`, `-3`, optional minus, digits, optional fraction) cannot be
 * a formula and is written as it is. Everything else starting with those characters (`-1+2`,
 * `-2.5e3`, `+12`, `@SUM(A1)`) is neutralized. The JSON Lines files carry values unchanged.
 */
export type CsvValue = string | number | null | undefined;

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => CsvValue;
}

/** A cell a spreadsheet would evaluate: starts with = + - @, a tab or a CR. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain decimal number: safe as it is, and must stay a number (negative amounts). */
const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

/** The cell text a spreadsheet shows as typed: formula-like text gets a leading `'`. */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_DECIMAL.test(text) ? `'${text}` : text;
}

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const raw = String(value);
  const text = neutralizeFormula(raw);
  return text !== raw || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[]): string {
  const records = [columns.map((c) => csvField(c.header)).join(',')];
  for (const row of rows) records.push(columns.map((c) => csvField(c.value(row))).join(','));
  return records.join('\r\n') + '\r\n';
}

/** Parses RFC 4180 text back into records (used to verify exports). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i += 1; continue; }
      field += ch; i += 1; continue;
    }
    if (ch === '"' && field === '') { quoted = true; i += 1; continue; }
    if (ch === ',') { record.push(field); field = ''; i += 1; continue; }
    if (ch === '\r' && text[i + 1] === '\n') { record.push(field); records.push(record); record = []; field = ''; i += 2; continue; }
    if (ch === '\n') { record.push(field); records.push(record); record = []; field = ''; i += 1; continue; }
    field += ch; i += 1;
  }
  if (field !== '' || record.length > 0) { record.push(field); records.push(record); }
  return records;
}

export function toJsonLines(rows: readonly unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');
}
