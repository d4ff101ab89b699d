/**
 * `npm start` end to end: the real entry point in a child process, as a developer runs it,
 * then stopped the two ways it is stopped in practice (Ctrl-C to the terminal's process group,
 * SIGTERM to the stack's process alone). Nothing may be left running, DynamoDB Local's JVM included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../scripts/lib/dynamodb-local';
import { aggregateOf } from '../../shared/adapters/dynamodb/audit-stream';
import { keys } from '../../shared/adapters/dynamodb/table';
import { freePort } from '../../scripts/lib/processes';
import { alive } from '../../scripts/lib/stack-state';

const root = resolve(import.meta.dirname, '..', '..');
let running: ChildProcess | undefined;

afterEach(() => {
  // A failed test must not leave a stack behind.
  if (running?.pid && running.exitCode === null) {
    try { process.kill(-running.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  running = undefined;
});

async function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startStack(): Promise<{ child: ChildProcess; url: string; stackPid: number; javaPid: number; output: () => string }> {
  const port = await freePort();
  // Its own process group, like a terminal job, so the test can press "Ctrl-C" on all of it.
  const child = spawn('npx', ['tsx', 'scripts/local-stack.ts'], { cwd: root, env: { ...process.env, PORT: String(port) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running = child;
  let output = '';
  child.stdout!.on('data', (chunk) => { output += String(chunk); });
  child.stderr!.on('data', (chunk) => { output += String(chunk); });
  await waitUntil(() => /Local API listening on (\S+)/.test(output) || child.exitCode !== null, 'the local API URL', 150_000);
  const url = /Local API listening on (\S+)/.exec(output)?.[1];
  if (!url) throw new Error(`the local stack did not start:\n${output}`);
  expect(url).toBe(`http://127.0.0.1:${port}`);
  return {
    child,
    url,
    stackPid: Number(/local stack process pid (\d+)/.exec(output)?.[1]),
    javaPid: Number(/DynamoDB Local on \S+ \(pid (\d+)/.exec(output)?.[1]),
    output: () => output,
  };
}

async function expectHealthy(url: string): Promise<void> {
  const res = await fetch(`${url}/v1/health`);
  if (existsSync(resolve(root, 'functions/public/handler.ts'))) {
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  } else {
    expect(res.status).toBe(501);
  }
  const unauthenticated = await fetch(`${url}/v1/contracts`);
  expect(unauthenticated.status).toBe(401);
}

/** A write to the stack's table becomes an audit entry: the stream poller feeds the audit Lambda. */
async function expectAuditFed(output: string): Promise<void> {
  if (!existsSync(resolve(root, 'functions/audit/handler.ts'))) {
    expect(output).toContain('audit disabled');
    return;
  }
  expect(output).toContain('audit:     stream poller -> functions/audit/handler.ts');
  const [, endpoint, tableName] = /DynamoDB:\s+(\S+)\s+table (\S+)/.exec(output)!;
  const docs = DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_AWS, endpoint }));
  try {
    await docs.send(new PutCommand({ TableName: tableName, Item: { pk: 'CONTRACT#smoke', sk: 'CONTRACT', status: 'DRAFT', version: 1, actor: 'smoke' } }));
    let entries = 0;
    await waitUntilAsync(async () => {
      const { Items = [] } = await docs.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.auditHead(aggregateOf(null, 'CONTRACT#smoke')).pk } }));
      entries = Items.filter((i) => String(i.sk).startsWith('SEQ#')).length;
      return entries > 0;
    }, 'an audit entry');
    expect(entries).toBe(1);
  } finally {
    docs.destroy();
  }
}

async function waitUntilAsync(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('npm start', () => {
  it('serves the API and stops everything on Ctrl-C', { timeout: 180_000 }, async () => {
    const stack = await startStack();
    expect(alive(stack.javaPid)).toBe(true);
    expect(stack.output()).toContain('npm run --silent token -- --sub alice --roles ops');
    await expectHealthy(stack.url);
    await expectAuditFed(stack.output());

    process.kill(-stack.child.pid!, 'SIGINT');
    await waitUntil(() => stack.child.exitCode !== null || stack.child.signalCode !== null, 'the stack to exit');
    await waitUntil(() => !alive(stack.javaPid) && !alive(stack.stackPid), 'DynamoDB Local and the stack process to be gone');
    // No process of the job's group is left.
    expect(() => process.kill(-stack.child.pid!, 0)).toThrow();
    await expect(fetch(`${stack.url}/v1/health`)).rejects.toThrow();
  });

  it('stops everything, DynamoDB Local included, on a SIGTERM to the stack process alone', async () => {
    const stack = await startStack();
    process.kill(stack.stackPid, 'SIGTERM');
    await waitUntil(() => stack.child.exitCode !== null || stack.child.signalCode !== null, 'the stack to exit');
    await waitUntil(() => !alive(stack.javaPid), 'DynamoDB Local to be gone');
    expect(stack.output()).toContain('SIGTERM: stopping the local stack');
    expect(() => process.kill(-stack.child.pid!, 0)).toThrow();
  });
});
