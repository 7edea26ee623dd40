// The CPU each suite costs, measured alone: `node test/support/suite-cpu.js [path fragments]`.
// `npm test` is CPU-bound on a small machine (its wall time is about its CPU over the cores), so CPU,
// not a suite's wall time under load, says where a run's time goes. Each test file runs in a Jest of
// its own under /usr/bin/time, which counts user and system time of the process and every child it
// waited for (a service, the CLI, npm, cfn-lint); the two checks `npm test` runs first are measured too.
// A suite alone also pays what a full run shares (Jest's start, the bundled stack), so the sum of the
// table is more than one `npm test` costs; it says which suites to look at, not what a run will take.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const filters = process.argv.slice(2);

const testFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });

/** Runs one command under /usr/bin/time; its output is kept out of the table, its exit status is reported. */
const measure = (name, command, args) => {
  const timed = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S %e', command, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const [, user, sys, wall] = /^cpu (\S+) (\S+) (\S+)$/m.exec(timed.stderr) ?? [];
  if (user === undefined) throw new Error(`${name}: no timing from /usr/bin/time: ${timed.stderr.slice(-500)}`);
  const row = { name, cpu: Number(user) + Number(sys), user: Number(user), sys: Number(sys), wall: Number(wall), ok: timed.status === 0 };
  process.stderr.write(`${row.cpu.toFixed(1).padStart(7)} s CPU  ${row.name}${row.ok ? '' : '  (failed)'}\n`);
  return row;
};

const bin = (name) => join(root, 'node_modules/.bin', name);
// The project's Node (the `node` package), as `npm run` puts it first on the PATH.
const node = execFileSync(bin('node'), ['-p', 'process.execPath'], { encoding: 'utf8' }).trim();

const rows = [];
if (filters.length === 0) {
  rows.push(measure('biome ci --error-on-warnings .', bin('biome'), ['ci', '--error-on-warnings', '.']));
  rows.push(measure('tsc --noEmit', bin('tsc'), ['--noEmit']));
}
for (const file of testFiles(join(root, 'test')).filter((file) => filters.length === 0 || filters.some((part) => file.includes(part)))) {
  rows.push(measure(file, node, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--silent', file]));
}

rows.sort((a, b) => b.cpu - a.cpu);
const total = rows.reduce((sum, row) => sum + row.cpu, 0);
console.log('   CPU s   user s    sys s   wall s  what');
for (const row of rows) {
  const cells = [row.cpu, row.user, row.sys, row.wall].map((n) => n.toFixed(1).padStart(8));
  console.log(`${cells.join(' ')}  ${row.name}${row.ok ? '' : '  (failed)'}`);
}
console.log(`${total.toFixed(1).padStart(8)} s CPU in all, ${rows.length} rows`);
