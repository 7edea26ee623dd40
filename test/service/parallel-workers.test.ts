import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import type { SigV4Credentials } from '../../lib/local/front/sigv4.js';
import type { LocalService } from '../../lib/local/service.js';
import { startTestService } from '../support/service.js';

/**
 * The harness pattern of docs/local-service.md, with its workers in processes of their own: four
 * workers on one service, each with its own key, resetting, seeding, faulting and calling in a loop
 * (./harness-worker.ts checks every answer). None may see, reset or fault another's namespace.
 * Each worker process makes all its runs: a process's start (Node, tsx, the SDK) was most of the
 * suite's CPU, and the four still run side by side throughout. The worker is bundled first (below).
 */

const run = promisify(execFile);
const WORKERS = 4;
const WORKER = new URL('./harness-worker.ts', import.meta.url).pathname;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The worker as one ES module, its own files bundled by esbuild and its packages imported as they
 * are, run by node alone: under tsx each of the eight worker processes spent some 0.3 s more of CPU
 * starting, compiling the same TypeScript again. Written under node_modules so that the packages
 * resolve from the repository's own node_modules.
 */
let scratch: string;
let bundled: string;

beforeAll(async () => {
  const cache = join(repoRoot, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  scratch = mkdtempSync(join(cache, 'harness-worker-'));
  bundled = join(scratch, 'harness-worker.mjs');
  await build({
    entryPoints: [WORKER],
    outfile: bundled,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    logLevel: 'error',
  });
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Four workers at once against `service`, each with its key, each making `runs` runs; resolves to the failures they printed. */
const workersAgainst = async (service: LocalService, keys: readonly SigV4Credentials[], runs: number): Promise<string[]> => {
  const outcomes = await Promise.allSettled(
    keys.map((key) =>
      run(process.execPath, [bundled], {
        env: {
          ...process.env,
          ENDPOINT: service.url,
          ACCESS_KEY_ID: key.accessKeyId,
          SECRET_ACCESS_KEY: key.secretAccessKey,
          ROUNDS: '3',
          RUNS: String(runs),
        },
        timeout: 240_000,
      }),
    ),
  );
  return outcomes.flatMap((outcome) =>
    outcome.status === 'rejected' ? [String((outcome.reason as { stderr?: string }).stderr ?? outcome.reason)] : [],
  );
};

// Five runs where nothing tells the workers apart but their key ids; two where signatures are checked.
describe.each<[string, readonly SigV4Credentials[], number]>([
  [
    'unsigned checking (AUTH=none), each worker a 12-digit access key',
    Array.from({ length: WORKERS }, (_, i) => ({ accessKeyId: `10000000000${i}`, secretAccessKey: 'any' })),
    5,
  ],
  [
    'AUTH=sigv4, each worker a key of its own account',
    Array.from({ length: WORKERS }, (_, i) => ({
      accessKeyId: `AKIDWORKER${i}`,
      secretAccessKey: `secret-${i}`,
      accountId: `20000000000${i}`,
    })),
    2,
  ],
])('%s', (_, keys, runs) => {
  let service: LocalService;

  beforeAll(async () => {
    service = await startTestService(keys[0]!.accountId === undefined ? {} : { sigv4: { credentials: keys } });
  });

  afterAll(async () => {
    await service.close();
  });

  it(`${WORKERS} workers on one service, ${runs} runs: every check of every worker holds`, async () => {
    expect(await workersAgainst(service, keys, runs)).toEqual([]);
  }, 300_000);
});
