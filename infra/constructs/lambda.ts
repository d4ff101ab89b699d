/**
 * The one way this app makes a Lambda function, so every function gets the same runtime,
 * architecture, bundling, logging, tracing and base environment.
 *
 * Bundling choice: the AWS SDK v3 is bundled (no externals) rather than taken from the runtime.
 * The bundle then runs exactly the SDK versions package-lock.json pins (the ones the tests ran
 * against), esbuild tree-shakes it to the commands actually used, and one ESM file loads faster
 * at cold start than the runtime's full SDK from node_modules.
 *
 * Code splitting: what a handler imports lazily (`await import()`: PDFs, exports, the S3 client
 * and presigner, the OpenAPI document) is written to `chunks/` beside `index.mjs`, so a cold
 * start reads and compiles only what every request may need. esbuild splits only with an
 * output folder, which NodejsFunction does not offer (it writes one file), so the asset is
 * bundled here, in-process, with the same esbuild the repository pins.
 */
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { buildSync, type BuildOptions } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../functions/runtime/config';
import type { LambdaCodeMode } from '../config';
import { RESOURCE_STAR_ACK } from './acknowledgements';

/** The repository root: entries and the lock file are resolved from here, not from the cwd. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const LAMBDA_ARCHITECTURE = lambda.Architecture.ARM_64;
export const LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

/**
 * ESM bundles have no `require`; some bundled CommonJS dependencies still call it for Node
 * built-ins, so the banner defines one from the module's own URL.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** Variables every function gets; the names are those functions/runtime/config.ts validates. */
export type FunctionEnvironment = Partial<Record<keyof Config, string>>;

export interface LambdaFactoryProps {
  code: LambdaCodeMode;
  environment: FunctionEnvironment;
  /** Added to every function's `POWERTOOLS_SERVICE_NAME` / description. */
  serviceName: string;
}

export interface FunctionSpec {
  /** Folder under functions/, the entry is functions/<folder>/handler.ts. */
  folder: string;
  description: string;
  timeout?: Duration;
  memorySize?: number;
  environment?: FunctionEnvironment;
}

/** Path of a function folder's entry, relative to the repository root. */
export const entryOf = (folder: string) => join('functions', folder, 'handler.ts');

export class LambdaFactory {
  /** Function folders made so far, e.g. to check that every entry exists before bundling. */
  readonly folders: string[] = [];

  constructor(private readonly props: LambdaFactoryProps) {}

  create(scope: Construct, id: string, spec: FunctionSpec): lambda.Function {
    this.folders.push(spec.folder);
    // An explicit log group with a retention, written to by a role that can do nothing else
    // by default: no AWSLambdaBasicExecutionRole (account-wide logs:* on every log group).
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${this.props.serviceName} ${spec.folder}: ${spec.description}`.slice(0, 1000),
    });
    logGroup.grantWrite(role);

    const common = {
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      description: spec.description,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      timeout: spec.timeout ?? Duration.seconds(10),
      memorySize: spec.memorySize ?? 512,
      environment: {
        ...this.props.environment,
        ...spec.environment,
        POWERTOOLS_SERVICE_NAME: `${this.props.serviceName}-${spec.folder}`,
      },
    } satisfies Partial<lambda.FunctionProps>;

    const fn = new lambda.Function(scope, id, { ...common, ...(this.props.code === 'bundle' ? bundled(spec.folder) : placeholder(spec.folder)) });

    // The role's default policy carries the X-Ray statement Lambda needs for active tracing.
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge(RESOURCE_STAR_ACK);
    }
    return fn;
  }
}

function bundled(folder: string): Pick<lambda.FunctionProps, 'code' | 'handler'> {
  const entry = join(PROJECT_ROOT, entryOf(folder));
  if (!existsSync(entry)) {
    throw new Error(`Lambda entry ${entryOf(folder)} does not exist; synthesize with context bundle=false to use placeholders`);
  }
  return {
    // The asset's hash is that of the bundle (OUTPUT): the project folder itself is never copied.
    code: lambda.Code.fromAsset(PROJECT_ROOT, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // CDK caches staged assets by their source folder and bundling options serialized as
        // JSON, in which the local bundler (a function) does not appear: the entry and the
        // options must, or every function of the app would be given the first one's bundle.
        environment: { LAMBDA_ENTRY: entryOf(folder), LAMBDA_BUNDLING: JSON.stringify(LAMBDA_BUNDLING) },
        // Never pulled: local bundling always succeeds or throws (no Docker on build machines).
        image: DockerImage.fromRegistry('local-esbuild-only'),
        local: {
          tryBundle(outputDir: string): boolean {
            buildSync({ ...LAMBDA_BUNDLING, entryPoints: { index: entry }, outdir: outputDir });
            return true;
          },
        },
      },
    }),
    handler: 'index.handler',
  };
}

/**
 * How every function is bundled (esbuild options, all but the entry and the output folder);
 * exported so the cold-start benchmark bundles alike. The entry is written as `index.mjs`, the
 * lazily imported modules and the code they share with it as `chunks/*.mjs`.
 */
export const LAMBDA_BUNDLING = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  // The syntax floor is Node 22, so the same bundle runs on nodejs22.x and nodejs24.x.
  target: 'node22',
  minify: true,
  sourcemap: false,
  external: [],
  tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
  logLevel: 'warning',
} as const satisfies BuildOptions;

function placeholder(folder: string): Pick<lambda.FunctionProps, 'code' | 'handler'> {
  return {
    code: lambda.Code.fromInline(
      `exports.handler = async () => { throw new Error('functions/${folder} was synthesized without bundling'); };`,
    ),
    handler: 'index.handler',
  };
}
