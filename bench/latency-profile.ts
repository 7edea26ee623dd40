// Where one client's request time goes: a 1-client closed loop of PATCH, GET, list and an unknown
// route (the stand-in alone), through the service as `npm start` runs it, with CPU profiles when
// BENCH_CPU_PROFILE_DIR is set. `npx tsx bench/latency-profile.ts`.
import { startChild } from './child.js';
import { closedLoop, socketClient } from './load.js';
import type { ServiceAddress } from './service-process.js';

const service = await startChild<ServiceAddress>('./service-process.ts');
const url = new URL(service.message.url);
const client = await socketClient(url, 1);
const json = { 'content-type': 'application/json' };
const created = await client.send(0, 'POST', '/clientcertificates', json, '{"description":"a"}');
const id = (JSON.parse(created.body) as { clientCertificateId: string }).clientCertificateId;
const patch = JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: 'b' }] });
const turn = { concurrency: 1, warmupMs: 1_000, durationMs: Number(process.argv[2] ?? 4_000) };
const rows: [string, () => Promise<unknown>][] = [
  ['unknown route (stand-in only)', () => client.send(0, 'GET', '/nothing', {}, '')],
  ['PATCH', () => client.send(0, 'PATCH', `/clientcertificates/${id}`, json, patch)],
  ['GET', () => client.send(0, 'GET', `/clientcertificates/${id}`, {}, '')],
  ['list', () => client.send(0, 'GET', '/clientcertificates', {}, '')],
];
for (const [name, operation] of rows) {
  const summary = await closedLoop(turn, async () => void (await operation()));
  console.log(`${name}: ${summary.perSecond.toFixed(0)} req/s, p50 ${summary.p50.toFixed(2)} ms, p99 ${summary.p99.toFixed(2)} ms`);
}
const generated: number[] = [];
for (let i = 0; i < 60; i++) {
  const sent = performance.now();
  const answer = await client.send(0, 'POST', '/clientcertificates', json, '{}');
  generated.push(performance.now() - sent);
  const made = (JSON.parse(answer.body) as { clientCertificateId: string }).clientCertificateId;
  await client.send(0, 'DELETE', `/clientcertificates/${made}`, {}, '');
  await new Promise((pause) => setTimeout(pause, 150)); // time for a pool to refill
}
generated.sort((a, b) => a - b);
console.log(`Generate, one at a time, 150 ms apart: p50 ${generated[30]!.toFixed(2)} ms`);
client.close();
await service.stop();
