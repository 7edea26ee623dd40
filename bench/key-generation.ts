// `npx tsx bench/key-generation.ts [count]`: the CPU time GenerateClientCertificate spends creating its
// certificate (RSA-2048 key pair and signature, as the handler does), the figure its memory size is
// chosen from (lib/operations.ts). CPU time, not wall time: Lambda's CPU share scales with memory.
import { issueSelfSignedCertificate } from '../lambda/domain/pem.js';

const count = Number(process.argv[2] ?? 200);
const cpuMs: number[] = [];
await issueSelfSignedCertificate(0, 1); // loads and compiles the code paths once
for (let i = 0; i < count; i++) {
  const before = process.cpuUsage();
  await issueSelfSignedCertificate(1_700_000_000, 1_731_536_000);
  const { user, system } = process.cpuUsage(before);
  cpuMs.push((user + system) / 1000);
}
cpuMs.sort((a, b) => a - b);
const at = (q: number): string => cpuMs[Math.min(count - 1, Math.floor(q * count))]!.toFixed(0);
console.log(`CPU ms per certificate (${count}, ${process.arch}): median ${at(0.5)}, p90 ${at(0.9)}, p99 ${at(0.99)}, max ${at(1)}`);
