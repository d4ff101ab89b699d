/**
 * The billing workflow on one machine: the state machine CDK synthesizes, executed by
 * aws-local-stepfunctions with its Lambda tasks mapped (by state name) to the real handlers.
 *
 * 1. Synthesize the app in-process with placeholder Lambda code (no bundling), once per process,
 *    and take the billing state machine's `DefinitionString` from the service stack's template.
 * 2. Resolve its intrinsics (Fn::Join, Ref AWS::Partition, Fn::GetAtt, Fn::ImportValue) into
 *    plain ASL (asl-resolver.ts) and validate it with asl-validator.
 * 3. Translate ONLY the Distributed Map state, which aws-local-stepfunctions does not implement:
 *    it becomes a Task state (same name, Next/End, Retry, Catch, ResultSelector/ResultPath) whose
 *    local handler reads the items its ItemReader names (the plan, from s3rver) and runs the SAME
 *    ItemProcessor as an inline Map with the same ItemSelector and MaxConcurrency. A tolerated
 *    failure (ToleratedFailurePercentage / ToleratedFailureCount) is translated too: each
 *    processor task gets a catch-all into a marker state, so a failed item ends as a marker
 *    instead of failing the inline Map, and the Map fails with
 *    `States.ExceedToleratedFailureThreshold` only when the markers exceed the tolerance, as in
 *    AWS. Every other state runs as synthesized.
 * 4. Retry pauses are shortened locally (retryIntervalOverrides); everything else is as in AWS.
 *
 * A `lambda:invoke` task's local handler receives `{ FunctionName, Payload }` and returns
 * `{ Payload }`, the shape the synthesized ResultSelectors expect. A handler's error is thrown
 * with its own name and a Lambda-style JSON cause, as Step Functions reports Lambda errors.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import validateAsl from 'asl-validator';
import type { StateMachine as LocalStateMachine } from 'aws-local-stepfunctions';
import { BILLING_STATE, BILLING_TASK_FOLDERS, type BillingTaskState } from '../../infra/constructs/billing-workflow';
import { defineStacks } from '../../infra/stacks';
import { statefulExportNames } from '../../infra/stacks/stateful-refs';
import { executionNameOf, type RunExecutionInput } from '../../shared/domain/billing-runs/run';
import type { BillingWorkflowStarter } from '../../shared/adapters/workflow/billing-workflow';
import { useLocalBillingWorkflow } from '../../functions/runtime/workflow';
import { resolveDefinition, type AslDefinition, type AslState } from './asl-resolver';
import { lambdaContext } from './lambda-context';
import { LOCAL_S3_CREDENTIALS } from './s3-local';
import type { LocalStackAttachment } from './local-stack';

/** An execution event of aws-local-stepfunctions (its type is not exported by name). */
export type EventLog = ReturnType<LocalStateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

// aws-local-stepfunctions 3 uses Promise.withResolvers (Node >= 22); Node 20 lacks it.
installPromiseWithResolvers();

export function installPromiseWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: () => unknown };
  if (typeof P.withResolvers === 'function') return;
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const LOCAL_STAGE = 'local';
const LOCAL_REGION = 'us-east-1';
const LOCAL_ACCOUNT = '000000000000';
const functionArnOf = (logicalId: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;

// --- 1. Synthesis (once per process) ---------------------------------------------------------

export interface SynthesizedBillingWorkflow {
  /** The `DefinitionString` exactly as in the template (intrinsics unresolved). */
  definitionString: unknown;
  /** Task state -> logical id of the function it invokes. */
  functionLogicalIds: Record<BillingTaskState, string>;
  /** Named export through which the service stack imports the exports bucket. */
  exportsBucketImport: string;
}

let synthesized: Promise<SynthesizedBillingWorkflow> | undefined;

export function synthesizeBillingWorkflow(): Promise<SynthesizedBillingWorkflow> {
  synthesized ??= Promise.resolve().then(() => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-local-workflow-'));
    try {
      const app = new App({ outdir });
      const { service } = defineStacks(app, {
        stage: LOCAL_STAGE,
        // An external issuer: no user pool to synthesize, nothing the workflow needs.
        auth: { kind: 'issuer', issuer: 'https://issuer.local.invalid', audience: ['local'], scope: 'local/api' },
        approvalThresholds: {},
        lambdaCode: 'placeholder',
        auditArchiveRetention: Duration.days(1),
      });
      const workflow = service.billingWorkflow;
      const template = app.synth().getStackArtifact(service.artifactId).template as {
        Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
      };
      const logicalId = (element: unknown) => Stack.of(service).getLogicalId(element as CfnElement);
      const machine = template.Resources[logicalId(workflow.stateMachine.node.defaultChild)];
      if (!machine?.Properties?.DefinitionString) throw new Error('the synthesized service stack has no billing state machine definition');
      const functionLogicalIds = Object.fromEntries(
        (Object.keys(BILLING_TASK_FOLDERS) as BillingTaskState[]).map((state) => [state, logicalId(workflow.functions[state].node.defaultChild)]),
      ) as Record<BillingTaskState, string>;
      return {
        definitionString: machine.Properties.DefinitionString,
        functionLogicalIds,
        exportsBucketImport: statefulExportNames(LOCAL_STAGE).exportsBucketName,
      };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
  return synthesized;
}

// --- 2. Resolution and validation ------------------------------------------------------------

export function resolveBillingDefinition(synth: SynthesizedBillingWorkflow, exportsBucket: string): AslDefinition {
  const asl = resolveDefinition(synth.definitionString, {
    region: LOCAL_REGION,
    account: LOCAL_ACCOUNT,
    ref: (id) => id,
    getAtt: (id, attribute) => {
      if (attribute !== 'Arn') throw new Error(`unexpected Fn::GetAtt ${id}.${attribute} in the billing definition`);
      return functionArnOf(id);
    },
    importValue: (name) => {
      if (name === synth.exportsBucketImport) return exportsBucket;
      throw new Error(`the billing definition imports ${name}, which the local executor does not provide`);
    },
  });
  const result = validateAsl(structuredClone(asl));
  if (!result.isValid) throw new Error(`the synthesized billing definition is not valid ASL: ${result.errorsText('; ')}`);
  return asl;
}

// --- 3. The Distributed Map translation ------------------------------------------------------

/** The field of the inline Map's input that carries the items read from S3. */
export const LOCAL_ITEMS_FIELD = 'localDistributedMapItems';
/** The state a failed item is caught into when failures are tolerated, and the field marking its output. */
export const LOCAL_ITEM_FAILED_STATE = 'LocalDistributedMapItemFailed';
export const LOCAL_ITEM_FAILED_FIELD = 'localDistributedMapItemFailed';

export interface TranslatedDefinition {
  asl: AslDefinition;
  /** The Distributed Map states replaced by Task states, by name, as synthesized. */
  distributedMaps: Record<string, AslState>;
}

const isDistributedMap = (state: AslState) =>
  state.Type === 'Map' && (state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined)?.ProcessorConfig?.Mode === 'DISTRIBUTED';

/** The fields a Map shares with a Task state, kept as they are by the translation. */
const KEPT_FIELDS = ['Next', 'End', 'Retry', 'Catch', 'InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Comment'] as const;

/** Replaces each top-level Distributed Map with a Task state of the same name; nothing else changes. */
export function translateDistributedMaps(asl: AslDefinition): TranslatedDefinition {
  const translated = structuredClone(asl);
  const distributedMaps: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(translated.States)) {
    if (!isDistributedMap(state)) continue;
    if (state.ItemBatcher || state.ResultWriter || state.ItemsPath || state.Items || state.ToleratedFailurePercentagePath || state.ToleratedFailureCountPath) {
      throw new Error(`Distributed Map ${name}: ItemBatcher, ResultWriter, ItemsPath and tolerated-failure paths are not translated locally`);
    }
    distributedMaps[name] = state;
    const task: AslState = {
      Type: 'Task',
      Resource: functionArnOf(`local-distributed-map-${name}`),
      // The whole map is one local task: give it the machine's time, not the 60 s task default.
      TimeoutSeconds: asl.TimeoutSeconds ?? 3600,
    };
    for (const field of KEPT_FIELDS) if (field in state) task[field] = state[field];
    translated.States[name] = task;
  }
  return { asl: translated, distributedMaps };
}

const toleratesFailures = (state: AslState) => Number(state.ToleratedFailurePercentage ?? 0) > 0 || Number(state.ToleratedFailureCount ?? 0) > 0;

/**
 * Whether `failed` of `total` items fail the Map, as AWS decides: above the percentage or above
 * the count; with neither field, any failure does.
 */
export function exceedsTolerance(state: AslState, total: number, failed: number): boolean {
  if (failed === 0) return false;
  if (!toleratesFailures(state)) return true;
  const percentage = state.ToleratedFailurePercentage as number | undefined;
  const count = state.ToleratedFailureCount as number | undefined;
  const overPercentage = percentage !== undefined && (failed * 100) / total > percentage;
  const overCount = count !== undefined && failed > count;
  // When both are given the Map fails once either threshold is crossed.
  if (percentage !== undefined && count !== undefined) return overPercentage || overCount;
  return percentage !== undefined ? overPercentage : overCount;
}

/** Every processor task catches any error into the marker state: the item ends instead of failing the Map. */
function withItemFailuresCaught(processor: Record<string, unknown>): Record<string, unknown> {
  const states = structuredClone(processor.States) as Record<string, AslState>;
  if (LOCAL_ITEM_FAILED_STATE in states) throw new Error(`the item processor already has a state named ${LOCAL_ITEM_FAILED_STATE}`);
  for (const state of Object.values(states)) {
    if (state.Type !== 'Task') continue;
    const own = (state.Catch as unknown[] | undefined) ?? [];
    // No ResultPath: the error object replaces the item's input, as ASL's default says.
    state.Catch = [...own, { ErrorEquals: ['States.ALL'], Next: LOCAL_ITEM_FAILED_STATE }];
  }
  // The caught error ({ Error, Cause }) passes through, marked.
  states[LOCAL_ITEM_FAILED_STATE] = { Type: 'Pass', Result: true, ResultPath: `$.${LOCAL_ITEM_FAILED_FIELD}`, End: true };
  return { ...processor, States: states };
}

export const isFailedItem = (output: unknown): boolean =>
  output !== null && typeof output === 'object' && (output as Record<string, unknown>)[LOCAL_ITEM_FAILED_FIELD] === true;

/** The inline Map that runs a Distributed Map's ItemProcessor over items already read. */
export function inlineMapOf(name: string, state: AslState): AslDefinition {
  const { ProcessorConfig: _mode, ...synthesized } = state.ItemProcessor as Record<string, unknown>;
  const processor = toleratesFailures(state) ? withItemFailuresCaught(synthesized) : synthesized;
  const map: AslState = {
    Type: 'Map',
    ItemsPath: `$.${LOCAL_ITEMS_FIELD}`,
    ItemProcessor: processor,
    End: true,
  };
  if (state.ItemSelector) map.ItemSelector = state.ItemSelector;
  if (state.MaxConcurrency !== undefined) map.MaxConcurrency = state.MaxConcurrency;
  return { StartAt: name, States: { [name]: map } };
}

/** `$.a.b` paths (what CDK writes in ItemReader parameters); anything else is refused, not guessed. */
export function readPath(input: unknown, path: string): unknown {
  if (!/^\$(\.[A-Za-z_][\w-]*)*$/.test(path)) throw new Error(`unsupported JSONPath ${path} in a local ItemReader`);
  let value: unknown = input;
  for (const key of path.split('.').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The ItemReader's `Parameters` evaluated against the state input (`Key.$` paths). */
export function itemReaderLocation(state: AslState, input: unknown): { bucket: string; key: string; maxItems: number | undefined } {
  const reader = state.ItemReader as { Resource?: string; ReaderConfig?: { InputType?: string; MaxItems?: number }; Parameters?: Record<string, unknown> } | undefined;
  if (!reader?.Resource?.endsWith(':s3:getObject') || reader.ReaderConfig?.InputType !== 'JSON') {
    throw new Error('only an ItemReader of a JSON object (s3:getObject, InputType JSON) is translated locally');
  }
  const params: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(reader.Parameters ?? {})) {
    if (field.endsWith('.$')) params[field.slice(0, -2)] = readPath(input, String(value));
    else params[field] = value;
  }
  if (typeof params.Bucket !== 'string' || typeof params.Key !== 'string') throw new Error('the ItemReader names no Bucket and Key');
  return { bucket: params.Bucket, key: params.Key, maxItems: reader.ReaderConfig.MaxItems };
}

// --- 4. Execution ----------------------------------------------------------------------------

type TaskHandler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** The real task handlers, by state name (the state names are the construct ids). */
const TASK_HANDLERS = {
  [BILLING_STATE.PLAN]: () => import('../../functions/billing-run/plan/handler'),
  [BILLING_STATE.RATE_CONTRACT]: () => import('../../functions/billing-run/rate-contract/handler'),
  [BILLING_STATE.SUMMARIZE]: () => import('../../functions/billing-run/summarize/handler'),
  [BILLING_STATE.EXPORT]: () => import('../../functions/billing-run/export/handler'),
  [BILLING_STATE.COMPLETE]: () => import('../../functions/billing-run/complete/handler'),
  [BILLING_STATE.MARK_FAILED]: () => import('../../functions/billing-run/mark-failed/handler'),
} satisfies Record<BillingTaskState, () => Promise<{ handler: unknown }>>;

export interface TaskCall {
  state: BillingTaskState;
  payload: unknown;
  /** 1 for the first call of this state with this payload in the execution, 2 for its first retry, ... */
  attempt: number;
  runId: string;
}

export interface LocalWorkflowHooks {
  /**
   * Runs before each task handler, inside the task: throwing here is a failure of the task, as
   * a throttled DynamoDB call inside the Lambda would be (name the error as AWS does, e.g.
   * `ProvisionedThroughputExceededException`, and the state's Retry applies).
   */
  beforeTask?(call: TaskCall): void | Promise<void>;
}

export interface LocalExecution {
  runId: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { name: string; message: string };
  events: EventLog[];
  done: Promise<LocalExecution>;
}

export interface LocalBillingWorkflowOptions {
  exportsBucket: string;
  s3: S3Client;
  hooks?: LocalWorkflowHooks;
  /** Pause before a retry, in ms (AWS: 1 s with backoff and jitter). Default 10. */
  retryIntervalMs?: number;
  log?: (line: string) => void;
}

/** Lambda-style error for Step Functions: the thrown error's name, and a JSON cause like Lambda's. */
class LambdaTaskError extends Error {
  constructor(original: unknown) {
    const error = original instanceof Error ? original : new Error(String(original));
    super(JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [] }));
    this.name = error.name;
  }
}

export class LocalBillingWorkflow implements BillingWorkflowStarter {
  /** By execution name: the run id, or `<runId>_retry-<n>` for a retry. */
  private readonly executions = new Map<string, LocalExecution>();
  /** Each run's latest execution name. */
  private readonly latest = new Map<string, string>();
  private prepared: Promise<{ machine: LocalStateMachine; translated: TranslatedDefinition; functionArns: Record<string, string> }> | undefined;

  constructor(private readonly options: LocalBillingWorkflowOptions) {}

  /** Starts the execution in the background; a second start of the same execution name is a no-op, as in AWS. */
  async start(input: RunExecutionInput): Promise<void> {
    const name = executionNameOf(input);
    if (this.executions.has(name)) return;
    await this.prepare();
    if (this.executions.has(name)) return;
    this.executions.set(name, this.execute(input, name));
    this.latest.set(input.runId, name);
  }

  /** The run's latest execution (its retry, once one started). */
  execution(runId: string): LocalExecution | undefined {
    const name = this.latest.get(runId);
    return name === undefined ? undefined : this.executions.get(name);
  }

  /** Resolves when the run's latest execution has ended (whatever its outcome). */
  async waitFor(runId: string): Promise<LocalExecution> {
    const execution = this.execution(runId);
    if (!execution) throw new Error(`no local execution of run ${runId}`);
    return execution.done;
  }

  /** Waits for every execution started so far (used before stopping the local stack). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.executions.values()].map((e) => e.done));
  }

  private prepare() {
    this.prepared ??= (async () => {
      const synth = await synthesizeBillingWorkflow();
      const asl = resolveBillingDefinition(synth, this.options.exportsBucket);
      const translated = translateDistributedMaps(asl);
      const { StateMachine } = await import('aws-local-stepfunctions');
      const machine = new StateMachine(translated.asl as never, { validationOptions: { checkArn: false, checkPaths: false } });
      const functionArns = Object.fromEntries(Object.entries(synth.functionLogicalIds).map(([state, id]) => [state, functionArnOf(id)]));
      return { machine, translated, functionArns };
    })();
    return this.prepared;
  }

  private execute(input: RunExecutionInput, name: string): LocalExecution {
    const execution: LocalExecution = { runId: input.runId, status: 'RUNNING', events: [], done: undefined as never };
    execution.done = (async () => {
      const { machine, translated, functionArns } = await this.prepare();
      const attempts = new Map<string, number>();
      const taskResourceLocalHandlers: Record<string, (payload: never) => Promise<never>> = {};
      for (const state of Object.keys(TASK_HANDLERS) as BillingTaskState[]) {
        taskResourceLocalHandlers[state] = (async (call: { FunctionName?: string; Payload?: unknown }) => {
          if (call.FunctionName !== functionArns[state]) {
            throw new Error(`state ${state} invoked ${call.FunctionName}, expected ${functionArns[state]}`);
          }
          const attemptKey = `${state}\n${JSON.stringify(call.Payload)}`;
          const attempt = (attempts.get(attemptKey) ?? 0) + 1;
          attempts.set(attemptKey, attempt);
          try {
            await this.options.hooks?.beforeTask?.({ state, payload: call.Payload, attempt, runId: input.runId });
            const { handler } = (await TASK_HANDLERS[state]()) as { handler: TaskHandler };
            const payload = await handler(call.Payload, lambdaContext(`billing-run-${state}`, randomUUID(), 15 * 60_000));
            return { Payload: payload ?? null } as never;
          } catch (error) {
            throw new LambdaTaskError(error);
          }
        }) as never;
      }
      const retryIntervalOverrides: Record<string, number> = {};
      for (const name of stateNames(translated.asl)) retryIntervalOverrides[name] = this.options.retryIntervalMs ?? 10;
      const context = { Execution: { Id: `local:${name}`, Name: name } };
      const runOptions = { overrides: { taskResourceLocalHandlers, retryIntervalOverrides, waitTimeOverrides: {} }, context };

      for (const [name, state] of Object.entries(translated.distributedMaps)) {
        taskResourceLocalHandlers[name] = (async (mapInput: unknown) => this.runDistributedMap(name, state, mapInput, runOptions)) as never;
      }

      const run = machine.run(input as never, runOptions as never);
      const collecting = (async () => {
        for await (const event of run.eventLogs) execution.events.push(event);
      })();
      try {
        execution.output = await run.result;
        execution.status = 'SUCCEEDED';
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause ?? error;
        execution.status = 'FAILED';
        execution.error = { name: (cause as Error).name, message: (cause as Error).message };
        this.options.log?.(`billing run ${input.runId} failed: ${execution.error.name}: ${execution.error.message}`);
        // What the ExecutionEnded rule does in AWS: a run whose execution failed is failed too
        // (a no-op when MarkFailed already did it).
        try {
          const { handler } = (await TASK_HANDLERS[BILLING_STATE.MARK_FAILED]()) as { handler: TaskHandler };
          // The rule passes the execution's name, as here.
          await handler(
            { runId: name, error: { Error: 'States.ExecutionFAILED', Cause: 'the execution ended without succeeding' } },
            lambdaContext('billing-run-execution-ended', randomUUID(), 60_000),
          );
        } catch (error) {
          this.options.log?.(`billing run ${input.runId}: marking it failed after its execution failed did not work: ${(error as Error).message}`);
        }
      }
      await collecting.catch(() => undefined);
      return execution;
    })();
    return execution;
  }

  /** The translated Distributed Map: items from the ItemReader's object, the same ItemProcessor inline. */
  private async runDistributedMap(name: string, state: AslState, input: unknown, runOptions: object): Promise<unknown> {
    const { bucket, key, maxItems } = itemReaderLocation(state, input);
    const object = await this.options.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const items: unknown = JSON.parse((await object.Body?.transformToString()) ?? 'null');
    if (!Array.isArray(items)) throw Object.assign(new Error(`${key} is not a JSON array`), { name: 'States.ItemReaderFailed' });
    const { StateMachine } = await import('aws-local-stepfunctions');
    const inline = new StateMachine(inlineMapOf(name, state) as never, { validationOptions: { noValidate: true } });
    const base = input !== null && typeof input === 'object' && !Array.isArray(input) ? input : {};
    const selected = maxItems ? items.slice(0, maxItems) : items;
    let outputs: unknown[];
    try {
      outputs = (await inline.run({ ...base, [LOCAL_ITEMS_FIELD]: selected } as never, runOptions as never).result) as unknown[];
    } catch (error) {
      // As the inline Map does: fail with the iteration's own error, not the wrapper's.
      throw (error as { cause?: unknown }).cause ?? error;
    }
    const failed = outputs.filter(isFailedItem).length;
    if (exceedsTolerance(state, selected.length, failed)) {
      throw Object.assign(new Error(`${failed} of ${selected.length} items failed, more than the Map tolerates`), { name: 'States.ExceedToleratedFailureThreshold' });
    }
    return outputs.filter((output) => !isFailedItem(output));
  }
}

/** Every state name in a definition, nested ones (Map processors, Parallel branches) included. */
export function stateNames(asl: { States: Record<string, AslState> }): string[] {
  const names: string[] = [];
  for (const [name, state] of Object.entries(asl.States)) {
    names.push(name);
    const processor = (state.ItemProcessor ?? state.Iterator) as { States?: Record<string, AslState> } | undefined;
    if (processor?.States) names.push(...stateNames({ States: processor.States }));
    for (const branch of (state.Branches as { States: Record<string, AslState> }[] | undefined) ?? []) names.push(...stateNames(branch));
  }
  return names;
}

/** The S3 client the local executor reads plans with (s3rver, path style). */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({ region: LOCAL_REGION, endpoint, forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
}

/**
 * For the local stack's `attach` option: builds the executor on the stack's exports bucket and
 * registers it as THE billing workflow of this process (functions/runtime/workflow.ts).
 */
export const attachLocalBillingWorkflow: LocalStackAttachment = async (environment) => {
  const s3 = localS3Client(environment.endpoints.s3);
  const workflow = new LocalBillingWorkflow({ exportsBucket: environment.buckets.exports, s3, log: environment.log });
  useLocalBillingWorkflow(workflow);
  environment.log('billing runs: the synthesized state machine on aws-local-stepfunctions (Distributed Map run inline)');
  // Synthesis takes a few seconds: do it now, in the background, rather than on the first run.
  synthesizeBillingWorkflow().then(
    () => environment.log('billing runs: state machine synthesized and resolved'),
    (error: unknown) => environment.log(`billing runs: synthesis failed: ${(error as Error).message}`),
  );
  return async () => {
    await workflow.settle();
    useLocalBillingWorkflow(undefined);
    s3.destroy();
  };
};
