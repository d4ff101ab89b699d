/**
 * `npm start`: the local stack (see scripts/lib/local-stack.ts) until Ctrl-C or SIGTERM,
 * which stop every part, DynamoDB Local's JVM included.
 *   PORT=3000 HOST=127.0.0.1 npm start [-- --persist] [-- --watch]
 * --persist keeps data in .local-data/; the web console (web/) is built into web/dist when it is
 * missing or stale and served at the API's origin; --watch rebuilds it on every change.
 */
import { spawn } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import type { LocalStack } from './lib/local-stack';

// The SDK's Node-version notice would otherwise open every start; the SDK is imported below.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Give up on a graceful stop after this long and kill what is left. */
const STOP_DEADLINE_MS = 10_000;

/**
 * s3rver pages object listings with DES-encrypted continuation tokens, which OpenSSL 3 only
 * offers through its legacy provider; Node enables it with a start-up flag, so run again with it.
 */
function legacyCiphersAvailable(): boolean {
  try {
    createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

function rerunWithLegacyProvider(): void {
  const child = spawn(process.execPath, [...process.execArgv, '--openssl-legacy-provider', ...process.argv.slice(1)], { stdio: 'inherit' });
  // Ctrl-C reaches the whole process group; a signal aimed at this process alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + constants.signals[signal] : 1)));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { persist: { type: 'boolean', default: false }, watch: { type: 'boolean', default: false } }, strict: true });
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${process.env.PORT}`);

  const log = (line: string) => console.log(`[local] ${line}`);
  log(`local stack process pid ${process.pid}`);

  // Assigned once started; `shutdown` reads it before, so it cannot be a const declared later.
  // eslint-disable-next-line prefer-const
  let stack: LocalStack | undefined;
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const running = stack;
    if (!running) {
      // Interrupted while starting: exiting runs DynamoDB Local's exit hook, which kills the JVM.
      console.log(`\n[local] ${signal} during start-up: exiting`);
      process.exit(130);
    }
    console.log(`\n[local] ${signal}: stopping the local stack`);
    setTimeout(() => {
      console.error('[local] graceful stop timed out; killing what is left');
      if (running.dynamoDbPid) process.kill(running.dynamoDbPid, 'SIGKILL');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('[local] stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  const console_ = await import('./lib/web-console');
  if (values.watch) {
    const stopWatching = await console_.watchWebConsole(log);
    process.on('exit', () => void stopWatching());
  } else {
    await console_.buildWebConsole({ log });
  }
  const { startLocalStack } = await import('./lib/local-stack');
  // POST /v1/billing-runs runs the synthesized state machine in this process (scripts/lib/local-workflow.ts).
  const { attachLocalBillingWorkflow } = await import('./lib/local-workflow');
  stack = await startLocalStack({ port, host: process.env.HOST ?? '127.0.0.1', persist: values.persist, log, attach: [attachLocalBillingWorkflow], outsideApi: console_.webConsoleHandler() });
  // Lets command-line tools (npm run usage:load) find this stack's endpoints.
  const { writeStackState, removeStackState } = await import('./lib/stack-state');
  writeStackState(stack);
  process.on('exit', () => removeStackState());

  const b = stack.buckets;
  console.log(
    [
      '',
      `Local API listening on ${stack.apiUrl}`,
      `  console:   ${stack.apiUrl}/  (sign in with a persona or a token${values.watch ? '; rebuilt on every change' : ''})`,
      `  try:       curl ${stack.apiUrl}/v1/health`,
      `  DynamoDB:  ${stack.endpoints.dynamodb}  table ${stack.tableName}${values.persist ? '  (persisted in .local-data/)' : '  (in memory)'}`,
      `  S3:        ${stack.endpoints.s3}  buckets ${b.exports}, ${b.usage}, ${b.auditArchive}`,
      `  audit:     ${stack.poller ? 'stream poller -> functions/audit/handler.ts' : `disabled (${stack.auditDisabledReason})`}`,
      `  events:    ${stack.eventsPoller ? `stream poller -> functions/events/handler.ts -> ${stack.eventsFile} (one JSON event per line)` : 'disabled'}`,
      '  tokens:    TOKEN=$(npm run --silent token -- --sub alice --roles ops)',
      `             curl -H "Authorization: Bearer $TOKEN" ${stack.apiUrl}/v1/contracts`,
      '             roles: ops, approver, finance, admin, advertiser (with --advertiser ID)',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

if (!legacyCiphersAvailable() && !process.execArgv.includes('--openssl-legacy-provider')) {
  rerunWithLegacyProvider();
} else {
  main().catch((error: unknown) => {
    console.error('[local] the local stack failed to start:', error);
    process.exit(1);
  });
}
