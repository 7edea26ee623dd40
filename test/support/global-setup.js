import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_DIR } from './run-dir.js';

// Jest's global setup: the workers it starts afterwards inherit the variable.
export default () => {
  process.env[RUN_DIR] = mkdtempSync(join(tmpdir(), 'client-certificate-api-test-run-'));
};
