import { fork } from 'node:child_process';

export interface ChildOptions {
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs a TypeScript module of bench/ in a Node process of its own (the same Node 24 as this one),
 * its stdout dropped (a child's logs cost what writing them costs, and stay out of the table), and
 * resolves with the first message it sends over IPC, and its pid. `stop` disconnects it and waits for
 * its exit.
 */
export const startChild = async <T>(module: string, { env = {} }: ChildOptions = {}) => {
  const child = fork(new URL(module, import.meta.url), {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`] : []),
    ],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const message = await new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    void exited.then((code) => reject(new Error(`${module} exited with ${code} before reporting`)));
  });
  const stop = async (): Promise<void> => {
    if (child.connected) child.disconnect();
    await exited;
  };
  return { message, stop, pid: child.pid! };
};
