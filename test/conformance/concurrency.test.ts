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
import type { LocalService } from '../../lib/local/service.js';
import { apiGatewayClient } from '../support/sdk.js';
import { startTestService } from '../support/service.js';

/**
 * Many writers on one certificate at once, through the real SDK: optimistic concurrency must let
 * every write that answers 200 land exactly once and turn every lost race into a 409.
 */

const WRITERS = 20;

let service: LocalService;
let writers: APIGatewayClient[];
let table: DynamoDBDocumentClient;

beforeAll(async () => {
  service = await startTestService();
  // One client, hence one connection pool, per writer: the requests arrive on separate sockets.
  writers = Array.from({ length: WRITERS }, () => apiGatewayClient(service.url));
  table = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: process.env.DYNAMODB_ENDPOINT,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
  );
});

afterAll(async () => {
  for (const writer of writers ?? []) writer.destroy();
  table?.destroy();
  await service?.close();
});

/** The certificate's optimistic-concurrency version, read straight from the table. */
const storedVersion = async (clientCertificateId: string): Promise<number> => {
  const { Item } = await table.send(
    new GetCommand({ TableName: process.env.TABLE_NAME, Key: { clientCertificateId }, ConsistentRead: true }),
  );
  return Number(Item?.version);
};

describe('concurrent UpdateClientCertificate on one certificate', () => {
  test('each write either lands (200) or is refused with ConflictException (409); the version counts the landed ones', async () => {
    const { clientCertificateId } = await writers[0]!.send(
      new GenerateClientCertificateCommand({ description: 'contended' }),
    );
    const id = clientCertificateId!;
    expect(await storedVersion(id)).toBe(1);
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

    const landed: string[] = [];
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
    expect(await storedVersion(id)).toBe(1 + landed.length);
    const final = await writers[0]!.send(new GetClientCertificateCommand({ clientCertificateId: id }));
    expect(landed).toContain(final.description);
  });
});
