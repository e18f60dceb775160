/**
 * Staff identities (docs/deploy.md#staff-users): a Cognito user pool whose usernames are the
 * config's member ids and whose groups are the team ids plus `admin`, and one app client for the
 * API / console. The HTTP API's JWT authorizer (stateless stack) accepts this pool's tokens for
 * this client on every staff route; functions/cases reads `cognito:groups` for object-level
 * authorization. Users are created by an operator (no self sign-up), e.g.
 * `aws cognito-idp admin-create-user --user-pool-id <id> --username tanaka --user-attributes Name=email,Value=…`
 * then `admin-add-user-to-group --group-name orders`.
 *
 * In the stateful stack: the pool holds the staff accounts and their MFA devices, which must
 * survive replacing the functions.
 */
import { CfnOutput, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { adminGroup } from '../shared/auth/principal.ts';

export interface StaffAuthProps {
  readonly prefix: string;
  /** Team ids (config `teams[].id`): one group each, plus `admin`. */
  readonly teamIds: readonly string[];
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
}

export class StaffAuth extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** Group names: the team ids and `admin`. */
  readonly groupNames: string[];

  constructor(scope: Construct, id: string, props: StaffAuthProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `${props.prefix}-staff`,
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      autoVerify: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // cdk-nag COG1: long passwords with every character class.
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // cdk-nag COG2: MFA for every staff member, by authenticator app (no SMS role to manage).
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      // cdk-nag COG8: the Plus plan's threat protection (compromised credentials, risky sign-ins)
      // blocks rather than only logs. Priced per monthly active user: a staff pool is small.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });

    // Access / ID tokens for the staff API; SRP sign-in only (no password in the clear).
    this.client = this.userPool.addClient('StaffClient', {
      userPoolClientName: `${props.prefix}-staff-api`,
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
    });

    this.groupNames = [...new Set([...props.teamIds, adminGroup])];
    for (const name of this.groupNames) {
      new UserPoolGroup(this, `Group-${name}`, {
        userPool: this.userPool,
        groupName: name,
        description: name === adminGroup ? 'Closeloop administrators: every team, erasure' : `Team ${name}`,
      });
    }

    new CfnOutput(this, 'UserPoolId', {
      value: this.userPool.userPoolId,
      description: 'Cognito user pool of the staff (usernames = member ids, groups = team ids + admin)',
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.client.userPoolClientId,
      description: 'App client of the staff API (the JWT authorizer audience)',
    });
  }
}
