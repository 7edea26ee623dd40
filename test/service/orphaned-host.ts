// A test runner's process as test/service/orphaned.test.ts plays it: `in-process` starts the service
// with startLocalService() in this process; `worker` forks a worker process, as jest does, that
// starts it. Either way the service's ready line, as the command writes it, goes to READY_FILE.
import { fork } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startLocalService } from '../../lib/local/service.js';

const [how = 'in-process'] = process.argv.slice(2);
const { DATA_DIR = '', READY_FILE = '' } = process.env;

if (how === 'worker') {
  fork(fileURLToPath(import.meta.url), ['in-process'], { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
} else {
  const service = await startLocalService({ port: 0, dataDir: DATA_DIR, accessLog: false });
  const port = Number(new URL(service.url).port);
  // Whole or not at all: the test reads it as soon as it exists.
  writeFileSync(`${READY_FILE}.partial`, JSON.stringify({ url: service.url, port, pid: process.pid, dataDir: DATA_DIR }));
  renameSync(`${READY_FILE}.partial`, READY_FILE);
}
