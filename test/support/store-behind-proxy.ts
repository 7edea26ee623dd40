import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../lambda/store/client.js';
import type { LocalDynamoDb } from '../../lib/local/store/dynalite.js';
import { ensureTable, startDynalite } from '../../lib/local/store/dynalite.js';
import type { FaultProxy } from './fault-proxy.js';
import { startFaultProxy } from './fault-proxy.js';
import type { PolicyProxy } from './policy-proxy.js';
import { actingAs, startPolicyProxy, TEST_SETUP } from './policy-proxy.js';

export interface StoreBehindProxy {
  readonly db: LocalDynamoDb;
  /** Every call goes through it, so a test can lose or delay an answer the store has already applied. */
  readonly proxy: FaultProxy;
  /** Behind the fault proxy, in front of the store: refuses what a function's role is not granted. */
  readonly policy: PolicyProxy;
  /** The store's document client, configured as the handlers' is, for the test's own setup and checks. */
  readonly client: DynamoDBDocumentClient;
  /** The same, its calls under the role of the function `operation` (a name in lib/operations.ts). */
  readonly clientOf: (operation: string) => DynamoDBDocumentClient;
  /** A table of the test's own, made before it. */
  readonly table: string;
}

/**
 * For a test file: dynalite behind IAM and a fault proxy for all its tests, and before each test a
 * new table named `${tablePrefix}N` and every call passed. After each, no call may have been refused:
 * a refusal the store swallows (a best-effort release) fails the test too. Read its fields inside
 * tests and hooks.
 */
export const storeBehindFaultProxy = (tablePrefix: string): StoreBehindProxy => {
  const clients = new Map<string, DynamoDBDocumentClient>();
  const clientAs = (role: string): DynamoDBDocumentClient => {
    let client = clients.get(role);
    if (client === undefined) {
      client = documentClient({ endpoint: state.proxy.endpoint });
      actingAs(client, () => role);
      clients.set(role, client);
    }
    return client;
  };
  const state = { tables: 0, clientOf: clientAs } as {
    tables: number;
    db: LocalDynamoDb;
    proxy: FaultProxy;
    policy: PolicyProxy;
    client: DynamoDBDocumentClient;
    clientOf: (operation: string) => DynamoDBDocumentClient;
    table: string;
  };
  beforeAll(async () => {
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    state.db = await startDynalite('Unused');
    state.policy = await startPolicyProxy(state.db.endpoint, () => state.table);
    state.proxy = await startFaultProxy(state.policy.endpoint);
    state.client = clientAs(TEST_SETUP);
  });
  afterAll(async () => {
    for (const client of clients.values()) client.destroy();
    await state.proxy.close();
    await state.policy.close();
    await state.db.close();
  });
  beforeEach(async () => {
    state.proxy.set({ mode: 'pass' });
    state.table = `${tablePrefix}${++state.tables}`;
    await ensureTable(state.db.endpoint, state.table);
  });
  afterEach(() => {
    const refused = state.policy.refused.splice(0);
    expect({ refused }).toEqual({ refused: [] });
  });
  return state;
};
