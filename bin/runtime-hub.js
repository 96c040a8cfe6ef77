#!/usr/bin/env node
// Runs the TypeScript CLI straight from the checkout: no build step after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli/main.ts');
