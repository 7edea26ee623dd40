import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** How long `npm start` may take to compile and listen on a slow machine. */
const START_DEADLINE_MS = 60_000;

export interface ChildService {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the service has written to stdout so far, its structured logs included. */
  readonly stdout: () => string;
  /** SIGTERM, as a person stopping `npm start` would, and waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: no handler runs, nothing is flushed or closed, and waits for the exit. */
  kill9(): Promise<void>;
}

/**
 * The real service as `npm start` runs it (`bin/local.ts` under tsx, on the Node running the tests),
 * in its own process, configured only by environment; resolves once it prints where it listens.
 * Without the key pool unless `env` asks (KEY_POOL_SIZE), as test/support/service.ts's services: its
 * eight pairs and their refills were some 0.4 s of CPU a service for Generates these suites seldom make.
 */
export const spawnService = (env: Record<string, string>, { fdLimit }: { fdLimit?: number } = {}): Promise<ChildService> =>
  new Promise((resolve, reject) => {
    const node = [process.execPath, '--import', 'tsx', 'bin/local.ts'];
    // With `fdLimit`, the shell lowers its descriptor limit and becomes the service (same PID).
    const [command, ...args] = fdLimit === undefined ? node : ['sh', '-c', `ulimit -n ${fdLimit} && exec "$@"`, 'sh', ...node];
    const child = spawn(command!, args, {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: '0',
        HOST: '127.0.0.1',
        AWS_REGION: 'us-east-1',
        KEY_POOL_SIZE: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let started = false;
    // 'close' comes after 'exit', once stdout is drained: every line written before the end is read.
    const exited = new Promise<void>((done) => child.once('close', () => done()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the service did not start within ${START_DEADLINE_MS} ms: ${stderr}`));
    }, START_DEADLINE_MS);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // Once started, the output is only kept: searching all of it again at every chunk of a busy
      // service's access log cost seconds of CPU (the log grows by a line a request).
      if (started) return;
      const listening = /listening on (http:\/\/\S+)/.exec(stdout);
      if (listening === null) return;
      started = true;
      clearTimeout(timer);
      resolve({
        url: listening[1]!,
        process: child,
        stdout: () => stdout,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
        kill9: async () => {
          child.kill('SIGKILL');
          await exited;
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`the service exited (${code}) before listening: ${stderr}`));
    });
  });
