/**
 * `LoopFunction`: the one way a Closeloop Lambda function is built, so every function gets the
 * same runtime, bundling, baked-in config, log group and least-privilege role. Adding a function
 * is `new LoopFunction(this, 'Triage', { name: 'triage', config, stage })` plus `bind*` calls.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { configEnvName } from '../shared/config/baked.ts';
import type { Config } from '../shared/config/schema.ts';
import { lambdaEsbuildOptions } from './bundling.ts';
import type { Stage } from './config.ts';
import { acknowledge } from './nag.ts';

/** The repository root: bundling's project root, where package-lock.json and functions/ live. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Lambda runtime of every function. Node 22 (not 24, the newest): the code is tested on Node 20/22
 * here and bundled for node22 (infra/bundling.ts); moving to NODEJS_24_X is this one line plus
 * dropping the AwsSolutions-L1 acknowledgement below.
 */
export const LAMBDA_RUNTIME = Runtime.NODEJS_22_X;

export const LOG_RETENTION: Record<Stage, RetentionDays> = {
  dev: RetentionDays.ONE_MONTH,
  prod: RetentionDays.THREE_MONTHS,
};

export interface LoopFunctionProps {
  /** Folder under `functions/`; the entry is `functions/<name>/index.ts`, exporting `handler`. */
  readonly name: string;
  /** The validated config, baked into the bundle. */
  readonly config: Config;
  readonly stage: Stage;
  readonly description?: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /** Reserve (and so cap) concurrency, e.g. to protect a downstream. @default unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** Extra environment; prefer the `bind*` helpers, which also grant access. */
  readonly environment?: Record<string, string>;
  /** Emit source maps (and enable them at runtime). @default false */
  readonly sourceMap?: boolean;
}

/** Below the 128 KiB limit of one command-line argument (esbuild's --banner:js=...). */
const MAX_CONFIG_BANNER = 120_000;

/**
 * JS statement that puts the config into `process.env.CLOSELOOP_CONFIG_JSON` before any bundled
 * module runs. Not a Lambda environment variable: those are capped at 4 KB in total and the config
 * (calendars, routing, teams) outgrows that; the bundle takes far more (see below). It goes in
 * the banner rather than `define`, because `define` only rewrites the literal expression
 * `process.env.CLOSELOOP_CONFIG_JSON`, and `bakedConfig(env = process.env)` reads
 * `env.CLOSELOOP_CONFIG_JSON`, which esbuild cannot see through. Non-ASCII is escaped so the
 * banner survives any command line encoding. The banner reaches esbuild as one command-line
 * argument, which Linux caps at 128 KiB: the example config needs ~16 KB.
 */
export function configBanner(config: Config): string {
  const literal = JSON.stringify(JSON.stringify(config)).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const banner = `process.env.${configEnvName}=${literal};`;
  if (banner.length > MAX_CONFIG_BANNER) {
    throw new Error(
      `config is too large to bake into a function (${banner.length} > ${MAX_CONFIG_BANNER} characters once escaped)`,
    );
  }
  return banner;
}

export class LoopFunction extends NodejsFunction {
  /** The `functions/` folder this was built from. (The log group is the inherited `logGroup`.) */
  readonly functionFolder: string;

  constructor(scope: Construct, id: string, props: LoopFunctionProps) {
    const entry = join(repoRoot, 'functions', props.name, 'index.ts');
    if (!existsSync(entry)) throw new Error(`LoopFunction ${id}: no entry at ${entry}`);
    const prod = props.stage === 'prod';

    // Explicit log group: retention is ours, not "never expire", and it is removed with a dev stack.
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: LOG_RETENTION[props.stage],
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // Own role instead of AWSLambdaBasicExecutionRole (logs:* on every log group): write to this
    // function's log group only. `bind*` helpers add the data access.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Closeloop ${props.name} function (${props.stage})`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    const sourceMap = props.sourceMap ?? false;
    super(scope, id, {
      entry,
      handler: 'handler',
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      // Lambda's own segments (start, duration, errors) per invocation; no tracing SDK in the bundle.
      tracing: props.config.service.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup,
      role,
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'closeloop',
        CLOSELOOP_FUNCTION: props.name,
        CLOSELOOP_STAGE: props.stage,
        ...(sourceMap ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        ...props.environment,
      },
      bundling: {
        // Same esbuild options as bench/ (infra/bundling.ts): ESM for node22, minified, AWS SDK bundled.
        format: OutputFormat.ESM,
        target: lambdaEsbuildOptions.target,
        minify: lambdaEsbuildOptions.minify,
        mainFields: [...lambdaEsbuildOptions.mainFields],
        // createRequire for CommonJS dependencies, then the config (see configBanner).
        banner: `${lambdaEsbuildOptions.banner.js}${configBanner(props.config)}`,
        externalModules: [...lambdaEsbuildOptions.external],
        esbuildArgs: Object.fromEntries(
          Object.entries(lambdaEsbuildOptions.alias).map(([from, to]) => [`--alias:${from}`, to]),
        ),
        sourceMap,
        // Local esbuild from node_modules; never fall back to Docker.
        forceDockerBundling: false,
      },
    });
    this.functionFolder = props.name;
    acknowledge(
      this,
      'AwsSolutions-L1',
      'Node.js 22 is pinned on purpose: it is a supported Lambda runtime (not deprecated), the ' +
        'bundles target node22 and the code is tested on it; the upgrade to nodejs24.x is a ' +
        'deliberate one-line change of LAMBDA_RUNTIME, not an automatic one.',
    );
    if (props.config.service.tracing) {
      acknowledge(
        role,
        'AwsSolutions-IAM5[Resource::*]',
        'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which X-Ray only ' +
          'grants on every resource; the bind* grants of this role name their resources.',
      );
    }
  }
}
