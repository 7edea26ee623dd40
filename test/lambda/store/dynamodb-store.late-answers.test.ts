import type { ClientCertificate } from '../../../lambda/domain/client-certificate.js';
import { withDeadline } from '../../../lambda/store/deadline.js';
import { DynamoDbClientCertificateStore, STORE_TIMEOUTS, WRITE_ATTEMPT_MS } from '../../../lambda/store/dynamodb-store.js';
import { storeBehindFaultProxy } from '../../support/store-behind-proxy.js';

// A write that lands at once but whose answer comes after the request timeout: the SDK retries, and
// the deadline then refuses a retry for lack of time. The attempt that was sent landed, so the call
// is the success it was, not an error answer with a write behind it.

const behind = storeBehindFaultProxy('LateAnswersTest');
let store: DynamoDbClientCertificateStore;
/** The store as the function of `operation` has it: under its role, which refuses what it is not granted. */
const storeOf = (operation: string) => new DynamoDbClientCertificateStore(behind.clientOf(operation), behind.table, 3);

/** Later than the request timeout: each attempt times out, though the store applied it. */
const LATE_MS = STORE_TIMEOUTS.requestTimeout + 500;

beforeEach(() => {
  store = new DynamoDbClientCertificateStore(behind.client, behind.table, 3);
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
  behind.proxy.set({ mode: 'late-response', only: 'PutItem', skip: 1, delayMs: LATE_MS }); // the claim passes

  const created = await withDeadline(Date.now() + 2 * WRITE_ATTEMPT_MS + 900, () =>
    storeOf('GenerateClientCertificate').create(certificate('late01')),
  );

  expect(behind.proxy.calls.faulted).toEqual(['PutItem', 'PutItem']);
  expect(created).toBe(true);
  expect((await store.load('late01'))?.version).toBe(1);
});

test('Update: its change applied, the retry refused, is the new version', async () => {
  await store.create(certificate('late02'));
  behind.proxy.set({ mode: 'late-response', only: 'UpdateItem', times: 1, delayMs: LATE_MS });

  const version = await withDeadline(Date.now() + WRITE_ATTEMPT_MS + 1_500, () =>
    storeOf('UpdateClientCertificate').saveIfVersion({ ...certificate('late02'), description: 'changed' }, 1),
  );

  expect(behind.proxy.calls.faulted).toEqual(['UpdateItem']);
  expect(version).toBe(2);
  expect((await store.load('late02'))?.value.description).toBe('changed');
});

test('Delete: the certificate deleted, the retry refused, is deleted', async () => {
  await store.create(certificate('late03'));
  behind.proxy.set({ mode: 'late-response', only: 'DeleteItem', times: 1, delayMs: LATE_MS });

  const deleted = await withDeadline(Date.now() + WRITE_ATTEMPT_MS + 1_500, () => storeOf('DeleteClientCertificate').delete('late03'));

  expect(behind.proxy.calls.faulted).toEqual(['DeleteItem']);
  expect(deleted).toBe(true);
  expect(await store.load('late03')).toBeUndefined();
});
