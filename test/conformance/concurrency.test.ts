import type { UpdateClientCertificateCommandOutput } from '@aws-sdk/client-api-gateway';
import {
  type APIGatewayClient,
  type APIGatewayServiceException,
  ConflictException,
  DeleteClientCertificateCommand,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetClientCertificatesCommand,
  NotFoundException,
  paginateGetClientCertificates,
  TagResourceCommand,
  UpdateClientCertificateCommand,
} from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keyOf } from '../../lambda/store/item.js';
import { failureOf, listedIds, occurrences, tagsOf } from '../support/sdk.js';
import type { ConformanceTarget } from '../support/target.js';
import { certificateArn, openTarget, RUN_ACCOUNT, settings, testLocalOnly } from '../support/target.js';

/**
 * The promises that only hold under concurrency, through the real SDK. Many writers on one
 * certificate at once: optimistic concurrency must let every write that answers 200 land exactly
 * once and turn every lost race into a 409 (the version that counts the landed writes is read
 * straight from the local service's table). Paging while others change the collection, an update
 * racing a delete, concurrent tagging.
 */

const WRITERS = 20;
const READS_THE_TABLE = "reads the certificate's version from the local service's table";
const INVALID_ID = 'Invalid ClientCertificate identifier specified';

let target: ConformanceTarget;
let writers: APIGatewayClient[];
let client: APIGatewayClient;
let table: DynamoDBDocumentClient | undefined;

beforeAll(async () => {
  target = await openTarget();
  // One client, hence one connection pool, per writer: the requests arrive on separate sockets.
  writers = Array.from({ length: WRITERS }, () => target.sdkClient());
  client = target.sdkClient();
  if (settings.local) {
    table = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: target.store!.endpoint,
        region: 'us-east-1',
        credentials: target.store!.credentials,
      }),
    );
  }
});

afterAll(async () => {
  for (const writer of writers ?? []) writer.destroy();
  client?.destroy();
  table?.destroy();
  await target?.close();
});

/** The certificate's optimistic-concurrency version, read straight from the table. */
const storedVersion = async (clientCertificateId: string): Promise<number> => {
  const { Item } = await table!.send(
    new GetCommand({
      TableName: target.store!.tableName,
      Key: keyOf({ account: RUN_ACCOUNT, region: target.region }, clientCertificateId),
      ConsistentRead: true,
    }),
  );
  return Number(Item?.version);
};

const newClient = () => target.sdkClient();

const generate = (input: { description?: string; tags?: Record<string, string> } = {}, via = client) =>
  via.send(new GenerateClientCertificateCommand(input));

const get = (clientCertificateId: string) => client.send(new GetClientCertificateCommand({ clientCertificateId }));

const describeAs = (clientCertificateId: string, description: string, via = client) =>
  via.send(
    new UpdateClientCertificateCommand({
      clientCertificateId,
      patchOperations: [{ op: 'replace', path: '/description', value: description }],
    }),
  );

const remove = (clientCertificateId: string, via = client) => via.send(new DeleteClientCertificateCommand({ clientCertificateId }));

describe('concurrent UpdateClientCertificate on one certificate', () => {
  let id: string;
  /** The descriptions whose writes answered 200, once the race has run. */
  const landed: string[] = [];

  beforeAll(async () => {
    const { clientCertificateId } = await writers[0]!.send(new GenerateClientCertificateCommand({ description: 'contended' }));
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

describe('GetClientCertificates while the collection changes', () => {
  const STABLE = 30;
  const DOOMED = 6;
  let stable: string[] = [];
  let doomed: string[] = [];
  const created: string[] = [];

  beforeAll(async () => {
    stable = await Promise.all(
      Array.from({ length: STABLE }, async (_, i) => (await generate({ description: `stable ${i}` })).clientCertificateId!),
    );
  });

  afterAll(async () => {
    await Promise.allSettled([...stable, ...doomed, ...created].map((id) => remove(id)));
  });

  test('paging with limit 7 while others come and go between pages lists each lasting certificate exactly once', async () => {
    doomed = await Promise.all(
      Array.from({ length: DOOMED }, async () => (await generate({ description: 'doomed' })).clientCertificateId!),
    );
    const seen: string[] = [];
    let pages = 0;

    for await (const page of paginateGetClientCertificates({ client, pageSize: 7 }, {})) {
      pages++;
      seen.push(...(page.items ?? []).map((c) => c.clientCertificateId!));
      // Between two page fetches: one certificate appears, one disappears.
      const [born] = await Promise.all([generate({ description: 'churn' }), doomed.length > 0 ? remove(doomed.pop()!) : undefined]);
      created.push(born.clientCertificateId!);
    }

    expect(pages).toBeGreaterThanOrEqual(5);
    for (const id of stable) expect(occurrences(seen, id)).toBe(1);
    expect(new Set(seen).size).toBe(seen.length);
  });

  test('a position stays valid after the certificate it points after is deleted', async () => {
    const everything = await listedIds(client);
    const first = await client.send(new GetClientCertificatesCommand({ limit: 5 }));
    const anchor = first.items!.at(-1)!.clientCertificateId!;
    await remove(anchor);

    const rest: string[] = [];
    for await (const page of paginateGetClientCertificates({ client, pageSize: 5, startingToken: first.position! }, {})) {
      rest.push(...(page.items ?? []).map((c) => c.clientCertificateId!));
    }

    const walk = [...first.items!.map((c) => c.clientCertificateId!), ...rest];
    expect(walk.filter((x) => x !== anchor).sort()).toEqual(everything.filter((x) => x !== anchor).sort());
    expect(new Set(walk).size).toBe(walk.length);
  });
});

describe('races', () => {
  test('UpdateClientCertificate racing DeleteClientCertificate never resurrects the certificate (10 rounds)', async () => {
    const updater = newClient();
    const deleter = newClient();
    const outcomes: string[] = [];
    try {
      for (let round = 0; round < 10; round++) {
        const { clientCertificateId } = await generate({ description: `round ${round}` });
        const id = clientCertificateId!;

        // The delete starts 0 to 4 ms after the update, so some rounds land it between the update's read and write.
        const [updated, deleted] = await Promise.allSettled([
          describeAs(id, `updated in round ${round}`, updater),
          new Promise((resolve) => setTimeout(resolve, round % 5)).then(() => remove(id, deleter)),
        ]);

        expect(deleted.status).toBe('fulfilled');
        if (updated.status === 'fulfilled') {
          expect(updated.value.$metadata.httpStatusCode).toBe(200);
          expect(updated.value.description).toBe(`updated in round ${round}`);
          outcomes.push('200');
        } else {
          expect(updated.reason).toBeInstanceOf(NotFoundException);
          expect((updated.reason as NotFoundException).message).toBe(INVALID_ID);
          outcomes.push('404');
        }
        const after = await failureOf(get(id));
        expect(after).toBeInstanceOf(NotFoundException);
        expect(await listedIds(client)).not.toContain(id);
      }
    } finally {
      updater.destroy();
      deleter.destroy();
    }
    console.info(`update vs delete: ${outcomes.join(' ')}`);
  });

  test('10 concurrent TagResource calls, each retried on ConflictException (409) until it lands: no tag is lost', async () => {
    const WRITERS = 10;
    const { clientCertificateId } = await generate({ description: 'tagged concurrently', tags: { base: '0' } });
    const resourceArn = certificateArn(clientCertificateId!);
    const writers = Array.from({ length: WRITERS }, () => newClient());
    const conflicts: APIGatewayServiceException[] = [];
    const tagUntilLanded = async (writer: APIGatewayClient, i: number): Promise<number> => {
      for (let attempt = 1; attempt <= 50; attempt++) {
        try {
          await writer.send(new TagResourceCommand({ resourceArn, tags: { [`key${i}`]: `value${i}` } }));
          return attempt;
        } catch (error) {
          if (!(error instanceof ConflictException)) throw error;
          conflicts.push(error);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        }
      }
      throw new Error(`writer ${i} never landed its tag`);
    };

    try {
      await Promise.all(writers.map(tagUntilLanded));
    } finally {
      for (const writer of writers) writer.destroy();
    }

    const expected = Object.fromEntries(Array.from({ length: WRITERS }, (_, i) => [`key${i}`, `value${i}`]));
    expect(await tagsOf(client, clientCertificateId!)).toEqual({ base: '0', ...expected });
    console.info(`concurrent tagging: ${conflicts.length} conflicts retried`);
    // Ten writers on separate sockets interleave: with no conflict the race did not happen.
    expect(conflicts.length).toBeGreaterThanOrEqual(1);
    for (const conflict of conflicts) {
      expect(conflict.$metadata.httpStatusCode).toBe(409);
      expect(conflict.message).toBe(`Concurrent modification of client certificate ${clientCertificateId}; retry the request`);
    }
  });
});
