#!/usr/bin/env node
// `npx closeloop …`: runs cli/main.ts through tsx's loader (no build step). tsx is a
// devDependency, installed by a plain `npm install` of this repository.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
