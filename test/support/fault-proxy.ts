import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the store seems to do, seen from the handlers:
 * - `pass`: forward every call (after `delayMs`, if set)
 * - `down`: reset every connection, as an unreachable host does
 * - `blackhole`: accept and never answer, as a stalled one does
 * - `throttle`: answer every call with DynamoDB's ProvisionedThroughputExceededException
 * - `lose-response`: apply the call, then drop the connection before the answer gets back
 * - `late-response`: apply the call at once, and hold its answer for `delayMs`
 * - `unprocessed`: answer a BatchGetItem with no item read and every key in `UnprocessedKeys`, as
 *   DynamoDB answers a batch whose reads it throttles
 */
export type FaultMode = 'pass' | 'down' | 'blackhole' | 'throttle' | 'lose-response' | 'late-response' | 'unprocessed';

export interface Fault {
  readonly mode: FaultMode;
  /** Only calls to this DynamoDB operation (`PutItem`, `GetItem`...) are faulted. @default every call */
  readonly only?: string;
  /** Added before a call is forwarded: a number, or one for each call given its DynamoDB operation. @default 0 */
  readonly delayMs?: number | ((operation: string) => number);
  /** Only the first this many matching calls are faulted; later ones pass. @default all of them */
  readonly times?: number;
  /** Matching calls that pass before the faults begin. @default 0 */
  readonly skip?: number;
}

export interface FaultProxy {
  /** Where the handlers are to find the store. */
  readonly endpoint: string;
  /** Calls forwarded to the store, and calls faulted, by DynamoDB operation, since the last `set`. */
  readonly calls: { forwarded: string[]; faulted: string[] };
  /** Calls and connections faulted since the proxy started. */
  readonly injected: () => number;
  set(fault: Fault): void;
  close(): Promise<void>;
}

/** An HTTP proxy in front of the real local store that injects faults on demand. */
export const startFaultProxy = async (target: string): Promise<FaultProxy> => {
  let fault: Fault = { mode: 'pass' };
  let matched = 0;
  const calls = { forwarded: [] as string[], faulted: [] as string[] };
  let injected = 0;
  const sockets = new Set<Socket>();
  // Delayed acts and answers not yet due; cleared on close, so that none keeps a test's process alive.
  const pending = new Set<NodeJS.Timeout>();
  const later = (act: () => void, ms: number) => {
    const timer = setTimeout(() => {
      pending.delete(timer);
      act();
    }, ms);
    pending.add(timer);
  };
  const { hostname, port } = new URL(target);

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, loseResponse: boolean, answerAfterMs = 0) => {
    const upstream = request({ hostname, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        // The store has done the work; only its answer goes missing.
        if (loseResponse) return void res.socket?.destroy();
        later(() => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks));
        }, answerAfterMs);
      });
    });
    upstream.on('error', () => res.socket?.destroy());
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const operation =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      const { mode, only, times = Infinity, skip = 0 } = fault;
      const delayMs = typeof fault.delayMs === 'function' ? fault.delayMs(operation) : (fault.delayMs ?? 0);
      const matches = (mode !== 'pass' || delayMs > 0) && (only === undefined || only === operation);
      const faulted = matches && matched++ >= skip && calls.faulted.length < times;
      (faulted ? calls.faulted : calls.forwarded).push(operation);
      const act = () => {
        if (!faulted || mode === 'pass') return forward(req, Buffer.concat(chunks), res, false);
        if (mode === 'down') return void req.socket.destroy();
        if (mode === 'blackhole') return;
        if (mode === 'lose-response') return forward(req, Buffer.concat(chunks), res, true);
        if (mode === 'late-response') return forward(req, Buffer.concat(chunks), res, false, delayMs);
        if (mode === 'unprocessed') {
          const { RequestItems } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          return void res.end(JSON.stringify({ Responses: {}, UnprocessedKeys: RequestItems }));
        }
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
            message: 'The level of configured provisioned throughput for the table was exceeded.',
          }),
        );
      };
      if (faulted && delayMs > 0 && mode !== 'late-response') later(act, delayMs);
      else act();
    });
  });
  server.on('connection', (socket: Socket) => {
    if (fault.mode === 'down' && fault.only === undefined) {
      calls.faulted.push('connection');
      return void socket.destroy();
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    injected: () => injected + calls.faulted.length,
    set: (next) => {
      fault = next;
      matched = 0;
      // A change of weather cuts every connection, as a network fault or a store restart would.
      for (const socket of sockets) socket.destroy();
      injected += calls.faulted.length;
      calls.forwarded.length = 0;
      calls.faulted.length = 0;
    },
    close: () =>
      new Promise<void>((done) => {
        for (const timer of pending) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
};
