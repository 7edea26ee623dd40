import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { until } from '../../support/wait.js';

const service = fileURLToPath(new URL('../../../lib/local/service.ts', import.meta.url));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('closeWithParent', () => {
  test('a forked worker whose parent died before its service started (the channel already closed) stops that service, not serves on orphaned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'starter-'));
    const pidFile = join(dir, 'worker.pid');
    // The runner forks its worker and dies at once, before the worker has even loaded the service.
    writeFileSync(
      join(dir, 'runner.mjs'),
      `import { fork } from 'node:child_process';
fork(${JSON.stringify(join(dir, 'worker.mts'))}, [], { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
process.exit(0);
`,
    );
    writeFileSync(
      join(dir, 'worker.mts'),
      `import { writeFileSync } from 'node:fs';
import { until } from ${JSON.stringify(fileURLToPath(new URL('../../support/wait.ts', import.meta.url)))};
writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
await until('the channel closed', () => !process.connected);
const { startLocalService } = await import(${JSON.stringify(service)});
await startLocalService({ port: 0, dataDir: 'memory', accessLog: false, keyPoolSize: 0 });
`,
    );
    let pid: number | undefined;
    try {
      await promisify(execFile)(process.execPath, [join(dir, 'runner.mjs')], { cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
      await until('the worker started', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 60_000);
      pid = Number(readFileSync(pidFile, 'utf8'));

      // Generous: the worker imports the service first, slow on a busy machine; an orphan that serves on stays.
      await until('the orphaned worker gone', () => !alive(pid!), 90_000);
    } finally {
      if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('a process with a `send` but no channel at all (jest running one file in its own process) keeps its service', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'starter-'));
    writeFileSync(
      join(dir, 'no-channel.mts'),
      `process.send = () => true; // as jest's sandboxed process has it, with no 'connected' and no channel
const { startLocalService } = await import(${JSON.stringify(service)});
const service = await startLocalService({ port: 0, dataDir: 'memory', accessLog: false, keyPoolSize: 0 });
await new Promise((wait) => setTimeout(wait, 200)); // past the turn in which an orphan's service closes
const answer = await fetch(service.url + '/clientcertificates');
console.log(answer.status);
await service.close();
`,
    );
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(dir, 'no-channel.mts')], {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      });

      expect(stdout.trim()).toBe('200');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
