import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Reads a secret's string once (cold start); a missing or empty one fails start-up by name. */
export async function readSecretString(
  secretId: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!SecretString) throw new Error(`secret ${secretId} has no string value`);
  return SecretString;
}
