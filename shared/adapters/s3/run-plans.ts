/**
 * Run plans in S3: `plans/<runId>.json`, a JSON array of plan items, the shape the Distributed
 * Map's S3 JSON item reader iterates over (and the local executor reads the same object).
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PlanItem } from '../../domain/billing-runs/plan';

export const PLAN_PREFIX = 'plans/';
export const planKeyOf = (runId: string) => `${PLAN_PREFIX}${runId}.json`;

export class RunPlanStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** Writes (or rewrites, on a retried Plan) the run's plan and returns its key. */
  async write(runId: string, items: readonly PlanItem[]): Promise<string> {
    const key = planKeyOf(runId);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(items), ContentType: 'application/json' }),
    );
    return key;
  }

  async read(key: string): Promise<PlanItem[]> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const text = await object.Body?.transformToString();
    const parsed: unknown = JSON.parse(text ?? '[]');
    if (!Array.isArray(parsed)) throw new Error(`plan ${key} is not a JSON array`);
    return parsed.map((item, index) => {
      const contractId = (item as { contractId?: unknown } | null)?.contractId;
      if (typeof contractId !== 'string' || contractId.length === 0) throw new Error(`plan ${key}: item ${index} has no contractId`);
      return { contractId };
    });
  }
}
