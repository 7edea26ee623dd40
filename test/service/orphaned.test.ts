import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkStartUp } from '../../lib/local/start-up.js';

/**
 * The service never outlives whoever started it: however it was launched, a parent killed with
 * SIGKILL (which passes nothing on) takes it with it: within 2 s the service has closed (the port and
 * the store's LevelDB lock free, the key pool's generating child gone), and then its process and the
 * launchers between (npm, a shell) end.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const WITHIN_MS = 2_000;
/**
 * How long the processes may take to end once the service has closed: the service's own process
 * exiting, and then each launcher (npm, npx, a shell), which a machine under a full test run's load
 * stretched past 2 s (`npm exec`, a forked worker) after the port and the lock were free.
 */
const EXITS_WITHIN_MS = 15_000;
const node = [process.execPath, '--import', 'tsx'];
const command = [...node, 'bin/local.ts', '--port', '0', '--access-log', 'off'];
// Node 24 first, for npx and npm, as in a project with the node package; none of this run's npm variables.
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_'))),
  PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
};

/** Every process below `pid`, by Linux's /proc. */
const descendants = (pid: number): number[] => {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const below = (of: number): number[] => [...parents].filter(([, parent]) => parent === of).flatMap(([child]) => [child, ...below(child)]);
  return below(pid);
};

/** Whether a thread of `pid` runs at the lowest scheduling priority (nice 19), as the key pool's generator does. */
const lowestPriority = (pid: number): boolean => {
  try {
    return readdirSync(`/proc/${pid}/task`).some((thread) => {
      const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[16] === '19';
    });
  } catch {
    return false;
  }
};

/** `pid`, its command name (kept while it exits) and line, and whether a thread is at nice 19, for a failure's message. */
const described = (pid: number): string => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(') '));
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 80);
    return `${pid} ${name} (${commandLine || 'exiting'}${lowestPriority(pid) ? ', a thread at nice 19' : ''})`;
  } catch {
    return `${pid} (gone)`;
  }
};

/** Whether `pid` is a live process (a zombie is not). */
const alive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

const until = async (check: () => Promise<boolean>, withinMs: number): Promise<boolean> => {
  for (const end = Date.now() + withinMs; Date.now() < end; await new Promise((wait) => setTimeout(wait, 50)))
    if (await check()) return true;
  return check();
};

/** The port can be listened on again and the store opened: nobody holds them. */
const released = (port: number, dataDir: string) =>
  checkStartUp({ port, host: '127.0.0.1', dataDir }).then(
    () => true,
    () => false,
  );

let scratch: string;
/** Every process a test started, killed after it, so that a failure leaves nothing running. */
const started = new Set<number>();
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'client-certificate-api-orphaned-'));
});
afterEach(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  started.clear();
  rmSync(scratch, { recursive: true, force: true });
});

/** The test runner that is killed, running `argv`: it takes nothing with it when it dies. */
const runner = (...argv: string[]) => [
  process.execPath,
  '-e',
  `require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: 'ignore' })`,
  ...argv,
];

/** Each way a harness starts it, as the parent that is killed. */
const launches: [string, (flags: string[]) => string[]][] = [
  ['the command itself', (flags) => runner(...command, ...flags)],
  ['npx', (flags) => runner('npx', '--no', '--', ...command, ...flags)],
  ['npm exec', (flags) => runner('npm', 'exec', '--', ...command, ...flags)],
  ['npm start', (flags) => runner('npm', 'start', '--silent', '--', '--port', '0', ...flags)],
  ['a shell (sh -c)', (flags) => runner('sh', '-c', '"$@"; true', 'sh', ...command, ...flags)],
  ['a shell (bash -c)', (flags) => runner('bash', '-c', '"$@"; true', 'bash', ...command, ...flags)],
  // The runner is the parent of its workers, as jest's is: the service is in the worker.
  ['startLocalService() in a forked worker, as jest runs tests', () => [...node, 'test/service/orphaned-host.ts', 'worker']],
];

describe('a parent killed with SIGKILL takes the service with it', () => {
  test.each(launches)(
    'started through %s: the service closed within 2 s (port and store lock free, key child gone), then every process between and below ended',
    async (_, launch) => {
      const readyFile = join(scratch, 'ready.json');
      const dataDir = join(scratch, 'data');
      const [file, ...args] = launch(['--ready-file', readyFile, '--data-dir', dataDir]);
      const parent = spawn(file!, args, {
        cwd: repoRoot,
        env: { ...env, DATA_DIR: dataDir, READY_FILE: readyFile },
        stdio: 'ignore',
      });
      started.add(parent.pid!);
      expect(await until(async () => existsSync(readyFile), 30_000)).toBe(true);
      const { pid, port } = JSON.parse(readFileSync(readyFile, 'utf8')) as { pid: number; port: number };
      const below = descendants(parent.pid!);
      for (const each of below) started.add(each);
      expect(below).toContain(pid);
      // The key pool's generating child, on by default, is among what must go.
      expect(below.filter(lowestPriority)).toHaveLength(1);

      const keyChild = below.filter(lowestPriority);

      const killed = Date.now();
      parent.kill('SIGKILL');
      const closed = await until(async () => keyChild.every((each) => !alive(each)) && (await released(port, dataDir)), WITHIN_MS);
      const within = Date.now() - killed <= WITHIN_MS + 250;
      await until(async () => below.every((each) => !alive(each)), EXITS_WITHIN_MS);
      const left = below.filter(alive).map(described);

      expect({ closed, within, left }).toEqual({ closed: true, within: true, left: [] });
    },
  );

  test("startLocalService() in the runner process itself: the port and the store lock are free, and the key pool's child gone, at once", async () => {
    const readyFile = join(scratch, 'ready.json');
    const dataDir = join(scratch, 'data');
    const host = spawn(process.execPath, [...node.slice(1), 'test/service/orphaned-host.ts', 'in-process'], {
      cwd: repoRoot,
      env: { ...env, DATA_DIR: dataDir, READY_FILE: readyFile },
      stdio: 'ignore',
    });
    started.add(host.pid!); // before anything can fail: a host left running keeps jest's worker from ending
    expect(await until(async () => existsSync(readyFile), 60_000)).toBe(true);
    const { port } = JSON.parse(readFileSync(readyFile, 'utf8')) as { port: number };
    const keyChild = descendants(host.pid!).filter(lowestPriority);
    for (const each of keyChild) started.add(each);

    host.kill('SIGKILL');

    expect(keyChild).toHaveLength(1);
    expect(await until(async () => !alive(keyChild[0]!) && (await released(port, dataDir)), WITHIN_MS)).toBe(true);
  });
});
