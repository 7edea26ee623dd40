import type { MessagePort } from 'node:worker_threads';
import { MessageChannel } from 'node:worker_threads';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { HttpRequest } from '@smithy/types';
import { documentClient, sendStoreRequestsBy } from '../../../../lambda/store/client.js';
import { DeadlineBoundHttpHandler, DeadlineExceededError, withDeadline } from '../../../../lambda/store/deadline.js';
import { PARTITION_KEY, SORT_KEY } from '../../../../lambda/store/table.js';
import { storePortTransport, unsignedInProcess } from '../../../../lib/local/functions/store-transport.js';
import type { LocalDynamoDb } from '../../../../lib/local/store/dynalite.js';
import { startDynalite } from '../../../../lib/local/store/dynalite.js';

const TABLE = 'Transport';
const TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 2_000 };
const key = { [PARTITION_KEY]: 'a namespace', [SORT_KEY]: 'abc123' };

/** A document client whose requests go by `port` instead of HTTP, held to deadlines as the handlers' are. */
const clientOn = (port: MessagePort) =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: 'http://store.invalid',
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: new DeadlineBoundHttpHandler(TIMEOUTS, storePortTransport(port)),
    }),
  );

describe('storePortTransport', () => {
  let store: LocalDynamoDb;
  beforeAll(async () => {
    store = await startDynalite(TABLE);
  });
  afterAll(async () => {
    await store?.close();
  });

  test("carries the SDK's requests to the store and its answers back: a write reads back, and a refused condition is ConditionalCheckFailedException", async () => {
    const { port1, port2 } = new MessageChannel();
    store.serve(port1);
    const client = clientOn(port2);

    await client.send(new PutCommand({ TableName: TABLE, Item: { ...key, description: 'first' } }));
    const read = await client.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
    const refused = await client
      .send(
        new PutCommand({
          TableName: TABLE,
          Item: { ...key, description: 'second' },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': SORT_KEY },
        }),
      )
      .catch((error: Error) => error);
    const after = await client.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));

    expect(read.Item).toEqual({ ...key, description: 'first' });
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    expect(after.Item?.description).toBe('first');
  });

  test('holds a read to the deadline: a store that does not answer fails it when the answer is due, not at the request timeout', async () => {
    const { port1: storeSide, port2: unanswered } = new MessageChannel();
    const client = clientOn(unanswered);
    // Sent, not refused before sending: a busy machine's first send can take long enough that a short
    // deadline has passed before the request leaves, which is DeadlineExceededError and another test's.
    let sent = false;
    storeSide.once('message', () => {
      sent = true;
    });

    const started = Date.now();
    const outcome = await withDeadline(Date.now() + 1_000, () => client.send(new GetCommand({ TableName: TABLE, Key: key }))).catch(
      (error: Error) => error.name,
    );

    storeSide.close();

    expect(sent).toBe(true);
    expect(outcome).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(TIMEOUTS.requestTimeout);
  });

  test('sends no write that could not finish before the answer is due', async () => {
    const { port1, port2 } = new MessageChannel();
    const posted: unknown[] = [];
    port1.on('message', (request) => posted.push(request));
    const client = clientOn(port2);

    const outcome = await withDeadline(Date.now() + 100, () => client.send(new PutCommand({ TableName: TABLE, Item: key }))).catch(
      (error: Error) => error,
    );
    await new Promise((pause) => setTimeout(pause, 50));
    port1.close();

    expect(outcome).toBeInstanceOf(DeadlineExceededError);
    expect(posted).toEqual([]);
  });

  test('the store’s HTTP endpoint refuses what a web page sends (an Origin, a Sec-Fetch-Site): dynalite allows every origin by CORS, so any page open in a browser could otherwise read and write every namespace’s items, past the front’s checks', async () => {
    const target = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' };
    const authorization = 'AWS4-HMAC-SHA256 Credential=x/20261207/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x';
    const post = (headers: Record<string, string>) =>
      fetch(store.endpoint, { method: 'POST', headers: { ...target, authorization, ...headers }, body: '{}' });

    const preflight = await fetch(store.endpoint, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://attacker.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-amz-target',
      },
    });
    const fromPage = await post({ origin: 'http://attacker.example' });
    const sameSite = await post({ 'sec-fetch-site': 'same-site' });
    const sdk = await post({ 'x-amz-date': '20261207T000000Z' });

    expect([preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([403, null]);
    expect([fromPage.status, fromPage.headers.get('access-control-allow-origin')]).toEqual([403, null]);
    expect(sameSite.status).toBe(403);
    expect([sdk.status, await sdk.json()]).toEqual([200, expect.objectContaining({ TableNames: [TABLE] })]);
  });

  test("the handlers' client, set up as the local runtime sets it, sends unsigned: each request names the function's key and region, carries no signature, and the store takes it", async () => {
    const { port1, port2 } = new MessageChannel();
    store.serve(port1);
    const transport = storePortTransport(port2);
    const sent: HttpRequest[] = [];
    sendStoreRequestsBy((request, options) => {
      sent.push(request);
      return transport(request, options);
    }, unsignedInProcess);
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDFUNCTION', AWS_SECRET_ACCESS_KEY: 'function-secret', AWS_REGION: 'eu-west-1' });
    const client = documentClient({});

    await client.send(new PutCommand({ TableName: TABLE, Item: { ...key, description: 'unsigned' } }));
    const read = await client.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
    client.destroy();
    process.env = saved;

    expect(read.Item?.description).toBe('unsigned');
    expect(sent.map((request) => request.headers.authorization)).toEqual([
      expect.stringMatching(
        /^AWS4-HMAC-SHA256 Credential=AKIDFUNCTION\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=host;x-amz-date, Signature=unsigned$/,
      ),
      expect.stringMatching(/Signature=unsigned$/),
    ]);
    expect(sent[0]!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });
});
