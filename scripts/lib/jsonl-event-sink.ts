/**
 * The local stand-in for the domain-events bus: each event becomes one line of a JSON Lines
 * file (`.local-data/events.jsonl` under `npm start`), shaped as EventBridge delivers it to a
 * target (`source`, `detail-type`, `time`, `detail`), and one summary line on the console.
 * The file is appended to, never rewritten, so an ERP stand-in can tail it.
 */
import { appendFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { EVENT_SOURCE, type DomainEvent } from '../../shared/domain/events/domain-events';
import type { EventPublisher } from '../../shared/domain/events/publish-change';

export interface LocalEventLine {
  source: string;
  'detail-type': string;
  time: string;
  detail: DomainEvent['detail'];
}

export function toEventLine(event: DomainEvent): LocalEventLine {
  return { source: EVENT_SOURCE, 'detail-type': event.detailType, time: event.detail.occurredAt, detail: event.detail };
}

/** `InvoiceFinalized inv_123 (ev 4f1c…)`: the type, the entity it is about, its id. */
export function summaryOf(event: DomainEvent): string {
  const d = event.detail as Record<string, unknown>;
  const subject = d.paymentId ?? d.invoiceId ?? d.creditId ?? d.runId ?? (d.contractId !== undefined ? `${String(d.contractId)} v${String(d.versionNumber)}` : '');
  const about = d.invoiceId && d.paymentId ? ` on ${String(d.invoiceId)}` : '';
  return `${event.detailType} ${String(subject)}${about} (eventId ${d.eventId})`;
}

export class JsonlEventSink implements EventPublisher {
  constructor(
    readonly file: string,
    private readonly log: (line: string) => void = (line) => console.log(line),
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    mkdirSync(dirname(this.file), { recursive: true });
    // One write for the record's events: they land together or not at all (as one PutEvents call).
    appendFileSync(this.file, events.map((e) => `${JSON.stringify(toEventLine(e))}\n`).join(''), 'utf8');
    for (const event of events) this.log(`[events] ${summaryOf(event)}`);
  }
}

/** Every line of an events file, parsed; none when the file does not exist yet. */
export function readEventLines(file: string): LocalEventLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as LocalEventLine);
}
