import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { STATEFUL_LOGICAL_IDS } from '../../infra/stacks/stateful-stack';
import { statefulExportNames } from '../../infra/stacks/stateful-refs';
import { INDEXES, TABLE_KEYS } from '../../shared/adapters/dynamodb/table';
import { ALL_ROLES } from '../../shared/schemas/api/operation';
import { only, resourcesOf, type Synthesized, synthesize } from './support';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

describe('the table', () => {
  test('is built from the table definition: pk/sk, both GSIs, stream, TTL, PITR, deletion protection', () => {
    const [, table] = only(resourcesOf(synth.stateful, 'AWS::DynamoDB::GlobalTable'));
    const p = table.Properties!;
    expect(p.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: TABLE_KEYS.ttlAttribute, Enabled: true });

    const gsis = p.GlobalSecondaryIndexes as any[];
    expect(gsis.map((g) => g.IndexName).sort()).toEqual(Object.values(INDEXES).map((i) => i.name).sort());
    for (const index of Object.values(INDEXES)) {
      const gsi = gsis.find((g) => g.IndexName === index.name);
      expect(gsi.KeySchema).toEqual([
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ]);
      expect(gsi.Projection).toEqual({ ProjectionType: 'ALL' });
    }
    const attributes = (p.AttributeDefinitions as any[]).map((a) => `${a.AttributeName}:${a.AttributeType}`).sort();
    expect(attributes).toEqual(['gsi1pk:S', 'gsi1sk:S', 'gsi2pk:S', 'gsi2sk:S', 'pk:S', 'sk:S']);

    const replica = (p.Replicas as any[])[0];
    expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(replica.DeletionProtectionEnabled).toBe(true);
  });

  test('is retained when removed from the stack or replaced', () => {
    synth.stateful.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('fixed logical ids', () => {
  test('every stateful resource keeps the logical id it was first deployed with', () => {
    const resources = synth.stateful.toJSON().Resources as Record<string, { Type: string }>;
    expect(resources[STATEFUL_LOGICAL_IDS.table]?.Type).toBe('AWS::DynamoDB::GlobalTable');
    expect(resources[STATEFUL_LOGICAL_IDS.exportsBucket]?.Type).toBe('AWS::S3::Bucket');
    expect(resources[STATEFUL_LOGICAL_IDS.usageBucket]?.Type).toBe('AWS::S3::Bucket');
    expect(resources[STATEFUL_LOGICAL_IDS.auditArchiveBucket]?.Type).toBe('AWS::S3::Bucket');
    expect(resources[STATEFUL_LOGICAL_IDS.accessLogsBucket]?.Type).toBe('AWS::S3::Bucket');
    expect(resources[STATEFUL_LOGICAL_IDS.userPool]?.Type).toBe('AWS::Cognito::UserPool');
  });

  test('do not depend on the stage (the same ids in every environment)', () => {
    const other = synthesize({ stage: 'prod' });
    const ids = (t: typeof synth.stateful) => Object.keys(t.toJSON().Resources).filter((id) => Object.values(STATEFUL_LOGICAL_IDS).includes(id as never));
    expect(ids(other.stateful).sort()).toEqual(ids(synth.stateful).sort());
    expect(ids(synth.stateful)).toHaveLength(Object.keys(STATEFUL_LOGICAL_IDS).length);
  });
});

describe('buckets', () => {
  const buckets = () => resourcesOf(synth.stateful, 'AWS::S3::Bucket');

  test('are private, encrypted, versioned and retained', () => {
    expect(Object.keys(buckets())).toHaveLength(4);
    for (const [id, bucket] of Object.entries(buckets())) {
      const p = bucket.Properties!;
      expect(p.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const sse = p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm;
      expect(['AES256', 'aws:kms'], id).toContain(sse);
      expect(p.VersioningConfiguration, id).toEqual({ Status: 'Enabled' });
      expect(p.OwnershipControls, id).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      expect(bucket.DeletionPolicy, id).toBe('Retain');
    }
  });

  test('refuse plain HTTP and old TLS in their bucket policies', () => {
    const policies = resourcesOf(synth.stateful, 'AWS::S3::BucketPolicy');
    const covered = new Set<string>();
    for (const policy of Object.values(policies)) {
      const statements = policy.Properties!.PolicyDocument.Statement as any[];
      const denyHttp = statements.find((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
      const denyOldTls = statements.find((s) => s.Effect === 'Deny' && s.Condition?.NumericLessThan?.['s3:TlsVersion'] === 1.2);
      expect(denyHttp).toBeDefined();
      expect(denyOldTls).toBeDefined();
      expect(denyHttp.Principal).toEqual({ AWS: '*' });
      covered.add(policy.Properties!.Bucket.Ref);
    }
    expect([...covered].sort()).toEqual(Object.keys(buckets()).sort());
  });

  test('log their access to the access-log bucket', () => {
    for (const id of [STATEFUL_LOGICAL_IDS.exportsBucket, STATEFUL_LOGICAL_IDS.usageBucket, STATEFUL_LOGICAL_IDS.auditArchiveBucket]) {
      expect(buckets()[id]!.Properties!.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: STATEFUL_LOGICAL_IDS.accessLogsBucket },
        LogFilePrefix: `${id}/`,
      });
    }
  });

  test('the audit archive is write-once: Object Lock in COMPLIANCE mode with a default retention', () => {
    const archive = buckets()[STATEFUL_LOGICAL_IDS.auditArchiveBucket]!.Properties!;
    expect(archive.ObjectLockEnabled).toBe(true);
    expect(archive.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2557 } },
    });
    for (const id of [STATEFUL_LOGICAL_IDS.exportsBucket, STATEFUL_LOGICAL_IDS.usageBucket]) {
      expect(buckets()[id]!.Properties!.ObjectLockConfiguration).toBeUndefined();
    }
  });
});

describe('user directory', () => {
  test('is invite-only with MFA required and a strong password policy, retained', () => {
    synth.stateful.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: 'ON',
        DeletionProtection: 'ACTIVE',
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true, RequireNumbers: true }) },
      }),
    });
    synth.stateful.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'ctv-billing',
      Scopes: [Match.objectLike({ ScopeName: 'api' })],
    });
  });

  test('puts roles and the advertiser in tokens through a version-2 pre-token-generation trigger', () => {
    const [poolId, pool] = Object.entries(resourcesOf(synth.stateful, 'AWS::Cognito::UserPool'))[0]!;
    // Version 2 customizes the access token too, which is the token API Gateway verifies.
    const trigger = pool.Properties!.LambdaConfig.PreTokenGenerationConfig;
    expect(trigger.LambdaVersion).toBe('V2_0');
    const [fnId] = trigger.LambdaArn['Fn::GetAtt'] as [string, string];
    const fn = resourcesOf(synth.stateful, 'AWS::Lambda::Function')[fnId]!;
    expect(fn.Properties!.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('ctv-billing-token-claims');
    // Cognito may invoke it, for this pool only.
    synth.stateful.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'cognito-idp.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [poolId, 'Arn'] },
    });
    expect(pool.Properties!.UserPoolTier).toBe('ESSENTIALS');
  });

  test('has one group per API role and an advertiser attribute that users cannot write', () => {
    const groups = Object.values(resourcesOf(synth.stateful, 'AWS::Cognito::UserPoolGroup')).map((g) => g.Properties!.GroupName as string);
    expect(groups.sort()).toEqual([...ALL_ROLES].sort());
    const [, pool] = Object.entries(resourcesOf(synth.stateful, 'AWS::Cognito::UserPool'))[0]!;
    expect(pool.Properties!.Schema).toContainEqual(expect.objectContaining({ Name: 'advertiserId', AttributeDataType: 'String', Mutable: true }));
    const [, client] = Object.entries(resourcesOf(synth.stateful, 'AWS::Cognito::UserPoolClient'))[0]!;
    const writable = client.Properties!.WriteAttributes as string[];
    expect(writable.length).toBeGreaterThan(0);
    expect(writable).not.toContain('custom:advertiserId');
    expect(writable.every((a) => !a.startsWith('custom:'))).toBe(true);
    expect(client.Properties!.ReadAttributes).toContain('custom:advertiserId');
  });

  test('gets hosted sign-in pages only when a domain prefix is configured', () => {
    synth.stateful.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
    const withDomain = synthesize({ auth: { kind: 'cognito', callbackUrls: ['https://app.example.com/cb'], domainPrefix: 'ctv-billing-test-1234' } });
    withDomain.stateful.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'ctv-billing-test-1234', ManagedLoginVersion: 2 });
    withDomain.stateful.hasResourceProperties('AWS::Cognito::UserPoolClient', { CallbackURLs: ['https://app.example.com/cb'] });
  });

  test('is not created when an external issuer is configured', () => {
    const external = synthesize({ auth: { kind: 'issuer', issuer: 'https://idp.example.com/', audience: ['billing-api'], scope: 'billing/api' } });
    external.stateful.resourceCountIs('AWS::Cognito::UserPool', 0);
    external.stateful.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
  });
});

test('the stateful stack exports what the service stack imports, under stage-scoped names', () => {
  const outputs = synth.stateful.toJSON().Outputs as Record<string, { Export?: { Name: string } }>;
  const exported = Object.values(outputs).map((o) => o.Export?.Name).filter(Boolean).sort();
  expect(exported).toEqual(Object.values(statefulExportNames('test')).sort());

  const imported = new Set(JSON.stringify(synth.service.toJSON()).match(/"Fn::ImportValue":"[^"]+"/g));
  expect([...imported].map((s) => s.split(':"')[1]!.slice(0, -1)).sort()).toEqual(exported);
});
