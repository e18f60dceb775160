/**
 * The edge: a WAF web ACL for the CloudFront distribution, with the per-client and per-key rate
 * rules on the public intake (`config.intake.limits`; the local stack's HTTP front applies the same
 * rules, infra/local/intake-limits.ts). CloudFront takes only web ACLs of scope CLOUDFRONT, which
 * live in us-east-1, so this stack is pinned there; it publishes the ACL's ARN as an SSM parameter
 * that the stateless stack reads back at deploy time (infra/web-hosting.ts), which keeps synth
 * environment-agnostic (no cross-region references, which need a known account).
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { Config } from '../shared/config/schema.ts';
import { SERVER_KEY_HEADER } from '../shared/http.ts';
import type { Stage } from './config.ts';

/** Where WAF web ACLs for CloudFront must be. */
export const EDGE_REGION = 'us-east-1';

/** The SSM parameter (in us-east-1) holding the web ACL's ARN. */
export const webAclParameterName = (stage: Stage) => `/closeloop/${stage}/edge/web-acl-arn`;

/**
 * The public routes the rate rules guard: the widget's intake, the shop backend's journey events,
 * and the survey pages, whose poster answers anyone may send (every request under `/s/` counts, as
 * the local front counts them).
 */
export const PUBLIC_INTAKE_PATHS = [
  '/v1/feedback',
  '/v1/impressions',
  '/v1/events',
  '/s/',
  '/known-issues/',
] as const;

/** The 429 every rate rule answers: the local front's body and `Retry-After`. */
const RATE_LIMITED_BODY = 'rate-limited';
export const RATE_LIMITED_RETRY_AFTER_SECONDS = 60;

export interface EdgeStackProps extends StackProps {
  readonly stage: Stage;
  readonly config: Config;
}

export class EdgeStack extends Stack {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const prefix = `closeloop-${props.stage}`;
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `${prefix}-edge`,
      description: 'Closeloop rate limits on the public intake, per client and per server key',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      customResponseBodies: {
        [RATE_LIMITED_BODY]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({ error: 'rate_limited', message: 'too many requests; retry later' }),
        },
      },
      rules: intakeRateRules(props.config.intake.limits, prefix),
      visibilityConfig: visibility(`${prefix}-edge`),
    });
    new StringParameter(this, 'WebAclArn', {
      parameterName: webAclParameterName(props.stage),
      description: `Closeloop ${props.stage}: ARN of the CloudFront web ACL (read by the stateless stack)`,
      stringValue: this.webAcl.attrArn,
    });
  }
}

/**
 * The rate rules, each over a one-minute window:
 * - `per-client`: public-key requests (no `X-Server-Key`) per client IP, `perClientPerMinute`.
 * - `per-server-key`: server-key requests per key value, `serverPerSitePerMinute` (a site has one
 *   key, two during a rotation).
 * - `server-key-per-client`: server-key requests per client IP at the same quota, so made-up keys
 *   (which WAF cannot tell from real ones) do not lift a client above it; each is refused 401 by
 *   ingest and stores nothing.
 */
export function intakeRateRules(
  limits: Config['intake']['limits'],
  prefix: string,
): CfnWebACL.RuleProperty[] {
  const onIntake: CfnWebACL.StatementProperty = anyOf(
    PUBLIC_INTAKE_PATHS.map((path) => ({
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'STARTS_WITH',
        searchString: path,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    })),
  );
  const hasServerKey: CfnWebACL.StatementProperty = {
    sizeConstraintStatement: {
      fieldToMatch: { singleHeader: { Name: SERVER_KEY_HEADER } },
      comparisonOperator: 'GT',
      size: 0,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
  const rule = (
    name: string,
    priority: number,
    limit: number,
    scopeDown: CfnWebACL.StatementProperty,
    key: Pick<CfnWebACL.RateBasedStatementProperty, 'aggregateKeyType' | 'customKeys'>,
  ): CfnWebACL.RuleProperty => ({
    name,
    priority,
    action: {
      block: {
        customResponse: {
          responseCode: 429,
          customResponseBodyKey: RATE_LIMITED_BODY,
          responseHeaders: [{ name: 'retry-after', value: String(RATE_LIMITED_RETRY_AFTER_SECONDS) }],
        },
      },
    },
    statement: {
      rateBasedStatement: { limit, evaluationWindowSec: 60, scopeDownStatement: scopeDown, ...key },
    },
    visibilityConfig: visibility(`${prefix}-${name}`),
  });
  return [
    rule(
      'per-client',
      0,
      limits.perClientPerMinute,
      allOf([onIntake, { notStatement: { statement: hasServerKey } }]),
      {
        aggregateKeyType: 'IP',
      },
    ),
    rule('per-server-key', 1, limits.serverPerSitePerMinute, allOf([onIntake, hasServerKey]), {
      aggregateKeyType: 'CUSTOM_KEYS',
      customKeys: [
        { header: { name: SERVER_KEY_HEADER, textTransformations: [{ priority: 0, type: 'NONE' }] } },
      ],
    }),
    rule('server-key-per-client', 2, limits.serverPerSitePerMinute, allOf([onIntake, hasServerKey]), {
      aggregateKeyType: 'IP',
    }),
  ];
}

const anyOf = (statements: CfnWebACL.StatementProperty[]): CfnWebACL.StatementProperty =>
  statements.length === 1 ? (statements[0] as CfnWebACL.StatementProperty) : { orStatement: { statements } };
const allOf = (statements: CfnWebACL.StatementProperty[]): CfnWebACL.StatementProperty => ({
  andStatement: { statements },
});
const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});
