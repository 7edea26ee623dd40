import {
  APIGatewayClient,
  ConflictException,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  UpdateClientCertificateCommand,
} from '@aws-sdk/client-api-gateway';
import type { UpdateClientCertificateCommandOutput } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ConformanceTarget } from '../support/target.js';
import { openTarget, settings, testLocalOnly, RUN_ACCOUNT } from '../support/target.js';
import { keyOf } from '../../lambda/store/item.js';

/**
 * Many writers on one certificate at once, through the real SDK: optimistic concurrency must let
 * every write that answers 200 land exactly once and turn every lost race into a 409. The version
 * that counts the landed writes is read straight from the local service's table.
 */

const WRITERS = 20;
const READS_THE_TABLE = "reads the certificate's version from the local service's table";

let target: ConformanceTarget;
let writers: APIGatewayClient[];
let table: DynamoDBDocumentClient | undefined;

beforeAll(async () => {
  target = await openTarget();
  // One client, hence one connection pool, per writer: the requests arrive on separate sockets.
  writers = Array.from({ length: WRITERS }, () => target.sdkClient());
  if (settings.local) {
    table = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: target.store!.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    );
  }
});

afterAll(async () => {
  for (const writer of writers ?? []) writer.destroy();
  table?.destroy();
  await target?.close();
});

/** The certificate's optimistic-concurrency version, read straight from the table. */
const storedVersion = async (clientCertificateId: string): Promise<number> => {
  const { Item } = await table!.send(
    new GetCommand({ TableName: target.store!.tableName, Key: keyOf({ account: RUN_ACCOUNT, region: target.region }, clientCertificateId), ConsistentRead: true }),
  );
  return Number(Item?.version);
};

describe('concurrent UpdateClientCertificate on one certificate', () => {
  let id: string;
  /** The descriptions whose writes answered 200, once the race has run. */
  const landed: string[] = [];

  beforeAll(async () => {
    const { clientCertificateId } = await writers[0]!.send(
      new GenerateClientCertificateCommand({ description: 'contended' }),
    );
    id = clientCertificateId!;
  });

  testLocalOnly(READS_THE_TABLE, 'before the race, the new certificate is stored at version 1', async () => {
    expect(await storedVersion(id)).toBe(1);
  });

  test('each write either lands (200) or is refused with ConflictException (409)', async () => {
    const descriptions = Array.from({ length: WRITERS }, (_, i) => `writer-${i}`);

    const outcomes = await Promise.allSettled(
      descriptions.map((description, i) =>
        writers[i]!.send(
          new UpdateClientCertificateCommand({
            clientCertificateId: id,
            patchOperations: [{ op: 'replace', path: '/description', value: description }],
          }),
        ),
      ),
    );

    let conflicts = 0;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') {
        expect((outcome.value as UpdateClientCertificateCommandOutput).$metadata.httpStatusCode).toBe(200);
        expect(outcome.value.description).toBe(descriptions[i]);
        landed.push(descriptions[i]!);
      } else {
        const error = outcome.reason as ConflictException;
        expect(error).toBeInstanceOf(ConflictException);
        expect(error.$metadata.httpStatusCode).toBe(409);
        expect(error.message).toBe(`Concurrent modification of client certificate ${id}; retry the request`);
        conflicts++;
      }
    });
    console.info(`concurrency: ${landed.length} of ${WRITERS} writes landed, ${conflicts} answered 409`);
    expect(landed.length).toBeGreaterThanOrEqual(1);
    // Twenty writers on separate sockets interleave at every await: with no conflict at all the
    // race this test exists for did not happen, and the test would prove nothing.
    expect(conflicts).toBeGreaterThanOrEqual(1);
    expect(landed.length + conflicts).toBe(WRITERS);
    const final = await writers[0]!.send(new GetClientCertificateCommand({ clientCertificateId: id }));
    expect(landed).toContain(final.description);
  });

  testLocalOnly(READS_THE_TABLE, 'after the race, the stored version counts the landed writes', async () => {
    expect(landed.length).toBeGreaterThanOrEqual(1);
    expect(await storedVersion(id)).toBe(1 + landed.length);
  });
});
