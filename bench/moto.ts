// The latency a harness feels, beside moto server (the emulator a team would otherwise use) on the
// sibling operations moto implements, API keys: the same load generator drives both in alternating
// turns, so that the machine's other load falls on both alike. And Generate with its key pool warm,
// with none, and in a burst larger than the pool.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { startChild } from './child.js';
import type { LoadOptions } from './load.js';
import { closedLoop, socketClient } from './load.js';
import type { ServiceAddress } from './service-process.js';
import type { Summary } from './stats.js';
import { median, quantile } from './stats.js';

export interface SideBySide {
  readonly operation: string;
  readonly concurrency: number;
  readonly ours: Summary;
  readonly moto: Summary;
}

export interface GenerateLatency {
  readonly poolSize: number;
  /** Generates 2 to 41 of a just-started service: V8 is still compiling the path. */
  readonly freshP50: number;
  /** The next 40, after 60 more unrecorded: the steady state the other rows are measured in. */
  readonly warmP50: number;
  readonly emptyP50: number;
  readonly burst: number;
  readonly burstP50: number;
  readonly burstMax: number;
}

/** moto routes a request to a service by the signing service its credential scope names; it checks no signature. */
const MOTO_HEADERS = {
  authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=0',
  'content-type': 'application/json',
};
const JSON_HEADERS = { 'content-type': 'application/json' };
const PATCH = JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: 'd' }] });

/** Whether `moto_server` is on PATH. */
export const motoAvailable = (): boolean => spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const startMoto = async () => {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = new URL(`http://127.0.0.1:${port}`);
  for (let tries = 0; ; tries++) {
    const up = await fetch(new URL('/apikeys', url), { headers: MOTO_HEADERS }).then(
      (answer) => answer.ok,
      () => false,
    );
    if (up) break;
    if (tries === 200) throw new Error('moto_server did not start');
    await new Promise((pause) => setTimeout(pause, 50));
  }
  return { url, stop: () => child.kill() };
};

/** One target's operations, each for client `i` on that client's own item. */
type Operations = Record<'PATCH' | 'GET' | 'list', (client: number) => Promise<void>>;

const checked = async (answer: Promise<{ status: number; body: string }>): Promise<string> => {
  const { status, body } = await answer;
  if (status >= 300) throw new Error(`answered ${status}: ${body.slice(0, 200)}`);
  return body;
};

const targetOperations = async (url: URL, clients: number, moto: boolean): Promise<Operations & { close(): void }> => {
  const client = await socketClient(url, clients);
  const headers = moto ? MOTO_HEADERS : JSON_HEADERS;
  const collection = moto ? '/apikeys' : '/clientcertificates';
  const ids: string[] = [];
  for (let i = 0; i < clients; i++) {
    const body = await checked(client.send(i, 'POST', collection, headers, moto ? `{"name":"key${i}"}` : '{}'));
    const parsed = JSON.parse(body) as { id?: string; clientCertificateId?: string };
    ids.push((moto ? parsed.id : parsed.clientCertificateId)!);
  }
  return {
    PATCH: async (i) => void (await checked(client.send(i, 'PATCH', `${collection}/${ids[i]}`, headers, PATCH))),
    GET: async (i) => void (await checked(client.send(i, 'GET', `${collection}/${ids[i]}`, headers, ''))),
    list: async (i) => void (await checked(client.send(i, 'GET', collection, headers, ''))),
    close: () => client.close(),
  };
};

/** Median of each figure over the rounds. */
const medianSummary = (turns: Summary[]): Summary => ({
  count: turns.reduce((sum, turn) => sum + turn.count, 0),
  perSecond: median(turns.map((turn) => turn.perSecond)),
  p50: median(turns.map((turn) => turn.p50)),
  p99: median(turns.map((turn) => turn.p99)),
});

/**
 * PATCH, GET and list at 1 client and PATCH at 16, through the local service (as `npm start` runs it,
 * in a process of its own) and through moto server, in alternating turns, `rounds` of each.
 */
export const measureBesideMoto = async (turn: Omit<LoadOptions, 'concurrency'>, rounds: number): Promise<SideBySide[]> => {
  const service = await startChild<ServiceAddress>('./service-process.ts');
  const moto = await startMoto();
  const results: SideBySide[] = [];
  try {
    for (const [concurrency, names] of [
      [1, ['PATCH', 'GET', 'list']],
      [16, ['PATCH']],
    ] as const) {
      const ours = await targetOperations(new URL(service.message.url), concurrency, false);
      const theirs = await targetOperations(moto.url, concurrency, true);
      // V8 compiles the service's code for tens of seconds of load before it settles (performance.md).
      if (concurrency === 16) for (let i = 0; i < 4; i++) await closedLoop({ ...turn, concurrency }, ours.PATCH);
      for (const name of names) {
        const turns = { ours: [] as Summary[], moto: [] as Summary[] };
        for (let round = 0; round < rounds; round++) {
          turns.ours.push(await closedLoop({ ...turn, concurrency }, ours[name]));
          turns.moto.push(await closedLoop({ ...turn, concurrency }, theirs[name]));
        }
        results.push({ operation: name, concurrency, ours: medianSummary(turns.ours), moto: medianSummary(turns.moto) });
      }
      ours.close();
      theirs.close();
    }
  } finally {
    moto.stop();
    await service.stop();
  }
  return results;
};

const generateOnce = async (client: Awaited<ReturnType<typeof socketClient>>, i: number): Promise<number> => {
  const started = performance.now();
  const body = await checked(client.send(i, 'POST', '/clientcertificates', JSON_HEADERS, '{}'));
  const took = performance.now() - started;
  const { clientCertificateId } = JSON.parse(body) as { clientCertificateId: string };
  await checked(client.send(i, 'DELETE', `/clientcertificates/${clientCertificateId}`, {}, ''));
  return took;
};

/** Generate one at a time, `pauseMs` apart (a harness's pace), `count` times after `skip` unrecorded: the p50. */
const generatesApart = async (url: URL, count: number, pauseMs: number, skip = 1): Promise<number> => {
  const client = await socketClient(url, 1);
  const took: number[] = [];
  for (let i = 0; i < skip + count; i++) {
    const ms = await generateOnce(client, 0);
    if (i >= skip) took.push(ms); // the first loads Generate's handler
    await new Promise((pause) => setTimeout(pause, pauseMs));
  }
  client.close();
  return median(took);
};

/** Generate with the pool warm (the default size), with none (KEY_POOL_SIZE=0), and a burst of three times the pool at once. */
export const measureGenerate = async (poolSize: number): Promise<GenerateLatency> => {
  const pooled = await startChild<ServiceAddress>('./service-process.ts', { env: { KEY_POOL_SIZE: String(poolSize) } });
  const none = await startChild<ServiceAddress>('./service-process.ts', { env: { KEY_POOL_SIZE: '0' } });
  try {
    const url = new URL(pooled.message.url);
    const freshP50 = await generatesApart(url, 40, 150);
    // Past V8's warm-up, as the other rows are measured; a pause of 150 ms keeps the pool full.
    const warmP50 = await generatesApart(url, 40, 150, 60);
    const emptyP50 = await generatesApart(new URL(none.message.url), 40, 150, 101);
    const burst = 3 * poolSize;
    await new Promise((pause) => setTimeout(pause, 2_000)); // the pool full again
    const client = await socketClient(url, burst);
    const took = await Promise.all(Array.from({ length: burst }, (_, i) => generateOnce(client, i)));
    client.close();
    return { poolSize, freshP50, warmP50, emptyP50, burst, burstP50: median(took), burstMax: quantile(took, 1) };
  } finally {
    await pooled.stop();
    await none.stop();
  }
};

if (process.argv[1]?.endsWith('moto.ts')) {
  console.log(await measureGenerate(8));
  if (motoAvailable())
    console.log(await measureBesideMoto({ warmupMs: 500, durationMs: Number(process.argv[2] ?? 3_500) }, Number(process.argv[3] ?? 5)));
}
