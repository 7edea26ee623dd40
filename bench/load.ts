import { Agent, request } from 'node:http';
import { Socket } from 'node:net';
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

/**
 * The load generator's own client for the closed loops: one keep-alive socket per client, requests
 * written as bytes and answers read by Content-Length, nothing more. On a 2-core machine every cycle
 * the load generator spends is taken from the service it measures, so it spends as few as it can
 * (what wrk does for HTTP benchmarks). Answers must carry Content-Length (the stand-in's and
 * dynalite's do); a request fails on anything else.
 */
export const socketClient = async (url: URL, sockets: number) => {
  const connections = await Promise.all(Array.from({ length: sockets }, () => connection(url)));
  const send = (client: number, method: string, path: string, headers: Record<string, string>, body: string): Promise<HttpReply> => {
    const lines = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    const head = `${method} ${path} HTTP/1.1\r\nhost: ${url.host}\r\n${lines}content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return connections[client]!.exchange(head + body);
  };
  return {
    send,
    close: () => {
      for (const connection of connections) connection.close();
    },
  };
};

/**
 * One keep-alive connection that answers one request at a time. A server may close it while idle
 * (Node's keep-alive timeout is 5 s, and a phase can leave a client idle longer): the next request
 * then opens a new one.
 */
const connection = async (url: URL) => {
  let socket: Socket | undefined;
  let buffered: Buffer = Buffer.alloc(0);
  let waiting: { resolve: (reply: HttpReply) => void; reject: (error: Error) => void } | undefined;
  const answer = (): void => {
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0 || waiting === undefined) return;
    const head = buffered.subarray(0, end).toString('latin1');
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length === null) {
      waiting.reject(new Error(`no Content-Length in ${head.slice(0, 200)}`));
      return;
    }
    const total = end + 4 + Number(length[1]);
    if (buffered.length < total) return;
    const reply = { status: Number(head.slice(9, 12)), body: buffered.subarray(end + 4, total).toString('utf8') };
    buffered = buffered.subarray(total);
    // A server that closes every connection (moto's) gets a new one for the next request.
    if (/\r\nconnection: *close/i.test(head)) {
      socket?.destroy();
      socket = undefined;
    }
    const { resolve } = waiting;
    waiting = undefined;
    resolve(reply);
  };
  const open = async (): Promise<Socket> => {
    const opened = new Socket();
    opened.setNoDelay(true);
    await new Promise<void>((connected, failed) => opened.connect(Number(url.port), url.hostname, connected).once('error', failed));
    opened.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      answer();
    });
    opened.on('close', () => {
      if (socket === opened) socket = undefined;
      buffered = Buffer.alloc(0);
      waiting?.reject(new Error('connection closed before the answer'));
    });
    opened.on('error', () => undefined); // 'close' follows and says what matters
    return opened;
  };
  socket = await open();
  return {
    exchange: async (request: string): Promise<HttpReply> => {
      socket ??= await open();
      const current = socket;
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        current.write(request);
      });
    },
    close: () => socket?.destroy(),
  };
};
