// Preloaded into a process under test (`--import`): as it exits, one line on stderr says how many of the
// AWS SDK's modules it loaded. The SDK's packages load as CommonJS, so each module is in require's cache.
import { createRequire } from 'node:module';

const loaded = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const sdk = Object.keys(loaded).filter((path) => path.includes('/node_modules/@aws-sdk/'));
  process.stderr.write(`AWS SDK modules loaded: ${sdk.length}\n`);
});
