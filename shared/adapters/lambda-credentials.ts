/**
 * Stands in for `@aws-sdk/credential-provider-node` in Lambda bundles (an esbuild alias, see
 * infra/bundling.ts). In Lambda the default chain always ends at its first link, the execution
 * role's keys in the environment; the rest of the chain (SSO, ini files, web identity, IMDS and
 * the STS/SSO clients they carry, ~100 KB) is parsed at every cold start and never used.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
