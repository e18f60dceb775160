/**
 * `npm run openapi`: writes docs/openapi.json from the zod schemas and the route table
 * (functions/cases/openapi.ts). tests/unit/openapi.test.ts fails when the committed file drifts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiJson } from '../functions/cases/openapi.ts';

const path = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
mkdirSync(dirname(path), { recursive: true });
writeFileSync(path, openApiJson());
console.log(`wrote ${path}`);
