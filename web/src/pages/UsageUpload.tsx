/**
 * Ops upload a usage file for a contract: CSV of impressions (`date,chargeId,count,source`) or a
 * JSON file (`{ impressions: [...], conversions: [...] }` as in the conformance format). Records
 * go to the API in batches of 1,000; the row report says what was accepted, what was a
 * duplicate, and every refused row with the API's field path.
 */
import { Progress } from 'radix-ui';
import { useState, type ChangeEvent } from 'react';
import { useIngestConversionsMutation, useIngestImpressionsMutation } from '../app/api';
import type { Contract } from '../app/types';
import { toShownError } from '../lib/errors';

const BATCH = 1000;

interface RowProblem {
  kind: 'impression' | 'conversion';
  row: number;
  path: string;
  message: string;
}

interface Report {
  done: number;
  total: number;
  accepted: number;
  duplicates: number;
  problems: RowProblem[];
  failure: string | null;
}

export function parseUsageFile(name: string, text: string): { impressions: unknown[]; conversions: unknown[] } {
  if (name.toLowerCase().endsWith('.json')) {
    const body = JSON.parse(text) as { impressions?: unknown[]; conversions?: unknown[] } | unknown[];
    if (Array.isArray(body)) return { impressions: body, conversions: [] };
    return { impressions: body.impressions ?? [], conversions: body.conversions ?? [] };
  }
  const [header, ...lines] = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const columns = (header ?? '').split(',').map((c) => c.trim());
  const impressions = lines.map((line) => {
    const cells = line.split(',').map((c) => c.trim());
    const record: Record<string, unknown> = {};
    columns.forEach((column, i) => {
      const cell = cells[i] ?? '';
      if (cell === '') return;
      record[column] = column === 'count' && /^\d+$/.test(cell) ? Number(cell) : cell;
    });
    return record;
  });
  return { impressions, conversions: [] };
}

export default function UsageUpload({ contract }: { contract: Contract }) {
  const [ingestImpressions] = useIngestImpressionsMutation();
  const [ingestConversions] = useIngestConversionsMutation();
  const [report, setReport] = useState<Report | null>(null);

  const upload = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    // Cleared so that choosing the same file again (after fixing it) uploads again.
    event.target.value = '';
    if (!file) return;
    let parsed: { impressions: unknown[]; conversions: unknown[] };
    try {
      parsed = parseUsageFile(file.name, await file.text());
    } catch (error) {
      setReport({ done: 0, total: 0, accepted: 0, duplicates: 0, problems: [], failure: `the file cannot be read: ${(error as Error).message}` });
      return;
    }
    const batches: { kind: 'impression' | 'conversion'; offset: number; records: unknown[] }[] = [];
    for (let i = 0; i < parsed.impressions.length; i += BATCH) batches.push({ kind: 'impression', offset: i, records: parsed.impressions.slice(i, i + BATCH) });
    for (let i = 0; i < parsed.conversions.length; i += BATCH) batches.push({ kind: 'conversion', offset: i, records: parsed.conversions.slice(i, i + BATCH) });
    let current: Report = { done: 0, total: parsed.impressions.length + parsed.conversions.length, accepted: 0, duplicates: 0, problems: [], failure: null };
    setReport(current);
    for (const batch of batches) {
      const send = batch.kind === 'impression' ? ingestImpressions : ingestConversions;
      try {
        const result = await send({ contractId: contract.id, records: batch.records }).unwrap();
        current = { ...current, accepted: current.accepted + result.accepted, duplicates: current.duplicates + result.duplicates };
      } catch (error) {
        const shown = toShownError(error);
        const problems = shown.details.map((d) => {
          const match = /^records\.(\d+)(?:\.(.*))?$/.exec(d.path);
          return match
            ? { kind: batch.kind, row: batch.offset + Number(match[1]) + 1, path: match[2] ?? '(record)', message: d.message }
            : { kind: batch.kind, row: 0, path: d.path, message: d.message };
        });
        current = { ...current, problems: [...current.problems, ...problems], failure: problems.length === 0 ? shown.message : current.failure };
      }
      current = { ...current, done: current.done + batch.records.length };
      setReport(current);
    }
  };

  return (
    <section aria-labelledby="usage-title" className="form">
      <h2 id="usage-title">Upload usage</h2>
      <p className="muted">
        CSV with the header <code>date,chargeId,count,source</code>, or JSON <code>{'{ "impressions": [...], "conversions": [...] }'}</code>.
      </p>
      <div className="field">
        <label htmlFor="usage-file">Usage file</label>
        <input id="usage-file" type="file" accept=".csv,.json,text/csv,application/json" onChange={(e) => void upload(e)} />
      </div>
      {report ? (
        <div className="report" role="status" aria-live="polite">
          <Progress.Root className="progress" value={report.done} max={Math.max(report.total, 1)} aria-label="Upload progress">
            <Progress.Indicator className="progress-bar" style={{ width: `${report.total === 0 ? 100 : (report.done * 100) / report.total}%` }} />
          </Progress.Root>
          <p>
            {report.done} of {report.total} rows sent · {report.accepted} accepted · {report.duplicates} duplicates · {report.problems.length} refused
          </p>
          {report.failure ? <p className="field-error">{report.failure}</p> : null}
          {report.problems.length > 0 ? (
            <table className="data-table">
              <caption>Refused rows (a batch with a refused row stores nothing)</caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Field</th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {report.problems.map((p, i) => (
                  <tr key={i}>
                    <td className="number">{p.row || '—'}</td>
                    <td>{p.kind}</td>
                    <td>
                      <code>{p.path}</code>
                    </td>
                    <td>{p.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
