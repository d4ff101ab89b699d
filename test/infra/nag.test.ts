import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, test } from 'vitest';
import { type Synthesized, synthesize } from './support';

let synth: Synthesized;
beforeAll(() => {
  // Synthesis itself runs the AwsSolutions plugin and throws on any unacknowledged error.
  synth = synthesize();
});

interface Acknowledgement {
  path: string;
  construct: IConstruct;
  id: string;
  reason: string;
}

/**
 * The project's acknowledgements. aws-cdk-lib acknowledges findings of its own CloudFormation
 * validator (W3045 on a bucket it opens to log delivery); those are not cdk-nag rules.
 */
function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, unknown>))
        .map(([id, reason]) => ({ path: construct.node.path, construct, id, reason: String(reason) })),
    )
    .filter((ack) => !ack.id.startsWith('CloudFormation-Validate::'));
}

describe('cdk-nag AwsSolutions', () => {
  test('reports no finding, error or warning, that is not acknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(synth.app);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });

  test('stays clean when the account and region are known (acknowledged ARNs render differently then)', () => {
    const located = synthesize({ env: { account: '123456789012', region: 'eu-west-1' } });
    const report = new AwsSolutionsChecks().validateScope(located.app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  test('the construct library itself reports no error or warning annotation on either stack', () => {
    for (const stack of [synth.deployment.stateful, synth.deployment.service]) {
      const annotations = Annotations.fromStack(stack);
      const messages = [...annotations.findError('*', Match.anyValue()), ...annotations.findWarning('*', Match.anyValue())].map(
        (m) => `${m.id}: ${JSON.stringify(m.entry.data)}`,
      );
      expect(messages, stack.stackName).toEqual([]);
    }
  });

  test('every acknowledgement names one rule finding and gives a written reason', () => {
    const acks = acknowledgements(synth.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/AwsSolutions-[A-Z]+\d+/);
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(40);
      expect(ack.reason, `${ack.path} ${ack.id}`).not.toMatch(/\b(todo|fixme|tbd|n\/a)\b/i);
    }
  });

  test('no acknowledgement is stale: each one silences a finding that is really there', () => {
    // The same checks with acknowledgements ignored list every raw finding and where it is.
    const raw = new AwsSolutionsChecks();
    (raw as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    const findings = raw.validateScope(synth.app).violations.flatMap((v) =>
      v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? '' })),
    );
    for (const ack of acknowledgements(synth.app)) {
      const id = ack.id.replace(/^annotation::/i, '');
      const silenced = findings.filter((f) => f.id === id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      expect(silenced.length, `${ack.path} ${id}`).toBeGreaterThan(0);
    }
  });

  test('acknowledgements sit on the resource they concern, never on a stack or the app', () => {
    for (const ack of acknowledgements(synth.app)) {
      expect(Stack.isStack(ack.construct), ack.path).toBe(false);
      expect(ack.construct.node.scope, ack.path).toBeDefined();
    }
  });

  test('a resource that breaks a rule fails synthesis (the checks are really attached)', () => {
    expect(() =>
      synthesize({}, ({ service }) => {
        new s3.Bucket(service, 'CarelessBucket');
      }),
    ).toThrow(/AwsSolutions-S10/);
  });
});
