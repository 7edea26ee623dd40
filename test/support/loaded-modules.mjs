// Preloaded into a process under test (`--import`): as it exits, one line on stderr says what its main
// thread loaded of what a start need not load: the AWS SDK's modules (CommonJS, so each is in require's
// cache) and Node's undici (fetch, which Node loads only when asked).
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const cache = createRequire(import.meta.url).cache;
if (isMainThread)
  process.on('exit', () => {
    const sdk = Object.keys(cache).filter((path) => path.includes('/node_modules/@aws-sdk/')).length;
    const undici = process.moduleLoadList.some((name) => name.includes('undici'));
    process.stderr.write(`main thread loaded ${sdk} AWS SDK modules, ${undici ? 'and' : 'not'} undici\n`);
  });
