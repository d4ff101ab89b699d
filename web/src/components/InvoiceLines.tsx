/**
 * An invoice's lines as a windowed table: only the rows in and near the viewport are in the DOM
 * (an invoice of thousands of lines draws its first screen as fast as one of twenty), each line
 * expands into its explanation, rendered only while it is open. The table keeps its semantics
 * for assistive technology: aria-rowcount is the whole table (header, every line, the open
 * explanations, the total) and each rendered row carries its aria-rowindex; the spacers standing
 * in for the rows out of view are hidden from it.
 */
import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { useWindowVirtualizer, windowScroll, type Virtualizer } from '@tanstack/react-virtual';
import type { ContractVersion, Invoice } from '../app/types';
import { ExplanationView } from './Explanation';
import { Money, Quantity } from './Money';

type Line = Invoice['lines'][number];

/** Height of a collapsed line (one line of text, see .lines in styles.css) and rows drawn beyond the viewport. */
const ROW_PX = 38;
const OVERSCAN = 6;
const NO_VERSIONS: readonly ContractVersion[] = [];

const describe = (line: Line) => `${line.type.replace(/_/g, ' ').toLowerCase()}${line.adjusts ? ` of ${line.adjusts.replace(/_/g, ' ').toLowerCase()}` : ''}`;

interface LineRowsProps {
  line: Line;
  index: number;
  rowIndex: number;
  currency: string;
  open: boolean;
  versions: readonly ContractVersion[];
  onToggle: (lineNo: number) => void;
  measure: (node: HTMLTableSectionElement | null) => void;
}

/** One line and, while open, its explanation: a row group the windowing measures as one item. */
const LineRows = memo(function LineRows({ line, index, rowIndex, currency, open, versions, onToggle, measure }: LineRowsProps) {
  return (
    <tbody ref={measure} data-index={index}>
      <tr aria-rowindex={rowIndex} className="line-row">
        <td className="number">{line.lineNo}</td>
        <td>{describe(line)}</td>
        <td>{line.chargeId ?? '—'}</td>
        <td className="number">{line.version ?? '—'}</td>
        <td className="right">
          <Quantity value={line.quantity} />
        </td>
        <td className="right">
          <Money amount={line.amount} currency={currency} />
        </td>
        <td>
          <button type="button" className="button button-quiet" aria-expanded={open} aria-controls={`explain-${line.lineNo}`} onClick={() => onToggle(line.lineNo)}>
            {open ? 'Hide' : 'Explain'} <span className="visually-hidden">line {line.lineNo}</span>
          </button>
        </td>
      </tr>
      {open ? (
        <tr id={`explain-${line.lineNo}`} aria-rowindex={rowIndex + 1} className="explanation-row">
          <td colSpan={7}>
            <ExplanationView explanation={line.explanation} currency={currency} versions={versions} />
          </td>
        </tr>
      ) : null}
    </tbody>
  );
});

/**
 * A line's height as its ResizeObserver reports it, after the browser's own layout; when a row
 * mounts, the size known so far (or the estimate) instead of a forced layout in React's commit.
 */
const sizeFromObserver = (element: Element, entry: ResizeObserverEntry | undefined, instance: Virtualizer<Window, Element>) => {
  const box = entry?.borderBoxSize[0];
  if (box) return Math.round(box.blockSize);
  return instance.itemSizeCache.get(instance.options.getItemKey(instance.indexFromElement(element))) ?? ROW_PX;
};

/** Scrolls the window, except to where it already is (the virtualizer's first write, which would force a layout). */
const scrollUnlessThere = (offset: number, options: { adjustments?: number; behavior?: ScrollBehavior }, instance: Virtualizer<Window, Element>) => {
  if (!options.adjustments && offset === instance.scrollOffset) return;
  windowScroll(offset, options, instance);
};

function Spacer({ height }: { height: number }) {
  if (height <= 0) return null;
  return (
    <tbody aria-hidden="true">
      <tr className="spacer">
        <td colSpan={7} style={{ height }} />
      </tr>
    </tbody>
  );
}

export function InvoiceLines({ lines, currency, total, versions }: { lines: readonly Line[]; currency: string; total: string; versions: readonly ContractVersion[] }) {
  const [open, setOpen] = useState<ReadonlySet<number>>(() => new Set());
  const toggle = useCallback(
    (lineNo: number) =>
      setOpen((previous) => {
        const next = new Set(previous);
        if (next.has(lineNo)) next.delete(lineNo);
        else next.add(lineNo);
        return next;
      }),
    [],
  );
  // Where the lines start on the page, read in the next animation frame (never in React's
  // commit, where it would force a layout of its own) and kept while it holds.
  const table = useRef<HTMLTableElement | null>(null);
  const [scrollMargin, setScrollMargin] = useState(0);
  useEffect(() => {
    const frame = requestAnimationFrame(() => {
      const head = table.current?.tHead;
      if (head) setScrollMargin(Math.round(head.getBoundingClientRect().bottom + window.scrollY));
    });
    return () => cancelAnimationFrame(frame);
  });
  const virtualizer = useWindowVirtualizer({
    count: lines.length,
    estimateSize: () => ROW_PX,
    overscan: OVERSCAN,
    scrollMargin,
    initialRect: { width: 0, height: window.innerHeight },
    measureElement: sizeFromObserver,
    scrollToFn: scrollUnlessThere,
  });
  const items = virtualizer.getVirtualItems();
  const before = items.length > 0 ? items[0]!.start - scrollMargin : 0;
  const after = items.length > 0 ? virtualizer.getTotalSize() - (items[items.length - 1]!.end - scrollMargin) : 0;

  // Rows before a line: the header, the lines before it and the explanations open among them.
  const openIndexes = lines.length > 0 ? [...open].map((lineNo) => lines.findIndex((l) => l.lineNo === lineNo)).filter((i) => i >= 0) : [];
  const rowIndexOf = (index: number) => 2 + index + openIndexes.filter((i) => i < index).length;
  const rowCount = 2 + lines.length + openIndexes.length;

  return (
    <table className="data-table lines" ref={table} aria-rowcount={rowCount}>
      <caption className="visually-hidden">
        Invoice lines ({lines.length.toLocaleString('en-US')}); each one expands into its explanation
      </caption>
      <colgroup>
        <col className="col-no" />
        <col />
        <col className="col-charge" />
        <col className="col-version" />
        <col className="col-quantity" />
        <col className="col-amount" />
        <col className="col-explain" />
      </colgroup>
      <thead>
        <tr aria-rowindex={1}>
          <th scope="col">#</th>
          <th scope="col">Line</th>
          <th scope="col">Charge</th>
          <th scope="col">Version</th>
          <th scope="col" className="right">
            Quantity
          </th>
          <th scope="col" className="right">
            Amount
          </th>
          <th scope="col">
            <span className="visually-hidden">Explanation</span>
          </th>
        </tr>
      </thead>
      <Spacer height={before} />
      {items.map((item) => {
        const line = lines[item.index]!;
        const isOpen = open.has(line.lineNo);
        return (
          <LineRows
            key={line.lineNo}
            line={line}
            index={item.index}
            rowIndex={rowIndexOf(item.index)}
            currency={currency}
            open={isOpen}
            versions={isOpen ? versions : NO_VERSIONS}
            onToggle={toggle}
            measure={virtualizer.measureElement}
          />
        );
      })}
      <Spacer height={after} />
      <tfoot>
        <tr aria-rowindex={rowCount}>
          <th scope="row" colSpan={5} className="right">
            Total
          </th>
          <td className="right">
            <Money amount={total} currency={currency} />
          </td>
          <td />
        </tr>
      </tfoot>
    </table>
  );
}
