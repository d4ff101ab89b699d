/**
 * Runtime configuration of every Lambda, read once at cold start and validated. The CDK
 * stack sets these variables in AWS; the local stack and the tests set them before the
 * handlers are first imported. Optional endpoints point the SDK at DynamoDB Local and s3rver.
 */
import * as z from 'zod';

const ConfigSchema = z.object({
  TABLE_NAME: z.string().min(1),
  EXPORTS_BUCKET: z.string().min(1).default('exports'),
  USAGE_BUCKET: z.string().min(1).default('usage'),
  AUDIT_ARCHIVE_BUCKET: z.string().min(1).default('audit-archive'),
  STATE_MACHINE_ARN: z.string().optional(),
  /** The bus domain events go to; set on the events function only. */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  STAGE: z.string().default('local'),
  AWS_REGION: z.string().default('us-east-1'),
  /** Local engines only; absent in AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  S3_ENDPOINT: z.url().optional(),
  /** JSON object currency -> committed value at which two approvals are needed, e.g. {"USD":"100000.00"}. */
  APPROVAL_THRESHOLDS: z.string().optional(),
  /** JSON: who issues the invoices ({ legalName, address: { line1, city, postalCode, country }, taxId?, email? }), printed on every PDF. */
  SELLER_PROFILE: z.string().optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

let cached: Config | undefined;

export function config(): Config {
  if (cached) return cached;
  const parsed = ConfigSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid Lambda configuration: ${problems}`);
  }
  cached = parsed.data;
  return cached;
}
