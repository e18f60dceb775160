/**
 * Route-level throttling of the HTTP API. The stage default (`service.throttle`) stays as the
 * ceiling of any route; on top, every route gets its own bucket so a flood on one cannot starve
 * another: the public routes (`POST /v1/feedback`, signed links, the OpenAPI document) take
 * `service.throttle`, the staff routes (JWT) `service.staffThrottle` (default: the same values).
 * The HttpStage L2 of aws-cdk-lib 2.276 only has the stage default (`throttle`), so the route
 * settings go on the L1 `CfnStage.routeSettings`, keyed by route key.
 */
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { CfnRoute, type CfnStage, HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';

export interface ThrottleLimits {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** `RouteSettings` is untyped JSON in CloudFormation (CDK passes it as is): PascalCase, as AWS reads it. */
interface RouteSetting {
  ThrottlingRateLimit: number;
  ThrottlingBurstLimit: number;
}

/** Sets `RouteSettings` for every route of `api` on `stage`; answers them by route key. */
export function applyRouteThrottling(
  api: HttpApi,
  stage: HttpStage,
  limits: { readonly public: ThrottleLimits; readonly staff: ThrottleLimits },
): Record<string, RouteSetting> {
  const settings: Record<string, RouteSetting> = {};
  const routes = api.node.findAll().filter((c): c is HttpRoute => c instanceof HttpRoute);
  for (const route of routes) {
    const cfn = route.node.defaultChild;
    if (!(cfn instanceof CfnRoute)) throw new Error(`route ${route.node.path} has no CfnRoute`);
    const own = cfn.authorizationType === 'JWT' ? limits.staff : limits.public;
    settings[cfn.routeKey] = { ThrottlingRateLimit: own.rateLimit, ThrottlingBurstLimit: own.burstLimit };
    // A route setting names a route key that must exist when the stage is updated.
    stage.node.addDependency(route);
  }
  (stage.node.defaultChild as CfnStage).routeSettings = settings;
  return settings;
}
