import type { ClientCertificate } from '../../../lambda/domain/client-certificate.js';
import { withDeadline } from '../../../lambda/store/deadline.js';
import { DynamoDbClientCertificateStore, documentClient, STORE_TIMEOUTS, WRITE_ATTEMPT_MS } from '../../../lambda/store/dynamodb-store.js';
import type { LocalDynamoDb } from '../../../lib/local/dynalite.js';
import { ensureTable, startDynalite } from '../../../lib/local/dynalite.js';
import type { FaultProxy } from '../../support/fault-proxy.js';
import { startFaultProxy } from '../../support/fault-proxy.js';

// A write that lands at once but whose answer comes after the request timeout: the SDK retries, and
// the deadline then refuses a retry for lack of time. The attempt that was sent landed, so the call
// is the success it was, not an error answer with a write behind it.

let db: LocalDynamoDb;
let proxy: FaultProxy;
let client: ReturnType<typeof documentClient>;
let store: DynamoDbClientCertificateStore;
let tables = 0;

/** Later than the request timeout: each attempt times out, though the store applied it. */
const LATE_MS = STORE_TIMEOUTS.requestTimeout + 500;

beforeAll(async () => {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  db = await startDynalite('Unused');
  proxy = await startFaultProxy(db.endpoint);
  client = documentClient({ endpoint: proxy.endpoint });
});

afterAll(async () => {
  client.destroy();
  await proxy.close();
  await db.close();
});

beforeEach(async () => {
  proxy.set({ mode: 'pass' });
  const table = `LateAnswersTest${++tables}`;
  await ensureTable(db.endpoint, table);
  store = new DynamoDbClientCertificateStore(client, table, 3);
});

const certificate = (id: string): ClientCertificate => ({
  clientCertificateId: id,
  pemEncodedCertificate: 'pem',
  createdDate: 1,
  expirationDate: 2,
  tags: {},
});

test('Generate: its certificate stored, the retry refused, is created', async () => {
  // Time for the claim, the Put and one retry; the third attempt is refused.
  proxy.set({ mode: 'late-response', only: 'PutItem', skip: 1, delayMs: LATE_MS }); // the claim passes

  const created = await withDeadline(Date.now() + 2 * WRITE_ATTEMPT_MS + 900, () => store.create(certificate('late01')));

  expect(proxy.calls.faulted).toEqual(['PutItem', 'PutItem']);
  expect(created).toBe(true);
  expect((await store.load('late01'))?.version).toBe(1);
});

test('Update: its change applied, the retry refused, is the new version', async () => {
  await store.create(certificate('late02'));
  proxy.set({ mode: 'late-response', only: 'UpdateItem', times: 1, delayMs: LATE_MS });

  const version = await withDeadline(Date.now() + WRITE_ATTEMPT_MS + 1_500, () =>
    store.saveIfVersion({ ...certificate('late02'), description: 'changed' }, 1),
  );

  expect(proxy.calls.faulted).toEqual(['UpdateItem']);
  expect(version).toBe(2);
  expect((await store.load('late02'))?.value.description).toBe('changed');
});

test('Delete: the certificate deleted, the retry refused, is deleted', async () => {
  await store.create(certificate('late03'));
  proxy.set({ mode: 'late-response', only: 'DeleteItem', times: 1, delayMs: LATE_MS });

  const deleted = await withDeadline(Date.now() + WRITE_ATTEMPT_MS + 1_500, () => store.delete('late03'));

  expect(proxy.calls.faulted).toEqual(['DeleteItem']);
  expect(deleted).toBe(true);
  expect(await store.load('late03')).toBeUndefined();
});
