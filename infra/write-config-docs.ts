/**
 * `npm run config-docs`: writes docs/config.md from the config schema (infra/config-docs.ts).
 * tests/unit/config-docs.test.ts fails when the committed file drifts.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigDocs } from './config-docs.ts';

const path = fileURLToPath(new URL('../docs/config.md', import.meta.url));
writeFileSync(path, renderConfigDocs());
console.log(`wrote ${path}`);
