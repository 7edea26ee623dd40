// `npm run bench`: how close the service runs to its limits, as one table of ratios, each against a
// baseline measured in this same run (these machines are shared and noisy: only ratios travel).
import { BUNDLE_BUDGET_BYTES } from '../lib/function-bundling.js';
import { startChild } from './child.js';
import { type ColdStart, measureColdStarts } from './cold-start.js';
import { type EndToEnd, measureEndToEnd } from './e2e.js';
import type { HandlerCost } from './handler-process.js';
import { type GenerateLatency, measureBesideMoto, measureGenerate, motoAvailable, type SideBySide } from './moto.js';
import { measureNamespaceList, type NamespaceListCost } from './namespaces.js';
import { measureStartUp, type StartUp } from './start-up.js';

const CONCURRENCIES = [1, 16] as const;
const TIMING = { turn: { warmupMs: 500, durationMs: 2_500 }, warmUpRounds: 10, rounds: 7 } as const;
const IMPORT_SAMPLES = 21;
/** The method beside moto: alternating 4 s turns, 5 rounds. */
const MOTO_TIMING = { turn: { warmupMs: 500, durationMs: 3_500 }, rounds: 5 } as const;
const KEY_POOL_SIZE = 8;

/** The targets, checked on the figures they are about. */
const TARGETS = {
  /** The service's throughput at 16 clients, as a share of the store pair's (the store's own requests, straight to dynalite). */
  throughputShare: 0.8,
  /** Handler cost at p50, as a share of the end-to-end p50 latency at 1 client. */
  handlerShare: 0.05,
  updateBundleBytes: BUNDLE_BUDGET_BYTES,
  /** The update bundle's import time, as a share of the naive bundle's. */
  importShare: 0.5,
  /** List p50 in a namespace among 10 000 other certificates, against the same list in a table of its own. */
  crowdedListRatio: 1.2,
  inProcessStartMs: 300,
  commandStartMs: 700,
  /** Generate p50 through the local service, as a multiple of a bare RSA-2048 key generation's p50. */
  generateShare: 1.3,
  /** PATCH, GET and list p50 at 1 client, as a share of moto server's on its sibling operation. */
  motoLatencyShare: 0.8,
  /** PATCH throughput at 16 clients, as a multiple of moto server's. */
  motoThroughput: 1.5,
  /** Generate p50 with key pairs ready in the pool. */
  warmGenerateMs: 10,
} as const;

const started = performance.now();
if (!process.versions.node.startsWith('24.')) throw new Error(`run the bench on Node 24 (npm run bench), not ${process.version}`);
// The load generator's own DynamoDB client (the adapter rows) talks to dynalite, which ignores credentials.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'bench';
process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';

// `npm run bench -- namespaces` measures that row alone (about 15 s).
const only = process.argv[2];
if (only !== undefined && only !== 'namespaces' && only !== 'moto')
  throw new Error(`the parts that run alone are 'namespaces' and 'moto', got '${only}'`);
// `npm run bench -- moto` measures rows 6 and 7 alone (about 3 minutes).
if (only === 'moto') {
  const { rows, note } = await harnessRows();
  console.log(render(rows) + note);
  process.exit(0);
}
progress('namespaces: seeding 10 025 certificates with BatchWriteItem, then listing one namespace');
const namespaceList = await measureNamespaceList();
if (only === 'namespaces') {
  console.log(render([namespaceRow(namespaceList)]));
  process.exit(0);
}

progress('cold start: synthesizing the stack (bundles every function) and timing imports');
const coldStarts = await measureColdStarts(IMPORT_SAMPLES);
const update = coldStarts.find((c) => c.operation === 'UpdateClientCertificate')!;

progress('handler cost: in-process, in-memory store');
const handlerRun = await startChild<HandlerCost>('./handler-process.ts', { env: update.environment });
await handlerRun.stop();
const handler = handlerRun.message;

progress('start-up: in-process and the compiled command (npm run build first), and Generate beside bare key generation');
const startUp = await measureStartUp();

const turns = 4 + 2 * TIMING.warmUpRounds + CONCURRENCIES.length * (2 * TIMING.rounds + 2);
progress(`end to end: ${turns} turns of ${(TIMING.turn.warmupMs + TIMING.turn.durationMs) / 1000} s`);
const endToEnd = await measureEndToEnd(CONCURRENCIES, TIMING);

const harness = await harnessRows();
console.log(render([...figureRows(endToEnd, handler, coldStarts, startUp), namespaceRow(namespaceList), ...harness.rows]) + harness.note);
console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${((performance.now() - started) / 1000) | 0} s`);

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Rows 6 and 7: Generate with its key pool, and the latency a harness feels beside moto server when it is on PATH. */
async function harnessRows(): Promise<{ rows: string[][]; note: string }> {
  progress(`Generate with ${KEY_POOL_SIZE} key pairs generated ahead, with none, and a burst of ${3 * KEY_POOL_SIZE}`);
  const generate = await measureGenerate(KEY_POOL_SIZE);
  if (!motoAvailable()) {
    return { rows: generateRows(generate), note: '\n\nmoto_server is not on PATH: the rows beside moto server (6.) were skipped.' };
  }
  progress(`beside moto server: ${4 * 2 * MOTO_TIMING.rounds + 4} turns of 4 s`);
  const besideMoto = await measureBesideMoto(MOTO_TIMING.turn, MOTO_TIMING.rounds);
  return { rows: [...generateRows(generate), ...besideMoto.map(motoRow)], note: '' };
}

function generateRows({ poolSize, freshP50, warmP50, emptyP50, burst, burstP50, burstMax }: GenerateLatency): string[][] {
  return [
    [
      `7. Generate, 1 client, 150 ms apart, ${poolSize} key pairs generated ahead, Generates 2 to 41 of a just-started service: p50`,
      `${ms(freshP50)} ms`,
      '',
      '',
      '',
      '',
    ],
    [
      `7. Generate, 1 client, 150 ms apart, ${poolSize} key pairs generated ahead, after 101 unrecorded: p50`,
      `${ms(warmP50)} ms`,
      'the same with KEY_POOL_SIZE=0 (each pair generated when asked), after 101 unrecorded',
      `${ms(emptyP50)} ms`,
      (warmP50 / emptyP50).toFixed(2),
      verdict(warmP50 <= TARGETS.warmGenerateMs, `≤ ${TARGETS.warmGenerateMs} ms`),
    ],
    [
      `7. Generate, a burst of ${burst} at once on a full pool of ${poolSize}: p50 / slowest`,
      `${ms(burstP50)} / ${ms(burstMax)} ms`,
      '',
      '',
      '',
      '',
    ],
  ];
}

function motoRow({ operation, concurrency, ours, moto }: SideBySide): string[] {
  const name = `6. ${operation} through the local service, ${concurrency} client${concurrency === 1 ? '' : 's'}`;
  const sibling = { PATCH: 'PATCH /apikeys/{id}', GET: 'GET /apikeys/{id}', list: 'GET /apikeys' }[operation as 'PATCH' | 'GET' | 'list'];
  const figures = (summary: typeof ours) => `${summary.perSecond.toFixed(0)} req/s, p50 ${ms(summary.p50)} ms`;
  if (concurrency === 1) {
    const share = ours.p50 / moto.p50;
    const target = `p50 ≤ ${TARGETS.motoLatencyShare}`;
    return [
      name,
      figures(ours),
      `moto server ${sibling}`,
      figures(moto),
      `p50 ${share.toFixed(2)}`,
      verdict(share <= TARGETS.motoLatencyShare, target),
    ];
  }
  const multiple = ours.perSecond / moto.perSecond;
  const target = `throughput ≥ ${TARGETS.motoThroughput}x`;
  return [
    name,
    figures(ours),
    `moto server ${sibling}`,
    figures(moto),
    `${multiple.toFixed(2)}x`,
    verdict(multiple >= TARGETS.motoThroughput, target),
  ];
}

function namespaceRow({ listed, others, otherNamespaces, crowded, alone }: NamespaceListCost): string[] {
  const ratio = crowded.p50 / alone.p50;
  return [
    `4. list (limit ${listed}) of a namespace of ${listed}, ${others} more certificates in ${otherNamespaces} other namespaces: p50 / p99`,
    `${ms(crowded.p50)} / ${ms(crowded.p99)} ms`,
    `the same list, the ${listed} alone in their table`,
    `${ms(alone.p50)} / ${ms(alone.p99)} ms`,
    ratio.toFixed(2),
    verdict(ratio <= TARGETS.crowdedListRatio, `≤ ${TARGETS.crowdedListRatio}`),
  ];
}

function render(rows: readonly string[][]): string {
  const header = ['figure', 'measured', 'baseline (same run)', 'baseline', 'ratio', 'target'];
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function figureRows(
  { results: e2e, firstRound }: EndToEnd,
  handlerCost: HandlerCost,
  bundles: readonly ColdStart[],
  startUp: StartUp,
): string[][] {
  const rows: string[][] = [];
  const at1 = e2e.find((r) => r.concurrency === 1)!;
  for (const { concurrency, service, storePair, sdkPair, barePair } of e2e) {
    const clients = `${concurrency} client${concurrency === 1 ? '' : 's'}`;
    const share = service.perSecond / storePair.perSecond;
    const patch = `PATCH through the local service, ${clients}`;
    const pair = `store pair, ${clients}`;
    rows.push([
      `1. ${patch}: throughput`,
      `${service.perSecond.toFixed(0)} req/s`,
      pair,
      `${storePair.perSecond.toFixed(0)} pairs/s`,
      share.toFixed(2),
      concurrency === 16 ? verdict(share >= TARGETS.throughputShare, `≥ ${TARGETS.throughputShare}`) : '',
    ]);
    rows.push([
      `1. ${patch}: p50 / p99`,
      `${ms(service.p50)} / ${ms(service.p99)} ms`,
      pair,
      `${ms(storePair.p50)} / ${ms(storePair.p99)} ms`,
      `${(service.p50 / storePair.p50).toFixed(2)} / ${(service.p99 / storePair.p99).toFixed(2)}`,
      '',
    ]);
    if (service.cpuMicrosPerOperation !== undefined && storePair.cpuMicrosPerOperation !== undefined) {
      rows.push([
        `1. ${patch}: CPU per request, both processes`,
        `${service.cpuMicrosPerOperation.toFixed(0)} µs`,
        pair,
        `${storePair.cpuMicrosPerOperation.toFixed(0)} µs`,
        (service.cpuMicrosPerOperation / storePair.cpuMicrosPerOperation).toFixed(2),
        '',
      ]);
    }
    for (const [baseline, name] of [
      [sdkPair, "the AWS SDK's low-level client"],
      [barePair, 'bare HTTP, no SDK'],
    ] as const) {
      rows.push([
        `1. (for scale) ${patch}: throughput`,
        `${service.perSecond.toFixed(0)} req/s`,
        `the same pair with ${name}, ${clients}`,
        `${baseline.perSecond.toFixed(0)} pairs/s`,
        (service.perSecond / baseline.perSecond).toFixed(2),
        '',
      ]);
    }
  }
  const clients = Math.max(...CONCURRENCIES);
  rows.push([
    `1. (for scale) PATCH through a just-started service, ${clients} clients, first turn: throughput`,
    `${firstRound.service.perSecond.toFixed(0)} req/s`,
    `store pair, first turn`,
    `${firstRound.storePair.perSecond.toFixed(0)} pairs/s`,
    (firstRound.service.perSecond / firstRound.storePair.perSecond).toFixed(2),
    '',
  ]);
  const handlerShare = handlerCost.p50 / (at1.service.p50 * 1000);
  rows.push([
    `2. UpdateClientCertificate handler in-process (${handlerCost.invocations} calls): p50 / p99`,
    `${handlerCost.p50.toFixed(1)} / ${handlerCost.p99.toFixed(1)} µs`,
    'PATCH p50 through the service, 1 client',
    `${(at1.service.p50 * 1000).toFixed(0)} µs`,
    `${(handlerShare * 100).toFixed(1)} %`,
    verdict(handlerShare < TARGETS.handlerShare, `< ${TARGETS.handlerShare * 100} %`),
  ]);
  for (const { operation, deployed, naive } of bundles) {
    const isUpdate = operation === 'UpdateClientCertificate';
    const importShare = deployed.importMs / naive.importMs;
    rows.push([
      `3. ${operation} bundle: size`,
      `${kb(deployed.bytes)} KB`,
      'naive bundle (esbuild defaults)',
      `${kb(naive.bytes)} KB`,
      (deployed.bytes / naive.bytes).toFixed(2),
      isUpdate ? verdict(deployed.bytes <= TARGETS.updateBundleBytes, `≤ ${kb(TARGETS.updateBundleBytes)} KB`) : '',
    ]);
    rows.push([
      `3. ${operation} bundle: import in a fresh Node (median of ${IMPORT_SAMPLES})`,
      `${deployed.importMs.toFixed(1)} ms`,
      'naive bundle (esbuild defaults)',
      `${naive.importMs.toFixed(1)} ms`,
      importShare.toFixed(2),
      isUpdate ? verdict(importShare <= TARGETS.importShare, `≤ ${TARGETS.importShare}`) : '',
    ]);
  }
  rows.push([
    '5. in-process in-memory service, start to first answer: p50 (first start of the process)',
    `${ms(startUp.inProcessP50Ms)} ms (${ms(startUp.inProcessFirstMs)} ms)`,
    '',
    '',
    '',
    verdict(startUp.inProcessP50Ms <= TARGETS.inProcessStartMs, `≤ ${TARGETS.inProcessStartMs} ms`),
  ]);
  rows.push([
    '5. in-process in-memory service, start to a first Generate answered: p50',
    `${ms(startUp.inProcessGenerateP50Ms)} ms`,
    '',
    '',
    '',
    '',
  ]);
  rows.push([
    '5. the command (compiled, as installed), start to first answer: p50',
    `${ms(startUp.commandP50Ms)} ms`,
    '',
    '',
    '',
    verdict(startUp.commandP50Ms <= TARGETS.commandStartMs, `≤ ${TARGETS.commandStartMs} ms`),
  ]);
  const generateShare = startUp.generateP50Ms / startUp.keyGenerationP50Ms;
  rows.push([
    '5. Generate through the local service, 1 client: p50',
    `${ms(startUp.generateP50Ms)} ms`,
    'bare RSA-2048 key generation (node:crypto): p50',
    `${ms(startUp.keyGenerationP50Ms)} ms`,
    generateShare.toFixed(2),
    verdict(generateShare <= TARGETS.generateShare, `≤ ${TARGETS.generateShare}`),
  ]);
  return rows;
}

function verdict(met: boolean, target: string): string {
  return `${target} ${met ? 'met' : 'NOT met'}`;
}

function ms(value: number): string {
  return value.toFixed(2);
}

function kb(bytes: number): string {
  return (bytes / 1000).toFixed(1);
}
