import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../lambda/store/client.js';
import type { LocalDynamoDb } from '../../lib/local/dynalite.js';
import { ensureTable, startDynalite } from '../../lib/local/dynalite.js';
import type { FaultProxy } from './fault-proxy.js';
import { startFaultProxy } from './fault-proxy.js';

export interface StoreBehindProxy {
  readonly db: LocalDynamoDb;
  /** Every call goes through it, so a test can lose or delay an answer the store has already applied. */
  readonly proxy: FaultProxy;
  /** The store's document client, configured as the handlers' is, talking through the proxy. */
  readonly client: DynamoDBDocumentClient;
  /** A table of the test's own, made before it. */
  readonly table: string;
}

/**
 * For a test file: dynalite behind a fault proxy for all its tests, and before each test a new
 * table named `${tablePrefix}N` and every call passed. Read its fields inside tests and hooks.
 */
export const storeBehindFaultProxy = (tablePrefix: string): StoreBehindProxy => {
  const state = { tables: 0 } as { tables: number; db: LocalDynamoDb; proxy: FaultProxy; client: DynamoDBDocumentClient; table: string };
  beforeAll(async () => {
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    state.db = await startDynalite('Unused');
    state.proxy = await startFaultProxy(state.db.endpoint);
    state.client = documentClient({ endpoint: state.proxy.endpoint });
  });
  afterAll(async () => {
    state.client.destroy();
    await state.proxy.close();
    await state.db.close();
  });
  beforeEach(async () => {
    state.proxy.set({ mode: 'pass' });
    state.table = `${tablePrefix}${++state.tables}`;
    await ensureTable(state.db.endpoint, state.table);
  });
  return state;
};
