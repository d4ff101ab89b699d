/**
 * The HTTP API: one Lambda per resource group and one route per entry of the route table
 * (functions/http/routes.ts), the same table the local server serves.
 *
 * API Gateway's JWT authorizer checks signature, issuer, audience, expiry and the one API
 * scope. Roles are NOT turned into per-route scopes: a gateway refusal answers
 * `{"message":"Forbidden"}`, while the API contract wants 403/404 in its own error shape and
 * advertiser-scoped 404s, so roles are checked by the handlers from the verified claims.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FunctionGroup, ROUTES, type RouteDef, routeKey } from '../../shared/schemas/api/routes';
import type { DataBuckets } from '../stacks/stateful-stack';
import type { JwtIssuerSettings } from './identity';
import { acknowledgeBucketObjects, acknowledgeTableIndexes, acknowledgeWildcardResource, defaultPolicyOf } from './acknowledgements';
import { grantTableAccess, type TableWriter } from './table-access';
import { RESPONSE_OVERFLOW_PREFIX } from '../../shared/adapters/s3/response-overflow';
import { INVOICE_DOCUMENTS_PREFIX } from '../../shared/adapters/s3/invoice-document-keys';
import { LOG_RETENTION, type LambdaFactory } from './lambda';

type TableAccess = 'none' | 'read' | 'readWrite';

interface GroupAccess {
  table: TableAccess;
  /** With `readWrite`: the item families it writes (table-access.ts). */
  writer?: TableWriter;
  /** Finance exports: read, to presign GET URLs with the function's own credentials. */
  exportsRead?: boolean;
  /** Invoice PDFs: write and read `documents/*` of the exports bucket only (render, store, presign). */
  invoiceDocuments?: boolean;
  description: string;
}

/**
 * What each group may touch. The public group (health, OpenAPI document) gets nothing;
 * everything else reads and writes the table through conditions and transactions.
 */
export const GROUP_ACCESS: Record<FunctionGroup, GroupAccess> = {
  public: { table: 'none', description: 'Health and the OpenAPI document' },
  directory: { table: 'readWrite', writer: 'directoryApi', description: 'Advertisers and partners' },
  contracts: { table: 'readWrite', writer: 'contractsApi', description: 'Contracts, versions, amendments, renewals, terminations, audit trail' },
  approvals: { table: 'readWrite', writer: 'approvalsApi', description: 'Submit, approve and reject versions' },
  // Bulk files go through the usage bucket to their own function (usage-files.ts), not this one.
  usage: { table: 'readWrite', writer: 'usageApi', description: 'Impression and conversion ingestion' },
  billing: { table: 'readWrite', writer: 'billingApi', exportsRead: true, description: 'Quotes, billing runs, statements, exports' },
  invoices: { table: 'readWrite', writer: 'invoicesApi', invoiceDocuments: true, description: 'Invoices: read, finalize, void, PDFs' },
};

export interface ApiProps {
  factory: LambdaFactory;
  table: dynamodb.ITableV2;
  buckets: DataBuckets;
  jwt: JwtIssuerSettings;
  stage: string;
}

const METHODS: Record<RouteDef['method'], apigw.HttpMethod> = {
  GET: apigw.HttpMethod.GET,
  POST: apigw.HttpMethod.POST,
  PUT: apigw.HttpMethod.PUT,
};

export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly authorizer: HttpJwtAuthorizer;
  /** One function per resource group, e.g. `handlers.billing` to grant it a state machine. */
  readonly handlers: Record<FunctionGroup, lambda.Function>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    this.handlers = Object.fromEntries(
      Object.values(FunctionGroup).map((group) => [group, this.groupFunction(group, props)]),
    ) as Record<FunctionGroup, lambda.Function>;

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: `ctv-billing-${props.stage}`,
      description: 'Contracts and billing API, v1',
      createDefaultStage: false,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: LOG_RETENTION });
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 200, burstLimit: 400 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: apiAccessLogFormat(),
      },
    });

    this.authorizer = new HttpJwtAuthorizer('Jwt', props.jwt.issuer, {
      jwtAudience: props.jwt.audience,
      identitySource: ['$request.header.Authorization'],
    });

    const integrations = Object.fromEntries(
      Object.entries(this.handlers).map(([group, fn]) => [group, new HttpLambdaIntegration(`${group}Integration`, fn)]),
    ) as Record<FunctionGroup, HttpLambdaIntegration>;

    for (const route of ROUTES as readonly RouteDef[]) {
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [METHODS[route.method]],
        integration: integrations[route.group],
        ...(route.roles === null
          ? { authorizer: new apigw.HttpNoneAuthorizer() }
          : { authorizer: this.authorizer, authorizationScopes: [props.jwt.scope] }),
      });
      if (route.roles === null && created) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${routeKey(route)} is public by contract (API.md: no token for health and the OpenAPI document).`,
        });
      }
    }
  }

  private groupFunction(group: FunctionGroup, props: ApiProps): lambda.Function {
    const access = GROUP_ACCESS[group];
    const fn = props.factory.create(this, `${pascal(group)}Function`, {
      folder: group,
      description: access.description,
      timeout: group === 'billing' ? Duration.seconds(29) : Duration.seconds(10),
    });
    if (access.table === 'read') props.table.grantReadData(fn);
    if (access.table === 'readWrite') {
      if (!access.writer) throw new Error(`the ${group} group writes the table but names no writer in GROUP_ACCESS`);
      grantTableAccess(props.table, fn, access.writer);
    }
    // Bucket access as explicit statements: grantRead would add `s3:GetObject*`, `s3:List*`
    // and `s3:GetBucket*` that no handler uses. ListBucket lists a period's files (and makes a
    // missing manifest a NoSuchKey instead of a 403).
    if (access.exportsRead) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ExportsList',
          actions: ['s3:ListBucket'],
          resources: [props.buckets.exports.bucketArn],
        }),
      );
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ExportsRead',
          actions: ['s3:GetObject'],
          resources: [props.buckets.exports.arnForObjects('*')],
        }),
      );
    }
    if (access.invoiceDocuments) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'InvoiceDocuments',
          actions: ['s3:PutObject', 's3:GetObject'],
          resources: [props.buckets.exports.arnForObjects(`${INVOICE_DOCUMENTS_PREFIX}*`)],
        }),
      );
    }
    if (access.table === 'readWrite') {
      // Idempotency responses too big for their record (shared/adapters/s3/response-overflow.ts).
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'IdempotencyResponseOverflow',
          actions: ['s3:PutObject', 's3:GetObject'],
          resources: [props.buckets.exports.arnForObjects(`${RESPONSE_OVERFLOW_PREFIX}*`)],
        }),
      );
      const policy = defaultPolicyOf(fn);
      if (policy) {
        acknowledgeWildcardResource(
          policy,
          props.buckets.exports.arnForObjects(`${RESPONSE_OVERFLOW_PREFIX}*`),
          'Large idempotency responses are keyed idempotency/sha256/<hash>.json; hashes are not known at deploy time.',
        );
      }
    }
    acknowledgeScopedWildcards(fn, access, props);
    return fn;
  }
}

/**
 * The wildcards left are inside one named resource: `<table>/index/*` (the table's own GSIs,
 * which Query needs) and `<bucket>/*` (objects of one bucket).
 */
function acknowledgeScopedWildcards(fn: lambda.Function, access: GroupAccess, props: ApiProps): void {
  const policy = defaultPolicyOf(fn);
  if (!policy) return;
  if (access.table !== 'none') acknowledgeTableIndexes(policy, props.table);
  if (access.exportsRead) acknowledgeBucketObjects(policy, props.buckets.exports);
  if (access.invoiceDocuments) {
    acknowledgeWildcardResource(
      policy,
      props.buckets.exports.arnForObjects(`${INVOICE_DOCUMENTS_PREFIX}*`),
      'Invoice PDFs are keyed documents/<period>/<invoice id>.pdf; invoice ids are not known at deploy time.',
    );
  }
}

function apiAccessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      sub: '$context.authorizer.claims.sub',
      ip: '$context.identity.sourceIp',
      latencyMs: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
      authorizerError: '$context.authorizer.error',
      time: '$context.requestTime',
    }),
  );
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
