import type { Worker } from 'node:worker_threads';

/**
 * A thread's output onto this process's, for a `Worker` made with `stdout: true, stderr: true`. Node's
 * own piping would add listeners to `process.stdout` and `process.stderr` for every thread, and a few
 * services in one test process would set off `MaxListenersExceededWarning`.
 */
export const forwardOutput = (worker: Worker): void => {
  worker.stdout.on('data', (chunk: Buffer) => process.stdout.write(chunk));
  worker.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
};
