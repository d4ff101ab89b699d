/**
 * How the service stack refers to the stateful stack: named CloudFormation exports, imported
 * with Fn::ImportValue. Named (not CDK's generated cross-stack exports) so that every
 * reference, and every IAM resource built from one, reads the same at any synthesis and
 * the stateful stack can never be updated out from under a service stack that uses it.
 */
import { CfnOutput, Fn, type Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { INDEXES } from '../../shared/adapters/dynamodb/table';
import type { JwtIssuerSettings } from '../constructs/identity';
import type { DataBuckets } from './stateful-stack';

export interface StatefulExportNames {
  tableArn: string;
  tableStreamArn: string;
  exportsBucketName: string;
  usageBucketName: string;
  auditArchiveBucketName: string;
  /** Only exported when the stateful stack creates the user pool. */
  jwtIssuer: string;
  jwtAudience: string;
}

export function statefulExportNames(stage: string): StatefulExportNames {
  const prefix = `CtvBilling-${stage}`;
  return {
    tableArn: `${prefix}-TableArn`,
    tableStreamArn: `${prefix}-TableStreamArn`,
    exportsBucketName: `${prefix}-ExportsBucketName`,
    usageBucketName: `${prefix}-UsageBucketName`,
    auditArchiveBucketName: `${prefix}-AuditArchiveBucketName`,
    jwtIssuer: `${prefix}-JwtIssuer`,
    jwtAudience: `${prefix}-JwtAudience`,
  };
}

/** Called by the stateful stack for its own resources. */
export function exportStateful(
  stack: Stack,
  names: StatefulExportNames,
  table: dynamodb.TableV2,
  buckets: DataBuckets,
  jwt: JwtIssuerSettings | undefined,
): void {
  const out = (id: string, value: string, exportName: string) => new CfnOutput(stack, id, { value, exportName });
  if (!table.tableStreamArn) throw new Error('the table has no stream to export');
  out('TableArnExport', table.tableArn, names.tableArn);
  out('TableStreamArnExport', table.tableStreamArn, names.tableStreamArn);
  out('ExportsBucketNameExport', buckets.exports.bucketName, names.exportsBucketName);
  out('UsageBucketNameExport', buckets.usage.bucketName, names.usageBucketName);
  out('AuditArchiveBucketNameExport', buckets.auditArchive.bucketName, names.auditArchiveBucketName);
  if (jwt) {
    out('JwtIssuerExport', jwt.issuer, names.jwtIssuer);
    out('JwtAudienceExport', Fn.join(',', jwt.audience), names.jwtAudience);
  }
}

/** The created user pool's issuer and audience, as the service stack sees them. */
export function importJwt(names: StatefulExportNames, scope: string): JwtIssuerSettings {
  return {
    issuer: Fn.importValue(names.jwtIssuer),
    audience: Fn.split(',', Fn.importValue(names.jwtAudience)),
    scope,
  };
}

export interface StatefulResources {
  table: dynamodb.ITableV2;
  buckets: DataBuckets;
}

/** Called by the service stack: references to the stateful resources through the exports. */
export function importStateful(scope: Construct, names: StatefulExportNames): StatefulResources {
  const table = dynamodb.TableV2.fromTableAttributes(scope, 'Table', {
    tableArn: Fn.importValue(names.tableArn),
    tableStreamArn: Fn.importValue(names.tableStreamArn),
    // grant*Data then also covers `<table>/index/*`, which Query on gsi1/gsi2 needs.
    globalIndexes: Object.values(INDEXES).map((i) => i.name),
  });
  const bucket = (id: string, exportName: string) => s3.Bucket.fromBucketName(scope, id, Fn.importValue(exportName));
  return {
    table,
    buckets: {
      exports: bucket('ExportsBucket', names.exportsBucketName),
      usage: bucket('UsageBucket', names.usageBucketName),
      auditArchive: bucket('AuditArchiveBucket', names.auditArchiveBucketName),
    },
  };
}
