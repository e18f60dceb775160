/**
 * The three stacks of one stage and their order: `Closeloop-<stage>-Edge` (us-east-1: the WAF web
 * ACL for CloudFront), `-Stateful` (data) and `-Stateless` (API, functions, CloudFront), which
 * reads the edge stack's web ACL ARN at deploy time and so deploys after it.
 */
import type { Environment } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Config } from '../shared/config/schema.ts';
import { deliveryRoutes } from '../shared/domain/webhooks.ts';
import type { Stage } from './config.ts';
import { EDGE_REGION, EdgeStack } from './edge-stack.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface CloseloopStacks {
  edge: EdgeStack;
  stateful: StatefulStack;
  stateless: StatelessStack;
}

export function closeloopStacks(
  scope: Construct,
  { stage, config, env }: { stage: Stage; config: Config; env?: Environment },
): CloseloopStacks {
  const edge = new EdgeStack(scope, `Closeloop-${stage}-Edge`, {
    env: { ...(env?.account ? { account: env.account } : {}), region: EDGE_REGION },
    stage,
    config,
    description: `Closeloop (${stage}): WAF web ACL of the CloudFront distribution (rate limits)`,
  });
  const stateful = new StatefulStack(scope, `Closeloop-${stage}-Stateful`, {
    env,
    stage,
    senderEmail: config.service.senderEmail,
    teamIds: config.teams.map((t) => t.id),
    siteIds: config.sites.map((s) => s.id),
    webhookRoutes: deliveryRoutes(config),
    description: `Closeloop (${stage}): table, queues with DLQs, event bus, stream pipe, SES, secrets`,
    terminationProtection: stage === 'prod',
  });
  const stateless = new StatelessStack(scope, `Closeloop-${stage}-Stateless`, {
    env,
    stage,
    config,
    data: stateful,
    description: `Closeloop (${stage}): HTTP API, functions and CloudFront`,
  });
  stateless.addStackDependency(edge, 'reads the web ACL ARN the edge stack publishes');
  return { edge, stateful, stateless };
}
