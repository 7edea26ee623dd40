// `npx tsx bench/start-up.ts`: how soon the local service answers after it is asked to start, in
// process through the API and as the installed command (both the compiled dist/ the package carries:
// `npm run build` first), and what Generate costs through it beside a bare RSA-2048 key generation.
import { spawn } from 'node:child_process';
import { generateKeyPair } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface StartUp {
  /** Start to the first answer, in-process, in-memory: the first start of the process, then the p50 of the rest. */
  readonly inProcessFirstMs: number;
  readonly inProcessP50Ms: number;
  /** Start to the answer of a first Generate, in-process, in-memory, p50: its function loads at its first invocation. */
  readonly inProcessGenerateP50Ms: number;
  /** Start of `node dist/bin/local.js` to its first answer, p50. */
  readonly commandP50Ms: number;
  readonly generateP50Ms: number;
  readonly keyGenerationP50Ms: number;
}

const SAMPLES = 9;
const GENERATES = 301;
const root = fileURLToPath(new URL('..', import.meta.url));
// The compiled service, as an installed package runs it: the sources would start the handlers under tsx.
const { startLocalService } = (await import(`${root}dist/lib/local/index.js`)) as typeof import('../lib/local/index.js');

const p50 = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const inProcess = async (method: 'GET' | 'POST' = 'GET'): Promise<number> => {
  const started = performance.now();
  const service = await startLocalService({ port: 0, dataDir: 'memory', accessLog: false, logLevel: 'SILENT' });
  await fetch(`${service.url}/clientcertificates`, method === 'GET' ? {} : { method, body: '{}' }).then((answer) => answer.arrayBuffer());
  const ms = performance.now() - started;
  await service.close();
  return ms;
};

const command = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [`${root}dist/bin/local.js`, '--port', '0', '--data-dir', 'memory'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', async (chunk: Buffer) => {
      const before = output;
      output += chunk.toString();
      const url = /listening on (\S+)/.exec(output)?.[1];
      if (url === undefined || /listening on \S+/.test(before)) return;
      await fetch(`${url}/clientcertificates`).then((answer) => answer.arrayBuffer());
      resolve(performance.now() - started);
      child.kill('SIGTERM');
    });
    child.once('error', reject);
  });

/**
 * Generate through the service and a bare key generation, taken in turns so that the machine's
 * load falls on both alike. Each certificate is deleted after (untimed), so the namespace stays as a
 * user's usually is, far from its quota of 60 (a Generate whose first slot is taken reads them all).
 */
const generatesBesideKeyGenerations = async (): Promise<{ generates: number[]; keyGenerations: number[] }> => {
  const service = await startLocalService({ port: 0, dataDir: 'memory', accessLog: false, logLevel: 'SILENT' });
  const generate = promisify(generateKeyPair);
  const generates: number[] = [];
  const keyGenerations: number[] = [];
  for (let i = 0; i < GENERATES; i++) {
    let started = performance.now();
    const answer = await fetch(`${service.url}/clientcertificates`, {
      method: 'POST',
      body: '{}',
      headers: { accept: 'application/json' },
    });
    const { clientCertificateId } = (await answer.json()) as { clientCertificateId: string };
    if (i > 0) generates.push(performance.now() - started); // the first loads the handler's code paths
    await fetch(`${service.url}/clientcertificates/${clientCertificateId}`, { method: 'DELETE' }).then((deleted) => deleted.arrayBuffer());
    started = performance.now();
    await generate('rsa', { modulusLength: 2048 });
    if (i > 0) keyGenerations.push(performance.now() - started);
  }
  await service.close();
  return { generates, keyGenerations };
};

export const measureStartUp = async (): Promise<StartUp> => {
  const inProcessFirstMs = await inProcess();
  const rest: number[] = [];
  for (let i = 0; i < SAMPLES; i++) rest.push(await inProcess());
  const firstGenerates: number[] = [];
  for (let i = 0; i < SAMPLES; i++) firstGenerates.push(await inProcess('POST'));
  const commands: number[] = [];
  for (let i = 0; i < SAMPLES; i++) commands.push(await command());
  const { generates, keyGenerations } = await generatesBesideKeyGenerations();
  return {
    inProcessFirstMs,
    inProcessP50Ms: p50(rest),
    inProcessGenerateP50Ms: p50(firstGenerates),
    commandP50Ms: p50(commands),
    generateP50Ms: p50(generates),
    keyGenerationP50Ms: p50(keyGenerations),
  };
};

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await measureStartUp());
