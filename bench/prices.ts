/**
 * The one list of prices the cost bench (bench/cost.ts) uses: AWS list prices of **us-east-1**, as
 * AWS's pricing pages gave them in 2025 (DynamoDB on-demand after its November 2024 cut), free
 * tiers ignored. No live lookup was possible where this was written: check them against the pages
 * before relying on a figure. Other regions (Tokyo) cost somewhat more. docs/deploy.md#cost-per-1m-feedback
 * prints the result.
 */
export const prices = {
  region: 'us-east-1',
  asOf: '2025 list prices',
  apiGatewayHttpPerMillion: 1.0,
  /**
   * WAF on the CloudFront distribution, per request: left out of the figure with CloudFront (it
   * sees every page view of the widget), reported for the API's own requests.
   */
  wafPerMillionRequests: 0.6,
  sesPer1000Emails: 0.1,
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamoPerMillionWru: 0.625,
  dynamoPerMillionRru: 0.125,
  /** GetRecords by the Pipe; the relay's (a Lambda event source) are free. */
  streamsPerMillionReads: 0.2,
  sqsPerMillionRequests: 0.4,
  eventBridgePerMillionEvents: 1.0,
  pipesPerMillionRequests: 0.4,
  logsPerGbIngested: 0.5,
  secretsManagerPer10kCalls: 0.05,
} as const;

/**
 * What the bench cannot count, so it assumes (docs/deploy.md says so): billed milliseconds per
 * invocation, the memory each function has (infra/function.ts: 512 MB unless a stack says
 * otherwise), and Lambda's own START / END / REPORT log lines per invocation.
 */
export const assumptions = {
  memoryGb: 0.5,
  /** Per request (ingest, cases), per message (triage, notify: one SES call each), per batch (relay). */
  billedMs: { ingest: 60, cases: 80, triage: 50, relay: 100, notify: 200 },
  platformLogBytesPerInvocation: 350,
} as const;
