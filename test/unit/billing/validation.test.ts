import { describe, expect, it } from 'vitest';
import { ratePeriod, type RateRequest } from '../../../shared/domain/billing/rate';
import { ValidationError } from '../../../shared/domain/kernel/errors';
import { parseCase } from '../../../shared/schemas/case';
import type { ContractTerms } from '../../../shared/domain/terms/types';
import { contract, conv, cpa, cpm, imp, NO_PRIOR, usage, version } from './fixtures';

function request(extra: Partial<RateRequest> = {}): RateRequest {
  return { contract: contract(), usage: usage([imp('2027-01-05', 1000)]), period: '2027-01', asOf: '2027-02-03T00:00:00Z', prior: NO_PRIOR, ...extra };
}

/** The field paths of the ValidationError the engine throws. */
function pathsOf(req: RateRequest): string[] {
  try {
    ratePeriod(req);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details.map((d) => d.path);
  }
  throw new Error('expected a ValidationError');
}

function withVersion(extra: Parameters<typeof version>[0], terms: Partial<ContractTerms> = {}): ContractTerms {
  return contract(terms, [version(extra)]);
}

describe('invalid inputs are rejected before anything is billed, naming the field', () => {
  it.each<[string, RateRequest, string]>([
    ['unknown currency', request({ contract: contract({ currency: 'XYZ' }) }), 'contract.currency'],
    ['unknown time zone', request({ contract: contract({ timezone: 'Mars/Olympus' }) }), 'contract.timezone'],
    ['endDate before startDate', request({ contract: contract({ startDate: '2027-06-01', endDate: '2027-05-31' }, [version({ effectiveFrom: '2027-06-01' })]) }), 'contract.endDate'],
    ['first version not on startDate', request({ contract: contract({}, [version({ effectiveFrom: '2027-01-02' })]) }), 'contract.versions.0.effectiveFrom'],
    ['versions out of order', request({ contract: contract({}, [version(), version({ effectiveFrom: '2027-03-01' }), version({ effectiveFrom: '2027-02-01' })]) }), 'contract.versions.2.effectiveFrom'],
    ['USD money with 3 decimals (as written)', request({ contract: withVersion({ minimumCommitment: { amount: '1.500', prorate: false } }) }), 'contract.versions.0.minimumCommitment.amount'],
    ['JPY money with decimals', request({ contract: withVersion({ budgetCap: { amount: '100.5', scope: 'PERIOD' } }, { currency: 'JPY' }) }), 'contract.versions.0.budgetCap.amount'],
    ['payout flat with too many decimals', request({ contract: withVersion({ charges: [cpa('p', { payout: { flat: '1.001', percentOfValue: '0', min: null, max: null } })] }) }), 'contract.versions.0.charges.0.payout.flat'],
    ['rate with 7 decimals', request({ contract: withVersion({ charges: [cpm('display', '1.0000001')] }) }), 'contract.versions.0.charges.0.pricing.rate'],
    ['negative rate', request({ contract: withVersion({ charges: [cpm('display', '-1.00')] }) }), 'contract.versions.0.charges.0.pricing.rate'],
    ['negative money', request({ contract: withVersion({ budgetCap: { amount: '-5.00', scope: 'PERIOD' } }) }), 'contract.versions.0.budgetCap.amount'],
    ['percentage above 100', request({ contract: withVersion({ agencyCommissionPct: '100.5' }) }), 'contract.versions.0.agencyCommissionPct'],
    ['tiers not ascending', request({ contract: withVersion({ charges: [{ id: 'display', kind: 'CPM', pricing: { model: 'GRADUATED', tiers: [{ upTo: 500, rate: '1' }, { upTo: 400, rate: '1' }, { upTo: null, rate: '1' }] } }] }) }), 'contract.versions.0.charges.0.pricing.tiers.1.upTo'],
    ['tiers not ending with upTo null', request({ contract: withVersion({ charges: [{ id: 'display', kind: 'CPM', pricing: { model: 'VOLUME', tiers: [{ upTo: 500, rate: '1' }] } }] }) }), 'contract.versions.0.charges.0.pricing.tiers.0.upTo'],
    ['duplicate charge ids', request({ contract: withVersion({ charges: [cpm('display'), cpm('display')] }) }), 'contract.versions.0.charges.1.id'],
    ['two CPA charges for one event', request({ contract: withVersion({ charges: [cpm('display'), cpa('a'), cpa('b')] }) }), 'contract.versions.0.charges.2.event'],
    ['partner share with both forms', request({ contract: withVersion({ partners: [{ partnerId: 'p', chargeIds: ['display'], percentOfRevenue: '5', flatPerConversion: '1.00' }] }) }), 'contract.versions.0.partners.0'],
    ['partner share with neither form', request({ contract: withVersion({ partners: [{ partnerId: 'p', chargeIds: ['display'] }] }) }), 'contract.versions.0.partners.0'],
    ['flatPerConversion on a CPM charge', request({ contract: withVersion({ partners: [{ partnerId: 'p', chargeIds: ['display'], flatPerConversion: '1.00' }] }) }), 'contract.versions.0.partners.0.flatPerConversion'],
    ['usage naming an unknown charge', request({ usage: usage([imp('2027-01-05', 1), imp('2027-01-06', 1, { chargeId: 'nope' })]) }), 'usage.impressions.1.chargeId'],
    ['usage of another period naming an unknown charge', request({ usage: usage([imp('2027-05-06', 1, { chargeId: 'nope' })]) }), 'usage.impressions.0.chargeId'],
    ['usage after endDate checked against the last version', request({ contract: contract({ endDate: '2027-03-31' }), usage: usage([imp('2027-04-06', 1, { chargeId: 'nope' })]) }), 'usage.impressions.0.chargeId'],
    ['negative count', request({ usage: usage([imp('2027-01-05', -1)]) }), 'usage.impressions.0.count'],
    ['fractional count', request({ usage: usage([imp('2027-01-05', 1.5)]) }), 'usage.impressions.0.count'],
    ['malformed date', request({ usage: usage([imp('2027-02-30', 1)]) }), 'usage.impressions.0.date'],
    ['malformed instant', request({ usage: usage([], [conv('2027-01-05T10:00:00Z', { exposureAt: '2027-01-05 09:00' })]) }), 'usage.conversions.0.exposureAt'],
    ['conversion value with too many decimals', request({ usage: usage([], [conv('2027-01-05T10:00:00Z', { value: '1.005' })]) }), 'usage.conversions.0.value'],
    ['malformed period', request({ period: '2027-13' }), 'period'],
    ['malformed asOf', request({ asOf: '2027-02-03' }), 'asOf'],
  ])('%s → %s', (_name, req, path) => {
    expect(pathsOf(req)).toContain(path);
  });

  it('usage before startDate is skipped, not checked', () => {
    const rated = ratePeriod(request({ contract: contract({ startDate: '2027-01-10' }, [version({ effectiveFrom: '2027-01-10' })]), usage: usage([imp('2027-01-05', 1, { chargeId: 'nope' })]) }));
    expect(rated.lines).toEqual([]);
  });

  it('validation considers every version, whatever its recordedAt', () => {
    const terms = contract({}, [version(), version({ effectiveFrom: '2027-01-02', recordedAt: '2099-01-01T00:00:00Z', charges: [cpm('display'), cpm('display')] })]);
    expect(pathsOf(request({ contract: terms }))).toContain('contract.versions.1.charges.1.id');
  });

  it('reports every problem of the terms, then every problem of the usage', () => {
    expect(pathsOf(request({ period: 'Jan', asOf: 'now', contract: contract({ currency: 'XYZ' }) }))).toEqual(['contract.currency', 'period', 'asOf']);
    expect(pathsOf(request({ usage: usage([imp('2027-01-05', -1), imp('x', 1)], [conv('2027-01-05T10:00:00Z', { value: '-1' })]) }))).toEqual(
      ['usage.impressions.0.count', 'usage.impressions.1.date', 'usage.conversions.0.value'],
    );
  });
});

describe('terms read from the contract store (termsCheckedOnWrite)', () => {
  const stored = (extra: Partial<RateRequest>) => request({ termsCheckedOnWrite: true, ...extra });

  it('rates exactly as the fully checked request does', () => {
    expect(ratePeriod(stored({}))).toEqual(ratePeriod(request()));
  });

  it('does not run the versions\' contract rules again (the write path ran them)', () => {
    // Out-of-order versions: the full check names them; terms from the store cannot hold them.
    const terms = contract({}, [version(), version({ effectiveFrom: '2027-03-01' }), version({ effectiveFrom: '2027-02-01' })]);
    expect(pathsOf(request({ contract: terms }))).toContain('contract.versions.2.effectiveFrom');
    expect(() => ratePeriod(stored({ contract: terms }))).not.toThrow();
  });

  it('still checks the credits, the engine\'s own guards, the period, asOf and the usage', () => {
    const credits = [{ id: 'c1', period: '2027-01', amount: '-5.00', reason: 'MAKE_GOOD' as const }];
    expect(pathsOf(stored({ contract: contract({ credits }) }))).toContain('contract.credits.0.amount');
    expect(pathsOf(stored({ contract: withVersion({ charges: [cpm('display', '1.0000001')] }) }))).toContain('contract.versions.0.charges.0.pricing.rate');
    expect(pathsOf(stored({ contract: withVersion({ agencyCommissionPct: '100.5' }) }))).toContain('contract.versions.0.agencyCommissionPct');
    expect(pathsOf(stored({ contract: contract({}, []) }))).toContain('contract.versions');
    expect(pathsOf(stored({ period: '2027-13', asOf: 'now' }))).toEqual(['period', 'asOf']);
    expect(pathsOf(stored({ usage: usage([imp('2027-01-05', -1)]) }))).toEqual(['usage.impressions.0.count']);
  });
});

describe('parseCase', () => {
  const base = { id: 'c', contract: contract(), usage: usage([imp('2027-01-05', 1)]), runs: [{ period: '2027-01', asOf: '2027-02-03T00:00:00Z', expect: {} }] };

  it('accepts a case and applies the schema defaults', () => {
    const parsed = parseCase({ ...base, extraTopLevelKey: true });
    expect(parsed.runs).toEqual([{ period: '2027-01', asOf: '2027-02-03T00:00:00Z' }]);
  });

  it.each([
    ['negative count', 'usage.impressions.0.count', { ...base, usage: usage([imp('2027-01-05', -5)]) }],
    ['unknown key in terms', 'contract', { ...base, contract: { ...contract(), colour: 'blue' } }],
    ['money as a JSON number', 'contract.versions.0.budgetCap.amount', { ...base, contract: withVersion({ budgetCap: { amount: 5 as unknown as string, scope: 'PERIOD' } }) }],
    ['malformed run period', 'runs.0.period', { ...base, runs: [{ period: '2027-1', asOf: '2027-02-03T00:00:00Z' }] }],
  ])('%s → ValidationError at %s', (_name, path, raw) => {
    try {
      parseCase(raw);
      throw new Error('expected a ValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details.map((d) => d.path)).toContain(path);
    }
  });
});
