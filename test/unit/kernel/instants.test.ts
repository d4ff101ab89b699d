import { describe, expect, it } from 'vitest';
import { isInstant, isUtcInstant } from '../../../shared/domain/kernel/calendar';
import { Instant } from '../../../shared/schemas/terms';

describe('instants at the API edge', () => {
  it('takes UTC instants with or without milliseconds', () => {
    expect(isUtcInstant('2027-01-05T10:00:00Z')).toBe(true);
    expect(isUtcInstant('2027-01-05T10:00:00.123Z')).toBe(true);
  });

  it('refuses an offset, which the rating engine would refuse later in the billing run', () => {
    expect(isInstant('2027-01-05T10:00:00+02:00')).toBe(true);
    expect(isUtcInstant('2027-01-05T10:00:00+02:00')).toBe(false);
    const parsed = Instant.safeParse('2027-01-05T10:00:00+02:00');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/in UTC/);
  });

  it('refuses impossible days', () => {
    expect(isUtcInstant('2027-02-30T10:00:00Z')).toBe(false);
  });
});
