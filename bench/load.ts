import { Agent, request } from 'node:http';
import type { Summary } from './stats.js';
import { summarize } from './stats.js';

export interface HttpReply {
  readonly status: number;
  readonly body: string;
}

/** A keep-alive HTTP/1.1 client with one socket per concurrent client, as a load generator needs. */
export const httpClient = (maxSockets: number) => {
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const send = (method: string, url: URL, headers: Record<string, string>, body: string): Promise<HttpReply> =>
    new Promise((resolve, reject) => {
      const req = request(url, { method, agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
};

export interface LoadOptions {
  readonly concurrency: number;
  /** Not recorded: lets the JIT, the sockets and the store settle. */
  readonly warmupMs: number;
  readonly durationMs: number;
}

/**
 * Runs `operation` in a closed loop from `concurrency` clients (client `i` always passes `i`) for a
 * warm-up and then a fixed duration: throughput counts the operations that ended inside it, latency
 * those that also started inside it.
 * Bounded: no client starts an operation once the duration is over.
 */
export const closedLoop = async (
  { concurrency, warmupMs, durationMs }: LoadOptions,
  operation: (client: number) => Promise<void>,
): Promise<Summary> => {
  const latencies: number[] = [];
  let completed = 0;
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + durationMs;
  const client = async (i: number): Promise<void> => {
    while (performance.now() < end) {
      const sent = performance.now();
      await operation(i);
      const done = performance.now();
      if (done >= measureFrom && done <= end) completed++;
      if (sent >= measureFrom && done <= end) latencies.push(done - sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => client(i)));
  return { ...summarize(latencies), perSecond: (completed * 1000) / durationMs };
};
