import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient } from '../lambda/store/dynamodb-store.js';
import { PARTITION_KEY } from '../lambda/store/table.js';
import { startChild } from './child.js';
import { closedLoop, httpClient, type LoadOptions, socketClient } from './load.js';
import type { ServiceAddress } from './service-process.js';
import type { Summary } from './stats.js';

export interface EndToEndResult {
  readonly concurrency: number;
  /** `PATCH /clientcertificates/{id}` through the local service. */
  readonly service: Summary;
  /** The update's store pair sent straight to the service's dynalite with the AWS SDK: the limit. */
  readonly sdkPair: Summary;
  /** The same pair as bare DynamoDB JSON over HTTP, no SDK: for scale, what the SDK itself costs. */
  readonly barePair: Summary;
}

type Item = Record<string, AttributeValue>;
type StoreAddress = ServiceAddress['store'];

const patchBody = (n: number) => JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: `bench ${n}` }] });

/**
 * Drives the local service with `PATCH /clientcertificates/{id}` at each concurrency, and right
 * before that sends the store work the handler does for it (a consistent GetItem, then the
 * conditional UpdateItem) straight to the same dynalite, from this same process and at the same
 * concurrency: with the AWS SDK, as any design on Lambda and DynamoDB sends it (the limit for this
 * design), and as bare HTTP. Each client works on its own certificate, so no request loses a race
 * and every one does the full read and write.
 */
export const measureEndToEnd = async (
  concurrencies: readonly number[],
  timing: Omit<LoadOptions, 'concurrency'>,
): Promise<EndToEndResult[]> => {
  const service = await startChild<ServiceAddress>('./service-process.ts');
  const clients = Math.max(...concurrencies);
  const http = httpClient(clients);
  // The DynamoDB client exactly as the store configures it, without the document client's marshalling.
  const sdk = dynamoDbClient({ endpoint: service.message.store.endpoint });
  const closers: (() => void)[] = [];
  try {
    const base = new URL(service.message.url);
    const ids = await createCertificates(http, base, clients);
    const pair = storePair(service.message.store, ids);
    const viaSdk = pair(async (input) => (await sdk.send(new GetItemCommand(input))).Item as Item, async (input) => {
      await sdk.send(new UpdateItemCommand(input));
    });
    const toStore = await socketClient(new URL(service.message.store.endpoint), clients);
    const toService = await socketClient(base, clients);
    closers.push(toStore.close, toService.close);
    const bare = bareDynamoDb(toStore, service.message.store);
    const viaHttp = pair(async (input, client) => ((await bare(client, 'GetItem', input)) as { Item: Item }).Item, async (input, client) => {
      await bare(client, 'UpdateItem', input);
    });
    let n = 0;
    const patch = async (client: number) => {
      const reply = await toService.send(client, 'PATCH', `/clientcertificates/${ids[client]}`, JSON_HEADERS, patchBody(n++));
      if (reply.status !== 200) throw new Error(`PATCH answered ${reply.status}: ${reply.body}`);
    };
    const results: EndToEndResult[] = [];
    for (const concurrency of concurrencies) {
      const sdkPair = await closedLoop({ ...timing, concurrency }, viaSdk);
      const barePair = await closedLoop({ ...timing, concurrency }, viaHttp);
      const viaService = await closedLoop({ ...timing, concurrency }, patch);
      results.push({ concurrency, service: viaService, sdkPair, barePair });
    }
    return results;
  } finally {
    closers.forEach((close) => close());
    sdk.destroy();
    http.close();
    await service.stop();
  }
};

const JSON_HEADERS = { 'content-type': 'application/json' };

const createCertificates = async (http: ReturnType<typeof httpClient>, base: URL, count: number): Promise<string[]> => {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await http.send('POST', new URL('/clientcertificates', base), JSON_HEADERS, JSON.stringify({ description: 'bench' }));
    if (reply.status !== 201) throw new Error(`POST /clientcertificates answered ${reply.status}: ${reply.body}`);
    ids.push((JSON.parse(reply.body) as { clientCertificateId: string }).clientCertificateId);
  }
  return ids;
};

/**
 * The requests DynamoDbClientCertificateStore sends for one update (load, then saveIfVersion), in
 * DynamoDB's own shapes: a consistent GetItem, then every attribute of the resource set anew at the
 * next version by an UpdateItem conditional on the version read. `get` and `update` send them.
 */
const storePair =
  ({ tableName }: StoreAddress, ids: readonly string[]) =>
  (get: (input: GetInput, client: number) => Promise<Item>, update: (input: UpdateInput, client: number) => Promise<void>) => {
    let n = 0;
    return async (client: number): Promise<void> => {
      const Key = { [PARTITION_KEY]: { S: ids[client]! } };
      const item = await get({ TableName: tableName, Key, ConsistentRead: true }, client);
      const version = Number((item.version as { N: string }).N);
      const { [PARTITION_KEY]: _key, quotaSlot: _slot, ...fields }: Item = {
        ...item,
        description: { S: `bench ${n++}` },
        version: { N: String(version + 1) },
      };
      const names = Object.keys(fields);
      await update(
        {
        TableName: tableName,
        Key,
        UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
        ConditionExpression: '#expected = :expected',
        ExpressionAttributeNames: { ...Object.fromEntries(names.map((name, i) => [`#f${i}`, name])), '#expected': 'version' },
        ExpressionAttributeValues: {
          ...Object.fromEntries(names.map((name, i) => [`:f${i}`, fields[name]!])),
          ':expected': { N: String(version) },
        },
        },
        client,
      );
    };
  };

type GetInput = ConstructorParameters<typeof GetItemCommand>[0];
type UpdateInput = ConstructorParameters<typeof UpdateItemCommand>[0];

/**
 * DynamoDB's JSON protocol over the load generator's keep-alive HTTP client. dynalite checks that a
 * request is signed but not the signature, so a fixed well-formed Authorization header stands in for
 * SigV4: nothing is spent on the client side but HTTP and JSON.
 */
const bareDynamoDb = (http: Awaited<ReturnType<typeof socketClient>>, _store: StoreAddress) => {
  return async (client: number, operation: string, body: unknown): Promise<unknown> => {
    const reply = await http.send(client, 'POST', '/', {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      'x-amz-date': '20260101T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
    }, JSON.stringify(body));
    if (reply.status !== 200) throw new Error(`${operation} answered ${reply.status}: ${reply.body}`);
    return JSON.parse(reply.body);
  };
};
