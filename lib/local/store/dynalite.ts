import { once } from 'node:events';
import { createRequire } from 'node:module';
import { type MessagePort, Worker } from 'node:worker_threads';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { PARTITION_KEY, SORT_KEY } from '../../../lambda/store/table.js';
import { compileCacheDir } from '../base/compile-cache.js';
import { forwardOutput } from '../base/output.js';

export interface LocalDynamoDb {
  /** The endpoint the DynamoDB client is pointed at. */
  readonly endpoint: string;
  /** What a client of `endpoint` signs with: the only access key id it takes, when it was started with one. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** What the store's thread holds now: LevelDB iterators not yet closed, and its JavaScript heap in bytes. */
  stats(): Promise<{ readonly openIterators: number; readonly heapUsed: number }>;
  /**
   * Takes on `port` the requests its HTTP endpoint takes, posted as ./store-transport.ts posts them:
   * the handlers' SDK requests without a socket or HTTP.
   */
  serve(port: MessagePort): void;
  /** Stops the server and closes LevelDB, flushing what it holds. */
  close(): Promise<void>;
}

export interface LocalDynamoDbOptions {
  /**
   * Called, after the one line saying why, when the store cannot go on: its LevelDB files were removed
   * while it ran, or its thread failed.
   * @default ends the process with exit code 1: requests would only ever get 503 again
   */
  readonly onFailure?: (reason: string) => void;
  /**
   * The only access key id its HTTP endpoint takes (dynalite checks no signature): any other, or
   * none, is DynamoDB's 400 UnrecognizedClientException. The local service's store on 127.0.0.1 is
   * reachable by every process on the machine, and with signatures checked by the service a
   * caller must not read or write another's items there, past the front's checks. Requests posted
   * on a port (`serve`) are the handlers' own and need none.
   * @default any key: a store for a test's own use
   */
  readonly accessKeyId?: string;
}

/**
 * dynalite's side of the thread boundary: a plain CommonJS script, so that it runs as it is under
 * tsx, jest and plain Node alike. It mends three of dynalite's own faults, in place rather than in
 * a copy of dynalite (each wrapper names the fault it is for):
 * - it closes the iterators dynalite means to end (see `iterator.return`), which kept memory for
 *   every Scan or Query that a Limit stopped early;
 * - it turns a LevelDB I/O error, which dynalite throws out of its request handler and so out of the
 *   thread, into DynamoDB's 500 InternalServerError (the handlers answer 503), reports each distinct
 *   cause once, and reopens the database until it opens (LevelDB keeps failing after its first write
 *   error until then), unless its files are gone, which nothing here can mend;
 * - it keeps a client that resets its connection mid-request from ending the thread the same way.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.compileCache !== undefined) require('node:module').enableCompileCache(workerData.compileCache);
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { getHeapStatistics } = require('node:v8');
const db = require(workerData.db);
const dynalite = require(workerData.dynalite);
const createTable = require(workerData.createTable);
const { path, table, accessKeyId } = workerData;
const { timingSafeEqual } = require('node:crypto');

let store;
const openIterators = new Set();
let recovering = false;
const reported = new Set();
let started = false;
// Until it has started, a fault is told only as the reason it did not.
const post = (message) => (started || message.event === undefined) && parentPort.postMessage(message);

// What LevelDB gives when its files cannot be read or written; anything else is dynalite's own.
const isFault = (error) =>
  ['LEVEL_IO_ERROR', 'LEVEL_CORRUPTION', 'LEVEL_DATABASE_NOT_OPEN'].includes(error && error.code) ||
  (error && error.message === 'Database is closed');

// dynalite throws an error without a statusCode out of its request handler, which ends the thread;
// with one it answers, as DynamoDB does when its storage fails.
const answerable = (error) => {
  if (!isFault(error)) return error;
  const cause = error.cause ? error.cause.message : error.message;
  // One line per kind of fault, not per file it hit; a closed database while reopening is no news.
  const kind = cause.replace(/[/][^ ]*: /g, '');
  if (!reported.has(kind) && !(recovering && kind === 'Database is closed')) {
    reported.add(kind);
    post({ event: 'fault', cause });
  }
  if (!recovering && path !== undefined) void recover();
  return Object.assign(new Error(cause), {
    statusCode: 500,
    body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
  });
};

const mend = (level) => {
  for (const method of ['get', 'put', 'del', 'batch']) {
    const call = level[method];
    level[method] = (...args) => {
      const done = args[args.length - 1];
      if (typeof done !== 'function') return call.apply(level, args).catch((error) => { throw answerable(error); });
      args[args.length - 1] = (error, ...rest) => done(error && answerable(error), ...rest);
      try {
        call.apply(level, args);
      } catch (error) {
        setImmediate(done, answerable(error)); // a closed database can throw before it calls back
      }
    };
  }
  // The database's own account of what it holds open, for stats().
  const attach = level.attachResource.bind(level);
  const detach = level.detachResource.bind(level);
  level.attachResource = (resource) => { if (typeof resource.next === 'function') openIterators.add(resource); attach(resource); };
  level.detachResource = (resource) => { openIterators.delete(resource); detach(resource); };
  for (const method of ['keys', 'values']) {
    const make = level[method];
    level[method] = (options) => {
      let iterator;
      try {
        iterator = make.call(level, options);
      } catch (error) {
        const failed = answerable(error);
        return { next: () => Promise.reject(failed), close: async () => {} };
      }
      // dynalite ends a stream's iterator with return(), which abstract-level 3 iterators lack (they
      // have close()): each read stopped early by a Limit kept its iterator, LevelDB snapshot and
      // read-ahead until the store closed.
      iterator.return = () => iterator.close();
      const next = iterator.next.bind(iterator);
      iterator.next = () => next().catch((error) => { throw answerable(error); });
      return iterator;
    };
  }
};

// LevelDB keeps its first write error until it is reopened: reopen until it opens, or stop if its files are gone.
const recover = async () => {
  recovering = true;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    await new Promise((later) => setTimeout(later, wait));
    if (!existsSync(join(path, 'CURRENT'))) return post({ event: 'lost' });
    await store.db.close().catch(() => {}); // closes its iterators too
    store.recreate();
    mend(store.db);
    try {
      await store.db.open();
      break;
    } catch (error) {
      answerable(error);
    }
  }
  reported.clear();
  recovering = false;
  post({ event: 'recovered' });
};

const create = db.create;
db.create = (options) => {
  store = create(options);
  mend(store.db);
  return store;
};
const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
// dynalite throws a request stream's error (a client reset mid-body) out of the thread; only that request is lost.
const [handle] = server.listeners('request');
server.removeAllListeners('request');
const serveRequest = (req, res) => {
  handle(req, res);
  req.removeAllListeners('error');
  req.on('error', () => res.destroy());
};
// dynalite answers every origin's CORS preflight and request (Access-Control-Allow-Origin: *), so a web
// page open in a browser could read and write every namespace's items on this loopback port, past the
// front's checks. A browser names the page's origin (Origin, Sec-Fetch-Site); the SDK and the tests'
// proxies never do.
server.on('request', (req, res) => {
  if (req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined) {
    res.statusCode = 403;
    return res.end();
  }
  if (accessKeyId !== undefined && !signedWithKey(req.headers.authorization)) {
    res.statusCode = 400;
    res.setHeader('content-type', 'application/x-amz-json-1.0');
    return res.end(UNRECOGNIZED_CLIENT);
  }
  serveRequest(req, res);
});
// Any process on the machine can reach this port: only the service's own clients know its key (see accessKeyId).
const UNRECOGNIZED_CLIENT = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#UnrecognizedClientException',
  message: 'The security token included in the request is invalid.',
});
const expectedKey = Buffer.from(accessKeyId === undefined ? '' : accessKeyId);
const signedWithKey = (authorization) => {
  const key = Buffer.from((/^AWS4-HMAC-SHA256 Credential=([^/, ]*)[/]/.exec(String(authorization)) || [])[1] || '');
  return key.length === expectedKey.length && timingSafeEqual(key, expectedKey);
};
// The same handler for requests posted on a port (./store-transport.ts): what the SDK would have
// sent over HTTP, read as dynalite reads a request, answered as it answers one, with no socket.
const { EventEmitter } = require('node:events');
const servePort = (port) =>
  port.on('message', ({ id, method, url, headers, body }) => {
    const req = Object.assign(new EventEmitter(), { method, url, headers });
    const answer = { statusCode: 200, headers: {} };
    const res = {
      set statusCode(status) { answer.statusCode = status; },
      get statusCode() { return answer.statusCode; },
      setHeader: (name, value) => { answer.headers[name.toLowerCase()] = String(value); },
      end: (text) => port.postMessage({ id, ...answer, body: text === undefined ? '' : String(text) }),
      destroy: () => port.postMessage({ id, failed: true }),
    };
    serveRequest(req, res);
    if (body.length > 0) req.emit('data', Buffer.from(body));
    req.emit('end');
  });
// The table, made by dynalite's own CreateTable, here rather than over HTTP through the SDK: at
// every start, that took three round trips, and waits in between.
const tableActive = () =>
  new Promise((resolve, reject) => {
    createTable(store, table, (error) => {
      if (error && !String(error.body && error.body.__type).endsWith('#ResourceInUseException')) return reject(error);
      const poll = (polls) =>
        store.getTable(table.TableName, false, (error, found) => {
          if (error) reject(error);
          else if (found.TableStatus === 'ACTIVE') resolve();
          else if (polls === 500) reject(new Error('table ' + table.TableName + ' did not become ACTIVE'));
          else setTimeout(poll, 10, polls + 1);
        });
      poll(0);
    });
  });
server.listen(0, '127.0.0.1', () =>
  tableActive().then(
    () => {
      started = true;
      post({ port: server.address().port });
    },
    (error) => post({ error: String(error.message || error) }),
  ),
);
server.once('error', (error) => post({ error: String(error) }));
parentPort.on('message', ({ id, ask, port }) => {
  if (ask === 'stats') post({ id, openIterators: openIterators.size, heapUsed: getHeapStatistics().used_heap_size });
  if (ask === 'port') servePort(port);
  if (ask === 'close') server.close((error) => post({ id, closed: error ? String(error) : true }));
});
`;

/**
 * Starts dynalite on a free loopback port, on LevelDB files in `path` (or in memory when `path` is
 * undefined), and creates the table `tableName` unless it is there already. It runs in a worker thread
 * of its own: on DynamoDB's side of the wire, as on AWS, and not in the handlers' event loop, so the
 * two use two cores, as a function and its table do. Store faults are logged to stderr, one line for
 * each distinct cause, one when the store is back.
 */
export const startDynalite = async (
  tableName: string,
  path?: string,
  { onFailure = () => process.exit(1), accessKeyId }: LocalDynamoDbOptions = {},
): Promise<LocalDynamoDb> => {
  const require = createRequire(import.meta.url);
  const worker = new Worker(WORKER, {
    eval: true,
    stdout: true,
    stderr: true,
    workerData: {
      path,
      accessKeyId,
      table: tableDefinition(tableName),
      dynalite: require.resolve('dynalite'),
      db: require.resolve('dynalite/db'),
      createTable: require.resolve('dynalite/actions/createTable'),
      compileCache: compileCacheDir(),
    },
  });
  forwardOutput(worker);
  const [started] = (await once(worker, 'message')) as [{ port?: number; error?: string }];
  if (started.port === undefined) {
    await worker.terminate();
    throw new Error(`dynalite did not start: ${started.error}`);
  }
  worker.unref(); // the service's own handles decide when the process may end

  const where = path ?? 'memory';
  const log = (line: string) => process.stderr.write(`store (LevelDB in ${where}): ${line}\n`);
  const fail = (reason: string) => {
    log(`${reason}; stopping`);
    onFailure(reason);
  };
  const pending = new Map<number, (answer: Answer) => void>();
  worker.on('message', (message: Answer & StoreEvent) => {
    if (message.id !== undefined) pending.get(message.id)?.(message);
    else if (message.event === 'fault') log(`${message.cause}; store calls fail until it reopens`);
    else if (message.event === 'recovered') log('reopened; requests are served again');
    else if (message.event === 'lost')
      fail('its files were removed while the service ran (writes not yet flushed are lost); restore them or start on an empty directory');
  });
  worker.once('error', (error) => fail(`the store's thread failed: ${error.message}`));
  let asked = 0;
  const ended = once(worker, 'exit').then(() => Promise.reject(new Error("the store's thread has ended")));
  ended.catch(() => {}); // only a question asked of an ended thread hears of it
  const ask = async (question: 'stats' | 'close'): Promise<Answer> => {
    const id = ++asked;
    worker.postMessage({ id, ask: question });
    try {
      return await Promise.race([new Promise<Answer>((answered) => pending.set(id, answered)), ended]);
    } finally {
      pending.delete(id);
    }
  };

  const endpoint = `http://127.0.0.1:${started.port}`;
  return {
    endpoint,
    credentials: { accessKeyId: accessKeyId ?? 'local', secretAccessKey: 'local' },
    serve: (port) => worker.postMessage({ ask: 'port', port }, [port]),
    stats: async () => {
      const { openIterators, heapUsed } = await ask('stats');
      return { openIterators: openIterators!, heapUsed: heapUsed! };
    },
    close: async () => {
      const { closed } = await ask('close');
      worker.removeAllListeners('error');
      await worker.terminate();
      if (closed !== true) throw new Error(`dynalite did not close cleanly: ${closed}`);
    },
  };
};

interface Answer {
  readonly id?: number;
  readonly openIterators?: number;
  readonly heapUsed?: number;
  readonly closed?: true | string;
}

interface StoreEvent {
  readonly event?: 'fault' | 'recovered' | 'lost';
  readonly cause?: string;
}

/** Creates the certificate table in the store at `endpoint` unless it is there, and waits until it is ACTIVE. */
export const ensureTable = async (endpoint: string, tableName: string): Promise<void> => {
  // Loaded here, for the stores this is called for (tests', benchmarks'): the service's own makes its table in its thread.
  const { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } = await import('@aws-sdk/client-dynamodb');
  // dynalite ignores both, but the SDK sends nothing without them; none is read from the environment.
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const status = async (): Promise<string | undefined> => {
    try {
      return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  };
  try {
    if ((await status()) === undefined) await client.send(new CreateTableCommand(tableDefinition(tableName)));
    // A table answers nothing but ResourceNotFoundException while CREATING.
    for (let polls = 0; (await status()) !== 'ACTIVE'; polls++) {
      if (polls === 500) throw new Error(`table ${tableName} did not become ACTIVE`);
      await new Promise((wait) => setTimeout(wait, 10));
    }
  } finally {
    client.destroy();
  }
};

/** The certificate table's CreateTable request. */
const tableDefinition = (tableName: string) =>
  ({
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: SORT_KEY, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  }) satisfies CreateTableCommandInput;
