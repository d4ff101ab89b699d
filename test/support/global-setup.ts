/**
 * Starts the real local engines once for the whole suite: one DynamoDB Local per test worker
 * and one s3rver. Test files get their endpoints from test/support/endpoints.ts and create their
 * own uniquely named tables and buckets (test/support/aws.ts), so files can run in parallel
 * without sharing data. A DynamoDB Local per worker, because one engine serializes the writes of
 * both files running at once: a file's heavy writes (a scale run, a stream being drained) slowed
 * the other file's by an order of magnitude when they shared it.
 *
 * A worker's engine is also replaced between two of its files once it has done a lot of work
 * (ENGINE_CPU_BUDGET_S of CPU). DynamoDB Local keeps the stream records of every table it has
 * had, deleted ones included, and writes to a table made after them cost time in proportion to
 * how many there are: 1,000 items in 40 BatchWriteItems took 1.3 s on a first table and 7.2 s on
 * a sixth, after five tables of 1,800 stream records each had come and gone (0.6-0.7 s on tables
 * without a stream). Each file makes tables of its own, so on one engine per worker each file
 * paid for every earlier file's records. test/support/drop-tables.ts asks for the replacement
 * when a file that made tables ends; the endpoint stays the same.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../scripts/lib/dynamodb-local';
import { startS3Local } from '../../scripts/lib/s3-local';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One per test worker (VITEST_POOL_ID 1, 2, ...). */
    dynamoEndpoints: string[];
    /** POST `<url>/<worker>` between two files: replaces the worker's engine if it has done a lot of work. */
    dynamoRecycleUrl: string;
    s3Endpoint: string;
  }
}

/** CPU seconds an engine may use before it is replaced between two files. */
const ENGINE_CPU_BUDGET_S = Number(process.env.DYNAMODB_LOCAL_CPU_BUDGET_S ?? 20);

/** User and system CPU seconds of a process so far (Linux /proc); null where unavailable. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

export default async function setup(project: TestProject) {
  // Everything the run writes to the temporary directory (synthesized apps, s3rver's objects,
  // the files tests make, DynamoDB Local's native library) goes under one directory of its own,
  // removed at the end: the workers and the processes they start inherit TMPDIR from here.
  const scratch = mkdtempSync(join(tmpdir(), 'ctv-test-'));
  process.env.TMPDIR = scratch;

  const workers = Math.max(1, Number(project.config.maxWorkers) || 1);
  const s3 = startS3Local();
  // One after the other: each takes a free port, which two at once could both be given.
  const dynamos: DynamoDbLocal[] = [];
  for (let i = 0; i < workers; i++) dynamos.push(await startDynamoDbLocal());

  const replaced: number[] = dynamos.map(() => 0);
  const recycle = async (index: number): Promise<boolean> => {
    const engine = dynamos[index]!;
    const used = cpuSeconds(engine.process.pid);
    if (used === null || used < ENGINE_CPU_BUDGET_S) return false;
    await engine.stop();
    dynamos[index] = await startDynamoDbLocal({ port: Number(new URL(engine.endpoint).port) });
    replaced[index]! += 1;
    return true;
  };
  const control: Server = createServer((req, res) => {
    const worker = /^\/engines\/(\d+)$/.exec(req.url ?? '');
    const index = worker ? Number(worker[1]) - 1 : -1;
    if (req.method !== 'POST' || index < 0 || index >= dynamos.length) {
      res.writeHead(404).end();
      return;
    }
    recycle(index).then(
      (done) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ replaced: done })),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const { port } = control.address() as { port: number };

  project.provide('dynamoEndpoints', dynamos.map((d) => d.endpoint));
  project.provide('dynamoRecycleUrl', `http://127.0.0.1:${port}/engines`);
  project.provide('s3Endpoint', (await s3).endpoint);
  return async () => {
    control.close();
    console.log(`DynamoDB Local engines replaced per worker: ${replaced.join(', ')}`);
    await Promise.all([...dynamos.map((d) => d.stop()), (await s3).stop()]);
    rmSync(scratch, { recursive: true, force: true });
  };
}
