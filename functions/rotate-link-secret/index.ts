import { secretsManagerVersions } from '../../shared/adapters/secrets.ts';
import { systemClock } from '../../shared/clock.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeRotationHandler } from './handler.ts';

// Lambda entry of the link secret's rotation (Secrets Manager invokes it, one step at a time).
export const handler = lambdaEntry(
  makeRotationHandler({ secrets: secretsManagerVersions(), clock: systemClock }),
);
