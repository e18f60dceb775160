/**
 * The CDK app: `npx cdk synth|deploy [-c stage=dev|prod] [-c config=PATH]`.
 * Stacks `Closeloop-<stage>-Stateful` (data) and `Closeloop-<stage>-Stateless` (API, functions).
 */
import { App, Tags } from 'aws-cdk-lib';
import { loadAppConfig } from './config.ts';
import { addNagChecks } from './nag.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

const app = new App();
const { config, stage } = loadAppConfig(app);

// Pinned to the CLI's account/region when it knows them, environment-agnostic otherwise (offline synth).
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const env = account && region ? { account, region } : undefined;

const stateful = new StatefulStack(app, `Closeloop-${stage}-Stateful`, {
  env,
  stage,
  senderEmail: config.service.senderEmail,
  teamIds: config.teams.map((t) => t.id),
  description: `Closeloop (${stage}): table, queues with DLQs, event bus, stream pipe, SES, link secret`,
  terminationProtection: stage === 'prod',
});
new StatelessStack(app, `Closeloop-${stage}-Stateless`, {
  env,
  stage,
  config,
  data: stateful,
  description: `Closeloop (${stage}): HTTP API and functions`,
});

Tags.of(app).add('app', 'closeloop');
Tags.of(app).add('closeloop:stage', stage);

addNagChecks(app);
app.synth();
