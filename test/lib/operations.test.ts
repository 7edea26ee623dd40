import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalDynamoDb } from '../../lib/local/dynalite.js';
import { startDynalite } from '../../lib/local/dynalite.js';
import { operations } from '../../lib/operations.js';
import { clientCertificateArn } from '../../lambda/domain/tags.js';
import type { ClientCertificateStore, ClientCertificateStores } from '../../lambda/store/client-certificate-store.js';
import { DEFAULT_NAMESPACE, DynamoDbClientCertificateStore, documentClient } from '../../lambda/store/dynamodb-store.js';
import { keyOf } from '../../lambda/store/item.js';
import { invoke, overriding, recordCommands } from '../support/handlers.js';

/**
 * Each function's role grants it the DynamoDB actions lib/operations.ts lists, and dynalite checks
 * none: a command outside them passes every local test and fails on AWS with AccessDenied. Here every
 * operation's handler runs through its paths, failures included (not found, conflicts, a taken id,
 * a full quota), and every command it sends must be one its function is granted.
 */

const TABLE = 'TableActionTests';
let db: LocalDynamoDb;
let client: ReturnType<typeof documentClient>;
let sent: string[];
let store: DynamoDbClientCertificateStore;
const handlers = new Map<string, (store: ClientCertificateStore) => Parameters<typeof invoke>[0]>();
/** What each operation sent, as IAM names the actions. */
const used = new Map<string, Set<string>>();

const run = async (operation: string, store: ClientCertificateStore, input: Parameters<typeof invoke>[2] = {}) => {
  sent.length = 0;
  const response = await invoke(handlers.get(operation)!(store), operation, input);
  const actions = used.get(operation) ?? new Set<string>();
  for (const command of sent) actions.add(`dynamodb:${command.replace(/Command$/, '')}`);
  used.set(operation, actions);
  return response;
};

const generate = async (): Promise<string> => (await run('GenerateClientCertificate', store, { body: {} })).json.clientCertificateId as string;
const arn = (id: string) => clientCertificateArn(DEFAULT_NAMESPACE.region, id);

beforeAll(async () => {
  Object.assign(process.env, { TABLE_NAME: TABLE, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  db = await startDynalite(TABLE);
  client = documentClient({ endpoint: db.endpoint });
  sent = recordCommands(client);
  store = new DynamoDbClientCertificateStore(client, TABLE, 3);
  for (const operation of operations) {
    const module = (await import(`../../lambda/handlers/${operation.module}.js`)) as { createHandler: (stores: ClientCertificateStores) => Parameters<typeof invoke>[0] };
    handlers.set(operation.name, (one) => module.createHandler(() => one));
  }
});

afterAll(async () => {
  client.destroy();
  await db.close();
});

test('every operation, through its paths, sends only the DynamoDB actions its function is granted', async () => {
  // Generate: stored; its drawn id taken by another (it draws again); the quota full.
  const first = await generate();
  let taken = false;
  const racing = overriding(store, {
    create: async (certificate) => {
      if (!taken) {
        taken = true;
        const item = { ...certificate, ...keyOf(DEFAULT_NAMESPACE, certificate.clientCertificateId), version: 1 };
        await client.send(new PutCommand({ TableName: TABLE, Item: item }));
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

  for (const operation of operations) {
    const granted = new Set(operation.tableActions);
    const outside = [...(used.get(operation.name) ?? [])].filter((action) => !granted.has(action));
    expect({ operation: operation.name, outside }).toEqual({ operation: operation.name, outside: [] });
  }
  expect([...used.keys()].sort()).toEqual(operations.map((o) => o.name).sort());
});
