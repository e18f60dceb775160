import type { WebAsset } from '../../web/build.ts';
import { staticSecurityHeaders } from '../../web/csp.ts';
import type { Route } from './http-server.ts';

/** Serves the built web assets as CloudFront does in AWS: same paths, same security headers. */
export function staticRoutes(assets: WebAsset[]): Route[] {
  const routes: Route[] = [];
  for (const asset of assets) {
    const serve: Route['handler'] = async () => ({
      statusCode: 200,
      headers: { 'content-type': asset.contentType, 'cache-control': 'no-cache', ...staticSecurityHeaders },
      body: asset.body,
    });
    routes.push({ method: 'GET', path: asset.path, handler: serve });
    // The console's index answers its folder too (CloudFront's default root object per path).
    if (asset.path.endsWith('/index.html')) {
      const folder = asset.path.slice(0, -'index.html'.length);
      routes.push(
        { method: 'GET', path: folder, handler: serve },
        { method: 'GET', path: folder.slice(0, -1), handler: serve },
      );
    }
  }
  return routes;
}
