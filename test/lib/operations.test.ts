import { request } from 'node:http';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { clientCertificateArn } from '../../lambda/domain/tags.js';
import type { ClientCertificateStore, ClientCertificateStores } from '../../lambda/store/client-certificate-store.js';
import { DEFAULT_NAMESPACE, DynamoDbClientCertificateStore, documentClient } from '../../lambda/store/dynamodb-store.js';
import { CLAIMED_AT, keyOf, OWNER, slotKey } from '../../lambda/store/item.js';
import type { LocalDynamoDb } from '../../lib/local/store/dynalite.js';
import { startDynalite } from '../../lib/local/store/dynalite.js';
import { operations } from '../../lib/operations.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { invoke, overriding } from '../support/handlers.js';
import type { PolicyProxy, SentCall } from '../support/policy-proxy.js';
import { actingAs, startPolicyProxy, TEST_SETUP } from '../support/policy-proxy.js';

/**
 * Each function's role grants it the DynamoDB actions lib/operations.ts lists, and dynalite checks
 * none: a command outside them passes every other local test and fails on AWS with AccessDenied.
 * Here the store sits behind a proxy that refuses, as IAM does, every call its function's role is
 * not granted, and every operation's handler runs through its paths, failures included (not found,
 * conflicts, a taken id, a full quota, a stale slot, answers lost and retried, a store that drops
 * the connection): nothing may be refused, and every action granted must be one that is used.
 */

const TABLE = 'TableActionTests';
let db: LocalDynamoDb;
let policy: PolicyProxy;
let proxy: FaultProxy;
let client: ReturnType<typeof documentClient>;
let store: DynamoDbClientCertificateStore;
const handlers = new Map<string, (store: ClientCertificateStore) => Parameters<typeof invoke>[0]>();
/** Whose role the store's calls run under: the function whose handler is running, else the test's own. */
let role = TEST_SETUP;

const run = async (operation: string, store: ClientCertificateStore, input: Parameters<typeof invoke>[2] = {}) => {
  role = operation;
  try {
    return await invoke(handlers.get(operation)!(store), operation, input);
  } finally {
    role = TEST_SETUP;
  }
};

/** Another caller's write, made while a handler runs: under the test's role, not the handler's. */
const asTestSetup = async <T>(work: () => Promise<T>): Promise<T> => {
  const was = role;
  role = TEST_SETUP;
  try {
    return await work();
  } finally {
    role = was;
  }
};

const generate = async (): Promise<string> =>
  (await run('GenerateClientCertificate', store, { body: {} })).json.clientCertificateId as string;
const arn = (id: string) => clientCertificateArn(DEFAULT_NAMESPACE.region, id);

beforeAll(async () => {
  Object.assign(process.env, { TABLE_NAME: TABLE, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  db = await startDynalite(TABLE);
  // IAM in front of the store; before it a proxy that can lose the store's answers, or the connection.
  policy = await startPolicyProxy(db.endpoint, () => TABLE);
  proxy = await startFaultProxy(policy.endpoint);
  client = documentClient({ endpoint: proxy.endpoint });
  actingAs(client, () => role);
  store = new DynamoDbClientCertificateStore(client, TABLE, 3);
  for (const operation of operations) {
    const module = (await import(`../../lambda/handlers/${operation.module}.js`)) as {
      createHandler: (stores: ClientCertificateStores) => Parameters<typeof invoke>[0];
    };
    handlers.set(operation.name, (one) => module.createHandler(() => one));
  }
});

afterAll(async () => {
  client.destroy();
  await proxy.close();
  await policy.close();
  await db.close();
});

beforeEach(() => proxy.set({ mode: 'pass' }));

/** No call has been refused: every command each function has sent is one its role is granted. */
const expectWithinGrants = () => expect(policy.refused).toEqual([]);

test('every operation, through its paths and their refusals, sends only the DynamoDB actions its function is granted', async () => {
  // Generate: stored; its drawn id taken by another (it draws again); the quota full.
  const first = await generate();
  let taken = false;
  const racing = overriding(store, {
    create: async (certificate) => {
      if (!taken) {
        taken = true;
        const item = {
          ...certificate,
          pemEncodedCertificate: await certificate.pemEncodedCertificate,
          ...keyOf(DEFAULT_NAMESPACE, certificate.clientCertificateId),
          version: 1,
        };
        await asTestSetup(() => client.send(new PutCommand({ TableName: TABLE, Item: item })));
      }
      return store.create(certificate);
    },
  });
  expect((await run('GenerateClientCertificate', racing, { body: {} })).statusCode).toBe(201);
  await generate();
  expect((await run('GenerateClientCertificate', store, { body: {} })).statusCode).toBe(429);

  // Reads, found and not.
  await run('GetClientCertificate', store, { id: first });
  await run('GetClientCertificate', store, { id: 'zzzzzz' });
  await run('GetClientCertificates', store, { query: 'limit=1' });
  await run('GetTags', store, { arn: arn(first) });
  await run('GetTags', store, { arn: arn('zzzzzz') });

  // Writes: applied, lost to another writer (409), and on a certificate that is not there.
  const patch = { patchOperations: [{ op: 'replace', path: '/description', value: 'x' }] };
  await run('UpdateClientCertificate', store, { id: first, body: patch });
  const stale = overriding(store, { load: async (id) => ({ ...(await store.load(id))!, version: 0 }) });
  expect((await run('UpdateClientCertificate', stale, { id: first, body: patch })).statusCode).toBe(409);
  await run('UpdateClientCertificate', store, { id: 'zzzzzz', body: patch });
  await run('TagResource', store, { arn: arn(first), body: { tags: { k: 'v' } } });
  expect((await run('TagResource', stale, { arn: arn(first), body: { tags: { k: 'w' } } })).statusCode).toBe(409);
  await run('UntagResource', store, { arn: arn(first), query: 'tagKeys=k' });
  expect((await run('UntagResource', stale, { arn: arn(first), query: 'tagKeys=k' })).statusCode).toBe(409);
  await run('DeleteClientCertificate', store, { id: first });
  await run('DeleteClientCertificate', store, { id: first });

  expectWithinGrants();
  expect([...policy.used.keys()].sort()).toEqual(operations.map((o) => o.name).sort());
});

test('the writes, when answers are lost and retried or the store drops the connection, still send only granted actions', async () => {
  const patch = { patchOperations: [{ op: 'replace', path: '/description', value: 'y' }] };
  const fresh = new DynamoDbClientCertificateStore(client, TABLE, 3, Date.now, { account: '111111111111', region: 'us-east-1' });

  // Generate whose slot claim lands with its answer lost: retried, and recognised as its own.
  proxy.set({ mode: 'lose-response', only: 'PutItem', times: 1 });
  expect((await run('GenerateClientCertificate', fresh, { body: {} })).statusCode).toBe(201);
  // Generate whose certificate Put (its second PutItem) lands with its answer lost: retried, then read back.
  proxy.set({ mode: 'lose-response', only: 'PutItem', skip: 1, times: 1 });
  const created = await run('GenerateClientCertificate', fresh, { body: {} });
  expect(created.statusCode).toBe(201);
  expect(proxy.calls.faulted).toEqual(['PutItem']);
  const id = created.json.clientCertificateId as string;

  // Generate into a full quota whose one slot was claimed long ago by a request that died: reclaimed.
  const dead = { account: '222222222222', region: 'us-east-1' };
  proxy.set({ mode: 'pass' });
  await client.send(new PutCommand({ TableName: TABLE, Item: { ...keyOf(dead, slotKey(0)), [OWNER]: 'died01', [CLAIMED_AT]: 0 } }));
  expect(
    (await run('GenerateClientCertificate', new DynamoDbClientCertificateStore(client, TABLE, 1, Date.now, dead), { body: {} })).statusCode,
  ).toBe(201);

  // Update, TagResource and UntagResource whose write lands with its answer lost: retried, and recognised.
  for (const [operation, input, status] of [
    ['UpdateClientCertificate', { id, body: patch }, 200],
    ['TagResource', { arn: arn(id), body: { tags: { k: 'v' } } }, 204],
    ['UntagResource', { arn: arn(id), query: 'tagKeys=k' }, 204],
  ] as const) {
    proxy.set({ mode: 'lose-response', only: 'UpdateItem', times: 1 });
    expect({ operation, status: (await run(operation, fresh, input)).statusCode }).toEqual({ operation, status });
  }

  // Update while the store drops every connection of its write: read back, and answered 503.
  proxy.set({ mode: 'down', only: 'UpdateItem' });
  expect((await run('UpdateClientCertificate', fresh, { id, body: patch })).statusCode).toBe(503);

  // Delete whose answer is lost: its retry finds nothing, and that is its own success.
  proxy.set({ mode: 'lose-response', only: 'DeleteItem', times: 1 });
  expect((await run('DeleteClientCertificate', fresh, { id })).statusCode).toBe(202);

  // Delete whose every answer is lost: the outcome unknown, it reads the certificate back, finds it gone.
  proxy.set({ mode: 'pass' });
  const other = (await run('GenerateClientCertificate', fresh, { body: {} })).json.clientCertificateId as string;
  proxy.set({ mode: 'lose-response', only: 'DeleteItem' });
  expect((await run('DeleteClientCertificate', fresh, { id: other })).statusCode).toBe(202);
  expect(proxy.calls.forwarded).toEqual(['GetItem']);

  expectWithinGrants();
});

// After the tests above, which between them take every path this file knows.
test('every action a function is granted is one its handler uses: none granted for nothing', () => {
  const unused = operations.flatMap((operation) =>
    operation.tableActions
      .filter((action) => policy.used.get(operation.name)?.has(action) !== true)
      .map((action) => `${operation.name}: ${action}`),
  );
  expect(unused).toEqual([]);
});

/** Sends a call to the policy proxy again, exactly as it was first sent: the error type of its answer, if any. */
const sendAgain = (call: SentCall): Promise<string> =>
  new Promise((answered, failed) => {
    const { hostname, port } = new URL(policy.endpoint);
    const sent = request({ hostname, port, method: 'POST', path: call.path, headers: call.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () =>
        answered(String((JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { __type?: string }).__type ?? answer.statusCode)),
      );
    });
    sent.on('error', failed);
    sent.end(call.body);
  });

// After the tests above: each granted action has a call they sent, which the proxy allowed.
test('withdrawing any one granted action from lib/operations.ts has a call these paths send refused, failing the test that sends it', async () => {
  const answers: string[] = [];
  for (const { name, tableActions } of operations) {
    for (const action of tableActions) {
      const granted = policy.grants.get(name)!;
      granted.delete(action);
      try {
        answers.push(`${name}: ${action}: ${await sendAgain(policy.sample.get(`${name}: ${action}`)!)}`);
      } finally {
        granted.add(action);
      }
    }
  }

  const refusals = operations.flatMap(({ name, tableActions }) => tableActions.map((action) => `${name}: ${action}`));
  expect(answers).toEqual(refusals.map((call) => `${call}: com.amazon.coral.service#AccessDeniedException`));
  expect(policy.refused.splice(0)).toEqual(refusals);
});

test('a store command a role is not granted is refused as IAM refuses it, and fails the test that sends it', async () => {
  // GetClientCertificate's role may only read: a create (PutItem) from it is what no role of it grants.
  role = 'GetClientCertificate';
  try {
    await expect(
      store.create({ clientCertificateId: 'role01', pemEncodedCertificate: 'pem', createdDate: 1, expirationDate: 2, tags: {} }),
    ).rejects.toMatchObject({
      type: 'ServiceUnavailableException',
    });
  } finally {
    role = TEST_SETUP;
  }

  expect(() => expectWithinGrants()).toThrow(/GetClientCertificate: dynamodb:PutItem/);
  policy.refused.splice(0);
});
