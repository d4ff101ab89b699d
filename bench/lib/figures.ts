/**
 * The figures a benchmark's `run` resolves to, and the machine-readable record of a whole
 * `npm run bench` (`--json FILE`).
 *
 * A figure is one named number with its unit and, when the figure has one, its goal written as
 * a comparator and a bound: `"<= 3"` (at most 3) or `">= 5000000"` (at least 5,000,000). The
 * JSON file is an array of records, one per figure of every benchmark that ran, in the order
 * they ran:
 *
 *   { "benchmark": "rating", "name": "v1EngineToBareLoopThreadCpuRatio", "value": 2.41, "unit": "x",
 *     "goal": "<= 3", "met": true }
 *
 * `goal` and `met` are present together or not at all; `met` is the goal evaluated on `value`.
 */
import { writeFileSync } from 'node:fs';

export type Comparator = '<=' | '>=';

/** `"<= 3"`, `">= 5000000"`: the comparator, one space, a finite number. */
export type Goal = `${Comparator} ${number}`;

export interface Figure {
  name: string;
  value: number;
  /** `records/s`, `ms`, `s`, `KB`, `MB`, `x` (a ratio), `count`… */
  unit: string;
  goal?: Goal;
}

export interface FigureRecord extends Figure {
  benchmark: string;
  met?: boolean;
}

/** A figure, with its goal when it has one. */
export function figure(name: string, value: number, unit: string, goal?: Goal): Figure {
  return goal === undefined ? { name, value, unit } : { name, value, unit, goal };
}

const GOAL = /^(<=|>=) (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/;

/** The comparator and bound of a goal; throws on anything else. */
export function parseGoal(goal: string): { comparator: Comparator; bound: number } {
  const match = GOAL.exec(goal);
  if (!match) throw new Error(`a goal is "<= N" or ">= N", not "${goal}"`);
  return { comparator: match[1] as Comparator, bound: Number(match[2]) };
}

/** Whether `value` meets `goal`. */
export function meets(value: number, goal: Goal): boolean {
  const { comparator, bound } = parseGoal(goal);
  return comparator === '<=' ? value <= bound : value >= bound;
}

/** The records of one benchmark's figures; refuses a figure that is not a finite number or has no name or unit. */
export function recordsOf(benchmark: string, figures: readonly Figure[]): FigureRecord[] {
  return figures.map((f) => {
    if (typeof f.name !== 'string' || f.name === '') throw new Error(`${benchmark}: a figure has no name`);
    if (typeof f.value !== 'number' || !Number.isFinite(f.value)) throw new Error(`${benchmark}: figure ${f.name} is not a finite number (${String(f.value)})`);
    if (typeof f.unit !== 'string' || f.unit === '') throw new Error(`${benchmark}: figure ${f.name} has no unit`);
    const record: FigureRecord = { benchmark, name: f.name, value: f.value, unit: f.unit };
    if (f.goal !== undefined) {
      record.goal = f.goal;
      record.met = meets(f.value, f.goal);
    }
    return record;
  });
}

/** Writes the records as a JSON array (two-space indented, ending in a newline). */
export function writeFiguresJson(file: string, records: readonly FigureRecord[]): void {
  writeFileSync(file, `${JSON.stringify(records, null, 2)}\n`);
}
