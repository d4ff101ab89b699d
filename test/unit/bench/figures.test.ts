import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figure, meets, parseGoal, recordsOf, writeFiguresJson } from '../../../bench/lib/figures';

describe('benchmark figures (npm run bench -- --json FILE)', () => {
  it('writes one record per figure with benchmark, name, value, unit, and goal and met only for figures with a goal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-figures-'));
    try {
      const file = join(dir, 'figures.json');
      const records = [
        ...recordsOf('rating', [
          figure('v1EngineThreadCpuRecordsPerSecondPerCore', 5_200_000, 'records/s', '>= 5000000'),
          figure('v1EngineToBareLoopThreadCpuRatio', 3.4, 'x', '<= 3'),
          figure('contracts', 10_000, 'count'),
        ]),
        ...recordsOf('e2e', [figure('runToReadRatio', 1.5, 'x', '<= 1.5')]),
      ];
      writeFiguresJson(file, records);
      const text = readFileSync(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(JSON.parse(text)).toEqual([
        { benchmark: 'rating', name: 'v1EngineThreadCpuRecordsPerSecondPerCore', value: 5_200_000, unit: 'records/s', goal: '>= 5000000', met: true },
        { benchmark: 'rating', name: 'v1EngineToBareLoopThreadCpuRatio', value: 3.4, unit: 'x', goal: '<= 3', met: false },
        { benchmark: 'rating', name: 'contracts', value: 10_000, unit: 'count' },
        { benchmark: 'e2e', name: 'runToReadRatio', value: 1.5, unit: 'x', goal: '<= 1.5', met: true },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('evaluates goals at their bound inclusively, in both directions', () => {
    expect(meets(3, '<= 3')).toBe(true);
    expect(meets(3.0001, '<= 3')).toBe(false);
    expect(meets(5e6, '>= 5000000')).toBe(true);
    expect(meets(4_999_999, '>= 5000000')).toBe(false);
    expect(parseGoal('<= 1.25')).toEqual({ comparator: '<=', bound: 1.25 });
    expect(() => parseGoal('< 3')).toThrow(/goal/);
    expect(() => parseGoal('<=3')).toThrow(/goal/);
  });

  it('refuses a figure that is not a finite number or has no name or unit', () => {
    expect(() => recordsOf('api', [figure('p50Ms', Number.NaN, 'ms')])).toThrow(/api: figure p50Ms is not a finite number/);
    expect(() => recordsOf('api', [figure('p50Ms', Number.POSITIVE_INFINITY, 'ms')])).toThrow(/finite/);
    expect(() => recordsOf('api', [figure('', 1, 'ms')])).toThrow(/no name/);
    expect(() => recordsOf('api', [figure('p50Ms', 1, '')])).toThrow(/no unit/);
  });
});
