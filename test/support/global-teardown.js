import { rmSync } from 'node:fs';
import { RUN_DIR } from './run-dir.js';

export default () => {
  const runDir = process.env[RUN_DIR];
  if (runDir !== undefined) rmSync(runDir, { recursive: true, force: true });
};
