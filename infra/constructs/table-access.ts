/**
 * Who may write what in the one table. Every role reads the whole table, but writes only the
 * item families (partition-key prefixes, shared/adapters/dynamodb/table.ts PK_PREFIXES) it
 * owns, through an IAM `dynamodb:LeadingKeys` condition on its write statement.
 *
 * The audit chains are evidence: only the audit writer may write `AUDIT#` and `AUDITEVENT#`
 * items, and it may write nothing else. Both are also stated as explicit denies, so a broad
 * grant added to a role later (grantReadWriteData, say) still cannot reach the other side.
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { PK_PREFIXES, type PkPrefix } from '../../shared/adapters/dynamodb/table';

/** Reads, everywhere in the table and its indexes. ConditionCheckItem writes nothing. */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
] as const;

/** Item writes (TransactWriteItems is authorized through these, item by item). */
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'] as const;

/** The audit writer appends; it never deletes (no DeleteItem, no BatchWriteItem, which can delete). */
export const AUDIT_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

export const AUDIT_PREFIXES = [PK_PREFIXES.auditChain, PK_PREFIXES.auditEvent] as const satisfies readonly PkPrefix[];

const P = PK_PREFIXES;

/**
 * The item families each writer owns. API groups all keep idempotency records; the billing
 * API starts runs, finalizes a run's drafts and issues and pays partner statements; the workflow
 * steps write runs and invoices.
 */
export const TABLE_WRITERS = {
  audit: AUDIT_PREFIXES,
  directoryApi: [P.advertiser, P.partner, P.idempotency],
  contractsApi: [P.contract, P.idempotency],
  approvalsApi: [P.contract, P.idempotency],
  usageApi: [P.usage, P.usageConversion, P.idempotency],
  billingApi: [P.billingRun, P.billingPeriod, P.invoice, P.invoiceRuns, P.documentNumber, P.partnerStatement, P.idempotency],
  invoicesApi: [P.invoice, P.invoiceRuns, P.documentNumber, P.idempotency],
  billingWorkflow: [P.billingRun, P.billingPeriod, P.invoice, P.invoiceRuns, P.documentNumber],
  lifecycle: [P.contract],
  usageFiles: [P.usage, P.usageConversion],
  /** Its publication markers only, with GetItem and PutItem alone (domain-events.ts grants them). */
  domainEvents: [P.eventPublication],
} as const satisfies Record<string, readonly PkPrefix[]>;
export type TableWriter = keyof typeof TABLE_WRITERS;

const leadingKeys = (prefixes: readonly string[]) => prefixes.map((prefix) => `${prefix}*`);

/** Read on the table and its indexes; write only on the writer's own key prefixes. */
export function grantTableAccess(table: dynamodb.ITableV2, fn: lambda.IFunction, writer: TableWriter): void {
  const role = fn.role;
  if (!role) throw new Error(`${fn.node.path} has no role to grant table access to`);
  const isAudit = writer === 'audit';
  const owned = TABLE_WRITERS[writer];
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'TableRead', actions: [...TABLE_READ_ACTIONS], resources: [table.tableArn, `${table.tableArn}/index/*`] }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'TableWriteOwnItems',
      actions: [...(isAudit ? AUDIT_WRITE_ACTIONS : TABLE_WRITE_ACTIONS)],
      resources: [table.tableArn],
      conditions: {
        // Every item the request writes must have one of the owned prefixes, and the request must name items.
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeys(owned) },
        Null: { 'dynamodb:LeadingKeys': 'false' },
      },
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: isAudit ? 'DenyWritesOutsideAuditItems' : 'DenyWritesToAuditItems',
      effect: iam.Effect.DENY,
      actions: [...TABLE_WRITE_ACTIONS],
      resources: [table.tableArn],
      conditions: isAudit
        ? { 'ForAnyValue:StringNotLike': { 'dynamodb:LeadingKeys': leadingKeys(AUDIT_PREFIXES) } }
        : { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': leadingKeys(AUDIT_PREFIXES) } },
    }),
  );
}
