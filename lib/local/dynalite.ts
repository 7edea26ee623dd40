import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { PARTITION_KEY, SORT_KEY } from '../../lambda/store/table.js';

export interface LocalDynamoDb {
  /** The endpoint the DynamoDB client is pointed at. */
  readonly endpoint: string;
  /** Stops the server and closes LevelDB, flushing what it holds. */
  close(): Promise<void>;
}

/**
 * dynalite's side of the thread boundary: a plain CommonJS script, so that it runs as it is under
 * tsx, jest and plain Node alike. It reports its port, and closes (flushing LevelDB) when told.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require(workerData.dynalite);
const server = dynalite({ path: workerData.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
server.once('error', (error) => parentPort.postMessage({ error: String(error) }));
parentPort.once('message', () => server.close((error) => parentPort.postMessage({ closed: error ? String(error) : true })));
`;

/**
 * Starts dynalite on a free loopback port, on LevelDB files in `path` (or in memory when `path` is
 * undefined), and creates the certificate table if it is not there yet. It runs in a worker thread
 * of its own: on DynamoDB's side of the wire, as on AWS, and not in the handlers' event loop, so the
 * two use two cores, as a function and its table do.
 */
export const startDynalite = async (tableName: string, path?: string): Promise<LocalDynamoDb> => {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { path, dynalite: createRequire(import.meta.url).resolve('dynalite') },
  });
  const [started] = (await once(worker, 'message')) as [{ port?: number; error?: string }];
  if (started.port === undefined) {
    await worker.terminate();
    throw new Error(`dynalite did not start: ${started.error}`);
  }
  worker.unref(); // the service's own handles decide when the process may end
  const endpoint = `http://127.0.0.1:${started.port}`;
  await ensureTable(endpoint, tableName);
  return {
    endpoint,
    close: async () => {
      worker.postMessage('close');
      const [closed] = (await once(worker, 'message')) as [{ closed: true | string }];
      await worker.terminate();
      if (closed.closed !== true) throw new Error(`dynalite did not close cleanly: ${closed.closed}`);
    },
  };
};

/** Creates the certificate table in the store at `endpoint` unless it is there, and waits until it is ACTIVE. */
export const ensureTable = async (endpoint: string, tableName: string): Promise<void> => {
  const client = new DynamoDBClient({ endpoint });
  const status = async (): Promise<string | undefined> => {
    try {
      return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  };
  try {
    if ((await status()) === undefined) {
      await client.send(
        new CreateTableCommand({
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
        }),
      );
    }
    // A table answers nothing but ResourceNotFoundException while CREATING.
    for (let polls = 0; (await status()) !== 'ACTIVE'; polls++) {
      if (polls === 500) throw new Error(`table ${tableName} did not become ACTIVE`);
      await new Promise((wait) => setTimeout(wait, 10));
    }
  } finally {
    client.destroy();
  }
};
