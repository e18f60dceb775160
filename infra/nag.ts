/**
 * cdk-nag 3.x (AWS Solutions pack) runs as a CDK policy-validation plugin: any finding that is not
 * acknowledged fails `cdk synth` (report in cdk.out/policy-validation-report.json). Findings are
 * acknowledged next to the resource they concern, through `acknowledge` below, each with its reason.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Registers the AWS Solutions rule pack on the whole app (call once, on the App). */
export function addNagChecks(app: IConstruct): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

/** Plugin namespace of the AWS Solutions pack in CDK validation ids (`AwsSolutions::<rule>`). */
const NAMESPACE = 'AwsSolutions';

/**
 * Acknowledges one cdk-nag finding on `scope` and its children. `ruleId` is the rule, e.g.
 * `AwsSolutions-APIG4`, or for granular findings the rule with its finding, e.g.
 * `AwsSolutions-IAM5[Resource::*]` (v3 has no prefix matching: each finding is named).
 * The id is qualified as `AwsSolutions::<ruleId>`, so the finding is filtered by CDK itself and
 * listed, with this reason, under `suppressedViolations` in cdk.out/validation-report.json (the
 * unqualified form is dropped silently by cdk-nag and leaves no audit trail in the report).
 */
export function acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
  if (reason.trim().length < 30) throw new Error(`cdk-nag acknowledgement ${ruleId} needs a specific reason`);
  const id = ruleId.startsWith(`${NAMESPACE}::`) ? ruleId : `${NAMESPACE}::${ruleId}`;
  Validations.of(scope).acknowledge({ id, reason });
}
