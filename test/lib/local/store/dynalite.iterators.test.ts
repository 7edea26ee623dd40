import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { newClientCertificateId } from '../../../../lambda/domain/client-certificate.js';
import { DEFAULT_NAMESPACE, DynamoDbClientCertificateStore, documentClient } from '../../../../lambda/store/dynamodb-store.js';
import { partitionOf } from '../../../../lambda/store/item.js';
import { PARTITION_KEY, SORT_KEY } from '../../../../lambda/store/table.js';
import type { LocalDynamoDb } from '../../../../lib/local/store/dynalite.js';
import { startDynalite } from '../../../../lib/local/store/dynalite.js';

/**
 * Every Scan or Query that a Limit stops early closes its LevelDB iterator. dynalite alone leaves it
 * open (with its snapshot and read-ahead, about 0.4 MB each here on disk), so a client looping over
 * `GET /clientcertificates?limit=1` would grow the service without end. The store's own count of
 * open iterators shows it directly, in both of the store's modes.
 */

const TABLE = 'Iterators';
const CERTIFICATES = 20;
const LARGEST_DESCRIPTION = 'd'.repeat(120_000);
const CLIENTS = 8;
// 80 requests of each kind. The count is exact, so a few rounds say as much as many: with the fix
// undone every request leaves its iterator open (80 of 80 here), and the 320 of each kind this
// suite once sent cost 12 s of CPU to show the same.
const ROUNDS = 10;

let dataDir: string;

beforeAll(() => {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  dataDir = mkdtempSync(join(tmpdir(), 'dynalite-iterators-'));
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe.each([
  ['on disk', () => join(dataDir, 'data')],
  ['in memory', () => undefined],
])('the store %s', (_, path) => {
  let db: LocalDynamoDb;
  let client: ReturnType<typeof documentClient>;
  let store: DynamoDbClientCertificateStore;
  const ids: string[] = [];

  beforeAll(async () => {
    db = await startDynalite(TABLE, path());
    client = documentClient({ endpoint: db.endpoint });
    store = new DynamoDbClientCertificateStore(client, TABLE, CERTIFICATES);
    for (let i = 0; i < CERTIFICATES; i++) {
      const id = newClientCertificateId();
      ids.push(id);
      await store.create({
        clientCertificateId: id,
        description: LARGEST_DESCRIPTION,
        pemEncodedCertificate: 'pem',
        createdDate: 1,
        expirationDate: 2,
        tags: {},
      });
    }
  });

  afterAll(async () => {
    client.destroy();
    await db.close();
  });

  /** `CLIENTS` callers in a loop, the store's open iterators sampled after every round. */
  const load = async (request: (round: number) => Promise<unknown>) => {
    const before = await db.stats();
    let mostOpen = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(Array.from({ length: CLIENTS }, () => request(round)));
      mostOpen = Math.max(mostOpen, (await db.stats()).openIterators);
    }
    const after = await db.stats();
    process.stdout.write(
      `${path() === undefined ? 'memory' : 'disk'}: ${ROUNDS * CLIENTS} requests, open iterators ${before.openIterators} -> ${after.openIterators} (most ${mostOpen}), store heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)} MB\n`,
    );
    return { after, mostOpen };
  };

  test('listing one certificate at a time, as the handlers list (a Query of the namespace with a Limit), leaves no iterator open', async () => {
    const { after, mostOpen } = await load(async () => expect((await store.list({ limit: 1 })).items).toHaveLength(1));

    expect(after.openIterators).toBe(0);
    expect(mostOpen).toBe(0);
  }, 60_000);

  test('a Query stopped by its Limit part-way through a partition, from any start, leaves no iterator open either', async () => {
    const query = (round: number) =>
      client.send(
        new QueryCommand({
          TableName: TABLE,
          Limit: 1,
          ConsistentRead: true,
          KeyConditionExpression: '#namespace = :namespace AND #id >= :id',
          ExpressionAttributeNames: { '#namespace': PARTITION_KEY, '#id': SORT_KEY },
          ExpressionAttributeValues: { ':namespace': partitionOf(DEFAULT_NAMESPACE), ':id': ids[round % CERTIFICATES] },
        }),
      );

    const { after, mostOpen } = await load(async (round) => expect((await query(round)).Items).toHaveLength(1));

    expect(after.openIterators).toBe(0);
    expect(mostOpen).toBe(0);
  }, 60_000);
});

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
