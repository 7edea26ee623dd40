// Jest's transformer: esbuild strips the types of one file at a time, in a few milliseconds, where
// ts-jest loaded the TypeScript compiler into every worker. `tsc --noEmit` (npm test) checks the types.
import { createHash } from 'node:crypto';
import { transformSync, version } from 'esbuild';

const options = { loader: 'ts', format: 'esm', target: 'node24', sourcemap: 'inline' };

export default {
  canInstrument: false,
  getCacheKey: (source, filename) =>
    createHash('sha256').update(version).update(JSON.stringify(options)).update(filename).update(source).digest('hex'),
  process: (source, filename) => ({ code: transformSync(source, { ...options, sourcefile: filename }).code }),
};
