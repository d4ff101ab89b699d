/**
 * Rating throughput: one synthetic month (March 2027, a DST month in the US and Europe) of
 * 10,000 contracts, ~3M daily impression records and ~10M conversions, mixed CPM (flat,
 * graduated, volume; both sources; partners) and CPA (flat and percent-of-value payouts with
 * clamps, eligibility, holds, reversals, duplicates), rated by `ratePeriod`.
 *
 * Measured in the same run on the same records: a bare loop that only sums each contract's
 * impression counts and conversion values (parsed to minor units, as any consumer of the
 * decimal strings must) into per-contract totals. The ratio engine / bare loop is the cost
 * of the billing rules themselves.
 *
 * Usage is generated per contract, deterministically (seeded), and generation time is
 * excluded from both timings. Single thread: records per second is per core.
 */
import { performance } from 'node:perf_hooks';
import { ratePeriod } from '../shared/domain/billing/rate';
import { parseMinorUnits } from '../shared/domain/billing/cpa';
import type { Charge, ContractTerms, Conversion, Impression, PartnerShare, Usage } from '../shared/domain/terms/types';
import { prng, type Benchmark } from './lib/benchmark';

const PERIOD = '2027-03';
const AS_OF = '2027-04-20T00:00:00Z';
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata'] as const;
const GEOS = ['US', 'CA', 'GB', 'DE', 'FR'] as const;
const MARCH_START_MS = Date.UTC(2027, 2, 1);
const DAY_MS = 86_400_000;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** ISO instant without milliseconds, like the records of the suite. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function money(random: () => number, max: number): string {
  const cents = Math.floor(random() * max * 100);
  return `${Math.floor(cents / 100)}.${pad2(cents % 100)}`;
}

interface Workload {
  contract: ContractTerms;
  usage: Usage;
}

export function generateContract(index: number, scale: number): Workload {
  const random = prng(0x5eed + index * 7919);
  const zone = ZONES[index % ZONES.length]!;
  const cpmCount = 2 + Math.floor(random() * 3); // 2..4
  const charges: Charge[] = [];
  for (let c = 0; c < cpmCount; c++) {
    const model = c % 3;
    charges.push({
      id: `cpm-${c}`,
      kind: 'CPM',
      pricing: model === 0
        ? { model: 'FLAT', rate: money(random, 30) }
        : { model: model === 1 ? 'GRADUATED' : 'VOLUME', tiers: [{ upTo: 5_000_000, rate: '14.50' }, { upTo: 20_000_000, rate: '12.25' }, { upTo: null, rate: '9.875' }] },
      billableSource: random() < 0.8 ? 'FIRST_PARTY' : 'THIRD_PARTY',
      discrepancyThresholdPct: '10',
    });
  }
  charges.push({
    id: 'purchase', kind: 'CPA', event: 'PURCHASE',
    payout: random() < 0.5
      ? { flat: '25.00', percentOfValue: '0', min: null, max: null }
      : { flat: '2.00', percentOfValue: '7.5', min: '5.00', max: '40.00' },
    attributionWindowDays: 7,
    eligibility: { geos: random() < 0.5 ? null : ['US', 'CA', 'GB'], newCustomersOnly: random() < 0.3, minValue: random() < 0.3 ? '10.00' : null },
    holdDays: 3,
    maxConversionsPerPeriod: random() < 0.1 ? 800 : null,
  });
  charges.push({
    id: 'install', kind: 'CPA', event: 'INSTALL',
    payout: { flat: '1.50', percentOfValue: '0', min: null, max: null },
    attributionWindowDays: 3,
    eligibility: { geos: null, newCustomersOnly: false, minValue: null },
    holdDays: 0,
    maxConversionsPerPeriod: null,
  });
  const partners: PartnerShare[] = [
    { partnerId: 'pub-1', chargeIds: ['cpm-0'], percentOfRevenue: '60' },
    { partnerId: 'aff-1', chargeIds: ['purchase'], flatPerConversion: '5.00' },
    { partnerId: 'aff-2', chargeIds: ['purchase', 'install'], percentOfRevenue: '20' },
  ];
  const contract: ContractTerms = {
    currency: 'USD', timezone: zone, startDate: '2027-01-01', endDate: '2027-12-31',
    rounding: index % 2 === 0 ? 'HALF_EVEN' : 'HALF_UP',
    versions: [{
      effectiveFrom: '2027-01-01', charges,
      minimumCommitment: random() < 0.3 ? { amount: '50000.00', prorate: true } : null,
      budgetCap: random() < 0.3 ? { amount: '400000.00', scope: 'PERIOD' } : null,
      agencyCommissionPct: random() < 0.5 ? '15' : null,
      partners,
    }],
  };

  // ~300 impression records: per CPM charge and day, first-party split over partners, third-party once.
  const impressions: Impression[] = [];
  const recordsPerDay = Math.round(300 / 31 / cpmCount) || 1;
  for (let c = 0; c < cpmCount; c++) {
    for (let day = 1; day <= 31; day++) {
      const date = `2027-03-${pad2(day)}`;
      for (let r = 0; r < recordsPerDay; r++) {
        const count = 10_000 + Math.floor(random() * 200_000);
        const thirdParty = r === recordsPerDay - 1;
        impressions.push({
          date, chargeId: `cpm-${c}`, count, source: thirdParty ? 'THIRD_PARTY' : 'FIRST_PARTY',
          partnerId: thirdParty ? null : r % 2 === 0 ? 'pub-1' : 'pub-2',
        });
      }
    }
  }

  // ~1000 conversions (scaled), 0.5% duplicated ids, some reversed, some late.
  const conversions: Conversion[] = [];
  const n = Math.round((600 + random() * 800) * scale);
  for (let i = 0; i < n; i++) {
    const occurred = MARCH_START_MS + Math.floor(random() * 31 * DAY_MS / 1000) * 1000;
    const exposure = occurred - Math.floor(random() * 8 * DAY_MS / 1000) * 1000;
    const roll = random();
    conversions.push({
      id: roll < 0.005 && i > 0 ? `cv-${index}-${i - 1}` : `cv-${index}-${i}`,
      event: roll < 0.75 ? 'PURCHASE' : roll < 0.97 ? 'INSTALL' : 'SIGNUP',
      occurredAt: iso(occurred),
      exposureAt: iso(exposure),
      value: money(random, 300),
      geo: GEOS[Math.floor(random() * GEOS.length)]!,
      newCustomer: random() < 0.7,
      partnerId: roll < 0.3 ? 'aff-1' : roll < 0.5 ? 'aff-2' : null,
      reversedAt: random() < 0.02 ? iso(occurred + DAY_MS) : null,
      receivedAt: null,
    });
  }
  // Records reach the engine parsed from JSON (flat strings); the generator's concatenated
  // strings would otherwise make every character read slower than in production.
  return { contract, usage: JSON.parse(JSON.stringify({ impressions, conversions })) as Usage };
}

/** The baseline: read every record once, sum counts and values per contract. */
function bareLoop(usage: Usage, totals: Float64Array, slot: number): void {
  let count = 0;
  let value = 0;
  const impressions = usage.impressions;
  for (let i = 0; i < impressions.length; i++) count += impressions[i]!.count;
  const conversions = usage.conversions;
  for (let i = 0; i < conversions.length; i++) value += parseMinorUnits(conversions[i]!.value, 2);
  totals[slot * 2] = count;
  totals[slot * 2 + 1] = value;
}

function run(options: { quick: boolean }): Record<string, number | string> {
  const contracts = options.quick ? 1_000 : 10_000;
  // CPU time (process.cpuUsage) is reported beside wall time: on a shared machine wall time
  // also counts the time other processes held the core.
  const scale = 1;
  // Warm both code paths up on contracts outside the measured set.
  const warmTotals = new Float64Array(2);
  for (let w = 0; w < 50; w++) {
    const { contract, usage } = generateContract(1_000_000 + w, scale);
    ratePeriod({ contract, usage, period: PERIOD, asOf: AS_OF, prior: { lines: [], payouts: [] } });
    bareLoop(usage, warmTotals, 0);
  }

  const totals = new Float64Array(contracts * 2);
  const clock = { engineMs: 0, bareMs: 0, engineCpuUs: 0, bareCpuUs: 0 };
  let generateMs = 0;
  let impressionRecords = 0;
  let conversionRecords = 0;
  let lines = 0;
  let invoiced = 0;
  const rateOne = (workload: Workload): void => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const rated = ratePeriod({ contract: workload.contract, usage: workload.usage, period: PERIOD, asOf: AS_OF, prior: { lines: [], payouts: [] } });
    clock.engineMs += performance.now() - t0;
    const c = process.cpuUsage(c0);
    clock.engineCpuUs += c.user + c.system;
    lines += rated.lines.length;
    invoiced += Number(rated.total);
  };
  const sumOne = (workload: Workload, slot: number): void => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    bareLoop(workload.usage, totals, slot);
    clock.bareMs += performance.now() - t0;
    const c = process.cpuUsage(c0);
    clock.bareCpuUs += c.user + c.system;
  };
  for (let i = 0; i < contracts; i++) {
    const g0 = performance.now();
    const workload = generateContract(i, scale);
    generateMs += performance.now() - g0;
    impressionRecords += workload.usage.impressions.length;
    conversionRecords += workload.usage.conversions.length;
    // Alternate the order so neither timing systematically inherits the other's GC debt.
    if (i % 2 === 0) {
      sumOne(workload, i);
      rateOne(workload);
    } else {
      rateOne(workload);
      sumOne(workload, i);
    }
  }
  const records = impressionRecords + conversionRecords;
  const perSecond = (ms: number) => Math.round(records / (ms / 1000));
  const summary = {
    contracts,
    impressionRecords,
    conversionRecords,
    records,
    lines,
    engineSeconds: Number((clock.engineMs / 1000).toFixed(3)),
    bareLoopSeconds: Number((clock.bareMs / 1000).toFixed(3)),
    engineCpuSeconds: Number((clock.engineCpuUs / 1e6).toFixed(3)),
    bareLoopCpuSeconds: Number((clock.bareCpuUs / 1e6).toFixed(3)),
    generationSecondsExcluded: Number((generateMs / 1000).toFixed(1)),
    engineRecordsPerSecondPerCore: perSecond(clock.engineMs),
    bareLoopRecordsPerSecondPerCore: perSecond(clock.bareMs),
    engineToBareLoopRatio: Number((clock.engineMs / clock.bareMs).toFixed(2)),
    engineToBareLoopCpuRatio: Number((clock.engineCpuUs / clock.bareCpuUs).toFixed(2)),
  };
  const fmt = (n: number) => n.toLocaleString('en-US');
  console.log(`contracts ${contracts}, records ${fmt(records)} (${fmt(impressionRecords)} impression day-records, ${fmt(conversionRecords)} conversions), lines ${lines}`);
  console.log(`                 wall s   records/s/core (wall)   CPU s   records/s/core (CPU)`);
  console.log(`engine     ${(clock.engineMs / 1000).toFixed(3).padStart(10)} ${fmt(perSecond(clock.engineMs)).padStart(20)} ${(clock.engineCpuUs / 1e6).toFixed(3).padStart(10)} ${fmt(perSecond(clock.engineCpuUs / 1000)).padStart(18)}`);
  console.log(`bare loop  ${(clock.bareMs / 1000).toFixed(3).padStart(10)} ${fmt(perSecond(clock.bareMs)).padStart(20)} ${(clock.bareCpuUs / 1e6).toFixed(3).padStart(10)} ${fmt(perSecond(clock.bareCpuUs / 1000)).padStart(18)}`);
  console.log(`ratio engine/bare loop: ${summary.engineToBareLoopRatio}x wall, ${summary.engineToBareLoopCpuRatio}x CPU   (generation ${(generateMs / 1000).toFixed(1)} s excluded; checksum ${invoiced.toFixed(0)})`);
  return summary;
}

export const benchmark: Benchmark = {
  name: 'rating',
  description: 'ratePeriod over a synthetic month of 10,000 contracts vs a bare summing loop',
  run,
};
