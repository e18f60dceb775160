/**
 * The web front ends in AWS: the widget (`/widget.js`) and the staff console (`/console/`) from a
 * private S3 bucket behind CloudFront, which also forwards `/v1/*` and the survey pages (`/s/*`) to
 * the HTTP API so the console calls its API on its own origin (no CORS) and a client site can load
 * the widget and post feedback to one host. The console signs staff in through the Cognito hosted
 * UI with its own app client (authorization code + PKCE, no secret); `/console/config.json` tells
 * it where.
 */
import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Stage } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  type IUserPool,
  OAuthScope,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ORIGIN_VERIFY_HEADER } from '../shared/http.ts';
import { writeWebAssets } from '../web/build.ts';
import { type ConsoleConfig, consolePath } from '../web/console/config.ts';
import { consoleCspWith } from '../web/csp.ts';
import { acknowledge } from './nag.ts';

export interface WebHostingProps {
  prefix: string;
  api: IHttpApi;
  userPool: IUserPool;
  /** The edge stack's web ACL (its ARN, read back from us-east-1), with the intake's rate rules. */
  webAclArn: string;
  /** Sent to the API as `x-origin-verify`, so the API answers only requests that came through here. */
  originVerifySecret: ISecret;
}

const consoleScopes = [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE];

export class WebHosting extends Construct {
  readonly distribution: Distribution;
  /** The console's app client: the staff API's JWT authorizer must accept it as an audience. */
  readonly consoleClient: UserPoolClient;

  constructor(scope: Construct, id: string, props: WebHostingProps) {
    super(scope, id);
    const { region, account } = Stack.of(this);

    // Only build output lives here (rebuilt from the repository on every deploy): nothing to keep.
    const bucket = new Bucket(this, 'Assets', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    acknowledge(
      bucket,
      'AwsSolutions-S1',
      'The bucket holds only the built widget and console, readable solely through CloudFront (OAC); ' +
        'requests are visible in the API access logs and CloudFront metrics, so S3 access logs add cost only.',
    );

    const hostedUi = new UserPoolDomain(this, 'HostedUi', {
      userPool: props.userPool,
      cognitoDomain: { domainPrefix: `${props.prefix}-${account}` },
    });
    const hostedUiOrigin = hostedUi.baseUrl();

    const securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Closeloop console and widget: strict CSP and the usual hardening headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: consoleCspWith([hostedUiOrigin]), override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
      },
    });
    // `/console/` is an S3 key prefix, not an object: serve its index as the local stack does.
    const folderIndex = new CloudFrontFunction(this, 'FolderIndex', {
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Serves <folder>/index.html for <folder>/ and redirects /console to /console/',
      code: FunctionCode.fromInline(
        `function handler(event) {
  var request = event.request;
  if (request.uri === '/console') {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '/console/' } } };
  }
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  return request;
}`,
      ),
    });

    const apiBehavior = {
      origin: new HttpOrigin(`${props.api.apiId}.execute-api.${region}.amazonaws.com`, {
        protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
        // A dynamic reference: CloudFormation resolves it, the template never holds the value.
        customHeaders: {
          [ORIGIN_VERIFY_HEADER]: props.originVerifySecret.secretValue.unsafeUnwrap(),
        },
      }),
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `${props.prefix}: widget, staff console, /v1/* API and /s/* survey pages`,
      webAclId: props.webAclArn,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_ALL,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        functionAssociations: [{ function: folderIndex, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      // The API, and the survey pages it serves (`/s/{token}`: links in emails, QR codes on
      // receipts and posters), uncached: each page is one customer's.
      additionalBehaviors: { '/v1/*': apiBehavior, '/s/*': apiBehavior, '/known-issues/*': apiBehavior },
    });
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'Customers and staff may be anywhere; the service has no country it must refuse.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      'Static assets are public build output; API requests are logged by the HTTP API access log group.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'The default *.cloudfront.net certificate cannot pin a TLS policy; an operator who adds a custom ' +
        'domain and certificate should also set minimumProtocolVersion TLSv1.2_2021 (README, deploy guide).',
    );

    const consoleUrl = `https://${this.distribution.distributionDomainName}${consolePath}`;
    this.consoleClient = new UserPoolClient(this, 'ConsoleClient', {
      userPool: props.userPool,
      userPoolClientName: `${props.prefix}-console`,
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: consoleScopes,
        callbackUrls: [consoleUrl],
        logoutUrls: [consoleUrl],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
    });

    const consoleConfig: ConsoleConfig = {
      auth: {
        kind: 'cognito',
        domain: hostedUiOrigin,
        clientId: this.consoleClient.userPoolClientId,
        scopes: consoleScopes.map((s) => s.scopeName),
      },
    };
    // Built into the cloud assembly's folder (then staged as an asset), so nothing is left in /tmp.
    const assetsDir = join(Stage.of(this)?.outdir ?? '.', 'web-build');
    writeWebAssets(assetsDir);
    new BucketDeployment(this, 'Deploy', {
      destinationBucket: bucket,
      sources: [Source.asset(assetsDir), Source.jsonData('console/config.json', consoleConfig)],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
    });
    acknowledgeDeploymentProvider(Stack.of(this));

    new CfnOutput(this, 'ConsoleUrl', { value: consoleUrl, description: 'Staff console (Cognito sign-in)' });
    new CfnOutput(this, 'WidgetScriptUrl', {
      value: `https://${this.distribution.distributionDomainName}/widget.js`,
      description: 'The feedback widget: <script src="…" data-site-id data-site-key defer>',
    });
    new CfnOutput(this, 'HostedUiUrl', {
      value: hostedUiOrigin,
      description: 'Cognito hosted UI of the staff pool',
    });
  }
}

/** The deploy-time copier CDK adds once per stack for every BucketDeployment (its own Lambda and role). */
function acknowledgeDeploymentProvider(stack: Stack): void {
  const provider = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (!provider) return;
  acknowledge(
    provider,
    'AwsSolutions-L1',
    "CDK's BucketDeployment provider: its runtime is chosen by aws-cdk-lib and moves with it; it runs only during deploys.",
  );
  acknowledge(
    provider,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "CDK's BucketDeployment provider writes its own logs with the basic execution role; it runs only during deploys.",
  );
  const wildcards = [
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    'Resource::*',
    'Resource::<WebAssetsDD5BFD6C.Arn>/*',
    'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
  ];
  for (const finding of wildcards) {
    acknowledge(
      provider,
      `AwsSolutions-IAM5[${finding}]`,
      'CDK BucketDeployment grant: read the CDK asset bucket, replace the objects of the web assets bucket ' +
        'and invalidate the distribution (CloudFront invalidation takes no resource-level ARN).',
    );
  }
}
