/**
 * Lays an InvoiceDocument (shared/domain/invoices/invoice-document.ts) out as an A4 PDF with
 * pdf-lib and its standard Helvetica fonts (nothing to load from disk, so it bundles as is).
 * Every figure is printed as the document holds it: no arithmetic here. Deterministic: the same
 * document gives the same bytes (fixed creation and modification dates, no random ids).
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { InvoiceDocument } from '../../domain/invoices/invoice-document';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;
const SIZE = 9;
const LEADING = 13;

/** Standard fonts encode WinAnsi only: anything else prints as '?' rather than failing the document. */
function printable(text: string): string {
  return Array.from(text.normalize('NFC'), (ch) => {
    const code = ch.codePointAt(0)!;
    return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || ch === '€' ? ch : '?';
  }).join('');
}

class Writer {
  private page: PDFPage;
  private y: number;

  constructor(
    private readonly pdf: PDFDocument,
    private readonly font: PDFFont,
    private readonly bold: PDFFont,
  ) {
    this.page = pdf.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  /** Moves down one line, starting a new page when the current one is full. */
  newline(lines = 1): void {
    this.y -= LEADING * lines;
    if (this.y < MARGIN) {
      this.page = this.pdf.addPage(A4);
      this.y = A4[1] - MARGIN;
    }
  }

  text(value: string, x: number, options: { bold?: boolean; size?: number; alignRight?: number } = {}): void {
    const font = options.bold ? this.bold : this.font;
    const size = options.size ?? SIZE;
    const text = printable(value);
    const at = options.alignRight !== undefined ? options.alignRight - font.widthOfTextAtSize(text, size) : x;
    this.page.drawText(text, { x: at, y: this.y, size, font, color: rgb(0, 0, 0) });
  }

  /** Long text (a legal note) wrapped to the page width. */
  paragraph(value: string, x: number, width: number): void {
    let line = '';
    for (const word of printable(value).split(/\s+/)) {
      const next = line ? `${line} ${word}` : word;
      if (this.font.widthOfTextAtSize(next, SIZE) > width && line) {
        this.text(line, x);
        this.newline();
        line = word;
      } else {
        line = next;
      }
    }
    if (line) {
      this.text(line, x);
      this.newline();
    }
  }

  rule(): void {
    this.page.drawLine({ start: { x: MARGIN, y: this.y + LEADING - 4 }, end: { x: A4[0] - MARGIN, y: this.y + LEADING - 4 }, thickness: 0.5, color: rgb(0.4, 0.4, 0.4) });
  }
}

const RIGHT = A4[0] - MARGIN;
const COLUMNS = { no: MARGIN, description: MARGIN + 24, quantity: 360, rate: 440, amount: RIGHT };

export async function renderInvoicePdf(doc: InvoiceDocument): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const fixed = new Date(`${doc.issueDate}T00:00:00Z`);
  pdf.setTitle(`${doc.title} ${doc.number}`);
  pdf.setAuthor(doc.seller.legalName);
  pdf.setCreator('ctv-contracts-billing');
  pdf.setProducer('ctv-contracts-billing');
  pdf.setCreationDate(fixed);
  pdf.setModificationDate(fixed);
  const w = new Writer(pdf, await pdf.embedFont(StandardFonts.Helvetica), await pdf.embedFont(StandardFonts.HelveticaBold));

  w.text(`${doc.title} ${doc.number}`, MARGIN, { bold: true, size: 16 });
  w.newline(2);

  // Seller left, bill-to right.
  const party = (label: string, p: { legalName: string; address: InvoiceDocument['seller']['address']; taxId?: string } | null, extra: string[]) => {
    if (!p) return [label, 'No billing profile on record'];
    const a = p.address;
    return [label, p.legalName, a.line1, ...(a.line2 ? [a.line2] : []), `${a.postalCode} ${a.city}${a.region ? `, ${a.region}` : ''}`, a.country, ...(p.taxId ? [`Tax ID: ${p.taxId}`] : []), ...extra];
  };
  const left = party('From', doc.seller, doc.seller.email ? [doc.seller.email] : []);
  const right = party('Bill to', doc.billTo, doc.billTo ? [doc.billTo.invoiceEmail] : []);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i]) w.text(left[i]!, MARGIN, { bold: i === 0 });
    if (right[i]) w.text(right[i]!, 320, { bold: i === 0 });
    w.newline();
  }
  w.newline();

  const facts: [string, string][] = [
    ['Invoice number', doc.number],
    ['Issue date', doc.issueDate],
    ['Due date', doc.dueDate],
    ['Period', doc.period],
    ['PO / IO number', doc.purchaseOrder ?? '-'],
    ['Currency', doc.currency],
  ];
  if (doc.creditsInvoiceNumber) facts.push(['Credits invoice', doc.creditsInvoiceNumber]);
  for (const [label, value] of facts) {
    w.text(`${label}:`, MARGIN, { bold: true });
    w.text(value, MARGIN + 110);
    w.newline();
  }
  w.newline();

  w.text('#', COLUMNS.no, { bold: true });
  w.text('Description', COLUMNS.description, { bold: true });
  w.text('Quantity', 0, { bold: true, alignRight: COLUMNS.quantity });
  w.text('Rate', 0, { bold: true, alignRight: COLUMNS.rate });
  w.text(`Amount (${doc.currency})`, 0, { bold: true, alignRight: COLUMNS.amount });
  w.newline();
  w.rule();
  for (const line of doc.lines) {
    w.text(String(line.lineNo), COLUMNS.no);
    w.text(line.description.slice(0, 60), COLUMNS.description);
    w.text(line.quantity, 0, { alignRight: COLUMNS.quantity });
    w.text(line.rate, 0, { alignRight: COLUMNS.rate });
    w.text(line.amount, 0, { alignRight: COLUMNS.amount });
    w.newline();
  }
  w.rule();
  w.newline();

  const totals: [string, string, boolean][] = [
    ['Commission', doc.commission, false],
    ['Credits', doc.credits, false],
    ['Taxable total', doc.taxableTotal, false],
  ];
  if (doc.tax) totals.push([doc.tax.ratePct !== null ? `${doc.tax.label} ${doc.tax.ratePct}%` : doc.tax.label, doc.tax.amount, false]);
  totals.push([`Total ${doc.currency}`, doc.total, true]);
  for (const [label, value, bold] of totals) {
    w.text(label, 360, { bold });
    w.text(value, 0, { bold, alignRight: RIGHT });
    w.newline();
  }
  if (doc.tax?.note) {
    w.newline();
    w.paragraph(doc.tax.note, MARGIN, RIGHT - MARGIN);
  }
  return pdf.save({ useObjectStreams: false });
}
