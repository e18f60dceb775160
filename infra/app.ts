/**
 * The CDK app: `npx cdk synth|deploy [-c stage=dev|prod] [-c config=PATH]`.
 * Stacks `Closeloop-<stage>-Edge` (WAF, us-east-1), `-Stateful` (data), `-Stateless` (API, functions): infra/stacks.ts.
 */
import { App, Tags } from 'aws-cdk-lib';
import { loadAppConfig } from './config.ts';
import { addNagChecks } from './nag.ts';
import { closeloopStacks } from './stacks.ts';

const app = new App();
const { config, stage } = loadAppConfig(app);

// Pinned to the CLI's account/region when it knows them, environment-agnostic otherwise (offline synth).
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const env = account && region ? { account, region } : undefined;

closeloopStacks(app, { stage, config, ...(env ? { env } : {}) });

Tags.of(app).add('app', 'closeloop');
Tags.of(app).add('closeloop:stage', stage);

addNagChecks(app);
app.synth();
