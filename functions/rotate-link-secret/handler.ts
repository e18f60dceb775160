import * as z from 'zod/mini';
import { type RotationDeps, rotateLinkSecret, rotationSteps } from '../../core/links/rotation.ts';
import { logger } from '../../shared/observability.ts';
import '../../shared/zod-locale.ts';

/** What Secrets Manager sends a rotation function, once per step. */
const rotationEvent = z.object({
  SecretId: z.string().check(z.minLength(1)),
  ClientRequestToken: z.string().check(z.minLength(1)),
  Step: z.enum(rotationSteps),
});

/**
 * The link secret's rotation function (docs/operations.md#key-rotation): parses the step and runs
 * it. A failure throws, so Secrets Manager marks the rotation failed and tries it again later.
 */
export function makeRotationHandler(deps: RotationDeps) {
  return async function rotate(event: unknown): Promise<void> {
    const { SecretId, ClientRequestToken, Step } = rotationEvent.parse(event);
    const outcome = await rotateLinkSecret(
      { step: Step, secretId: SecretId, versionId: ClientRequestToken },
      deps,
    );
    logger.info('link secret rotation step', { step: Step, versionId: ClientRequestToken, outcome });
  };
}
