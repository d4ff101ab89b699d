/**
 * Least privilege on the one table and the write-once archive, read from the synthesized
 * templates: each role writes only its own key prefixes (dynamodb:LeadingKeys), only the audit
 * writer writes audit items and it writes nothing else; the archive bucket refuses a PutObject
 * without `If-None-Match: *`.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { ARCHIVE_WRITE_ONCE_SIDS, STATEFUL_LOGICAL_IDS } from '../../infra/stacks/stateful-stack';
import { AUDIT_PREFIXES, TABLE_WRITE_ACTIONS, TABLE_WRITERS } from '../../infra/constructs/table-access';
import { invoiceKeys, keys, PK_PREFIXES, usageKeys } from '../../shared/adapters/dynamodb/table';
import { asArray, resourcesOf, type Synthesized, synthesize } from './support';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}

const WRITE = new Set<string>(TABLE_WRITE_ACTIONS);
const AUDIT_PATTERNS = AUDIT_PREFIXES.map((p) => `${p}*`);
const leadingKeysOf = (s: Statement, operator: string) => asArray(s.Condition?.[operator]?.['dynamodb:LeadingKeys'] as string[] | string | undefined);

/** Every pk the key builders produce, from sample arguments. */
function samplePks(): string[] {
  const pks: string[] = [];
  for (const builders of [keys, invoiceKeys, usageKeys] as Record<string, unknown>[]) {
    for (const [name, builder] of Object.entries(builders)) {
      if (typeof builder !== 'function') continue;
      const args = Array.from({ length: builder.length }, (_, i) => (name === 'impression' && i === 2 ? { date: '2027-01-01', chargeId: 'c', source: 'FIRST_PARTY' } : i === 2 && name !== 'periodShard' ? 1 : 'x1'));
      const out = (builder as (...a: unknown[]) => unknown)(...args);
      // Only objects with a `pk` (strings returned by builders may be gsi values).
      const pk = typeof out === 'object' && out !== null ? (out as { pk?: unknown }).pk : undefined;
      if (typeof pk === 'string' && /^[A-Z]+#/.test(pk)) pks.push(pk);
    }
  }
  return pks;
}

/** Each function's role policies in the service template, keyed by role logical id. */
function policiesByRole(): Map<string, Statement[]> {
  const byRole = new Map<string, Statement[]>();
  for (const policy of Object.values(resourcesOf(synth.service, 'AWS::IAM::Policy'))) {
    for (const role of asArray(policy.Properties?.Roles) as { Ref?: string }[]) {
      const list = byRole.get(role.Ref ?? '') ?? [];
      list.push(...((policy.Properties?.PolicyDocument?.Statement ?? []) as Statement[]));
      byRole.set(role.Ref ?? '', list);
    }
  }
  return byRole;
}

function auditRole(): string {
  const functions = resourcesOf(synth.service, 'AWS::Lambda::Function');
  const [, fn] = Object.entries(functions).find(([, f]) => f.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'ctv-billing-audit')!;
  return fn.Properties!.Role['Fn::GetAtt'][0] as string;
}

describe('key prefixes and their writers', () => {
  test('every key builder produces a pk with a declared prefix', () => {
    const declared = Object.values(PK_PREFIXES);
    const pks = samplePks();
    expect(pks.length).toBeGreaterThan(10);
    for (const pk of pks) expect(declared.some((prefix) => pk.startsWith(prefix)), pk).toBe(true);
  });

  test('every prefix has a writer; audit prefixes have only the audit writer, which has nothing else', () => {
    for (const prefix of Object.values(PK_PREFIXES)) {
      const writers = Object.entries(TABLE_WRITERS).filter(([, owned]) => (owned as readonly string[]).includes(prefix)).map(([w]) => w);
      expect(writers.length, prefix).toBeGreaterThan(0);
      if ((AUDIT_PREFIXES as readonly string[]).includes(prefix)) expect(writers, prefix).toEqual(['audit']);
    }
    expect([...TABLE_WRITERS.audit].sort()).toEqual([...AUDIT_PREFIXES].sort());
  });
});

describe('table write conditions in the template', () => {
  test('no role may write the table without a LeadingKeys condition, and only the audit role may write audit items', () => {
    const audit = auditRole();
    let writers = 0;
    for (const [role, statements] of policiesByRole()) {
      const allows = statements.filter((s) => s.Effect === 'Allow' && asArray(s.Action).some((a) => WRITE.has(a) || a === 'dynamodb:*'));
      if (allows.length === 0) continue;
      writers += 1;
      for (const allow of allows) {
        expect(asArray(allow.Action), role).not.toContain('dynamodb:*');
        const patterns = leadingKeysOf(allow, 'ForAllValues:StringLike');
        expect(patterns.length, `${role} writes without a LeadingKeys condition`).toBeGreaterThan(0);
        expect(allow.Condition?.Null, role).toEqual({ 'dynamodb:LeadingKeys': 'false' });
        if (role === audit) expect(patterns.sort(), role).toEqual([...AUDIT_PATTERNS].sort());
        else expect(patterns.filter((p) => AUDIT_PATTERNS.includes(p)), role).toEqual([]);
      }
      const deny = statements.find((s) => s.Effect === 'Deny' && asArray(s.Action).includes('dynamodb:PutItem'));
      expect(deny, `${role} has no explicit deny`).toBeDefined();
      if (role === audit) expect(leadingKeysOf(deny!, 'ForAnyValue:StringNotLike').sort()).toEqual([...AUDIT_PATTERNS].sort());
      else expect(leadingKeysOf(deny!, 'ForAnyValue:StringLike').sort()).toEqual([...AUDIT_PATTERNS].sort());
    }
    // The API groups, the workflow steps, the schedule start, lifecycle, usage files and audit.
    expect(writers).toBeGreaterThanOrEqual(10);
  });

  test('the audit role appends only: no DeleteItem, no BatchWriteItem', () => {
    const statements = policiesByRole().get(auditRole())!;
    const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => asArray(s.Action));
    expect(allowed).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem']));
    expect(allowed.filter((a) => /Delete|BatchWrite|PartiQL/.test(a))).toEqual([]);
  });

  test('each role writes exactly the prefixes it owns', () => {
    const patternsByRole = [...policiesByRole().values()]
      .map((statements) => statements.find((s) => s.Sid === 'TableWriteOwnItems'))
      .filter((s): s is Statement => s !== undefined)
      .map((s) => leadingKeysOf(s, 'ForAllValues:StringLike').sort().join(','));
    const expected = new Set(Object.values(TABLE_WRITERS).map((owned) => owned.map((p) => `${p}*`).sort().join(',')));
    for (const patterns of patternsByRole) expect(expected.has(patterns), patterns).toBe(true);
  });
});

describe('archive bucket policy', () => {
  test('denies every PutObject without If-None-Match: *', () => {
    const policies = Object.values(resourcesOf(synth.stateful, 'AWS::S3::BucketPolicy')).filter(
      (p) => p.Properties?.Bucket?.Ref === STATEFUL_LOGICAL_IDS.auditArchiveBucket,
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties!.PolicyDocument.Statement as Statement[];
    const bySid = new Map(statements.map((s) => [s.Sid, s]));
    const [withoutHeader, otherValue] = ARCHIVE_WRITE_ONCE_SIDS.map((sid) => bySid.get(sid)!);
    for (const s of [withoutHeader!, otherValue!]) {
      expect(s).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject' });
      expect(JSON.stringify(s.Resource)).toContain(STATEFUL_LOGICAL_IDS.auditArchiveBucket);
      expect(JSON.stringify(s.Resource)).toContain('/*');
    }
    expect(withoutHeader!.Condition).toEqual({ Null: { 's3:if-none-match': 'true' } });
    expect(otherValue!.Condition).toEqual({ StringNotEquals: { 's3:if-none-match': '*' } });
    // Other buckets keep ordinary writes.
    const others = Object.values(resourcesOf(synth.stateful, 'AWS::S3::BucketPolicy')).filter((p) => p !== policies[0]);
    expect(JSON.stringify(others)).not.toContain('if-none-match');
  });
});
