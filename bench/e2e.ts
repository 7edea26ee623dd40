import { DynamoDbClientCertificateStore, documentClient } from '../lambda/store/dynamodb-store.js';
import { PARTITION_KEY } from '../lambda/store/table.js';
import { startChild } from './child.js';
import { closedLoop, httpClient, type LoadOptions } from './load.js';
import type { ServiceAddress } from './service-process.js';
import type { Summary } from './stats.js';

export interface EndToEndResult {
  readonly concurrency: number;
  /** `PATCH /clientcertificates/{id}` through the local service. */
  readonly service: Summary;
  /** The handler's store pair, sent straight to the service's dynalite: the limit. */
  readonly storePair: Summary;
  /** The same pair through the handler's store adapter (the AWS SDK), from this process. */
  readonly adapterPair: Summary;
}

const patchBody = (n: number) => JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: `bench ${n}` }] });

/**
 * Drives the local service with `PATCH /clientcertificates/{id}` at each concurrency, and right
 * before that sends the same store work the handler does (a consistent GetItem, then the
 * conditional write) straight to the same dynalite, from this same process and at the same
 * concurrency: that pair is the limit for this design. Each client works on its own certificate,
 * so no request loses a race and every one does the full read and write.
 */
export const measureEndToEnd = async (
  concurrencies: readonly number[],
  timing: Omit<LoadOptions, 'concurrency'>,
): Promise<EndToEndResult[]> => {
  const service = await startChild<ServiceAddress>('./service-process.ts');
  const clients = Math.max(...concurrencies);
  const http = httpClient(clients);
  let adapter: ReturnType<typeof adapterPair> | undefined;
  try {
    const base = new URL(service.message.url);
    const ids = await createCertificates(http, base, clients);
    const storePair = rawStorePair(http, service.message.store, ids);
    adapter = adapterPair(service.message.store, ids);
    let n = 0;
    const patch = async (client: number) => {
      const reply = await http.send('PATCH', new URL(`/clientcertificates/${ids[client]}`, base), JSON_HEADERS, patchBody(n++));
      if (reply.status !== 200) throw new Error(`PATCH answered ${reply.status}: ${reply.body}`);
    };
    const results: EndToEndResult[] = [];
    for (const concurrency of concurrencies) {
      const pair = await closedLoop({ ...timing, concurrency }, storePair);
      const viaAdapter = await closedLoop({ ...timing, concurrency }, adapter.update);
      const viaService = await closedLoop({ ...timing, concurrency }, patch);
      results.push({ concurrency, service: viaService, storePair: pair, adapterPair: viaAdapter });
    }
    return results;
  } finally {
    adapter?.close();
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
 * The update's store work through DynamoDbClientCertificateStore itself: what the handler spends in
 * the AWS SDK, moved out of the service process. It shows how much of the gap the SDK accounts for.
 */
const adapterPair = (store: ServiceAddress['store'], ids: readonly string[]) => {
  const client = documentClient({ endpoint: store.endpoint });
  const adapter = new DynamoDbClientCertificateStore(client, store.tableName);
  let n = 0;
  const update = async (i: number): Promise<void> => {
    const current = await adapter.load(ids[i]!);
    if (current === undefined) throw new Error(`certificate ${ids[i]} is gone`);
    await adapter.saveIfVersion({ ...current.value, description: `bench ${n++}` }, current.version);
  };
  return { update, close: () => client.destroy() };
};

type AttributeValue = { S: string } | { N: string } | Record<string, unknown>;
type Item = Record<string, AttributeValue>;

/**
 * The requests DynamoDbClientCertificateStore sends for one update (load, then saveIfVersion), in
 * DynamoDB's JSON protocol. dynalite checks that a request is signed but not the signature, so a
 * fixed well-formed Authorization header stands in for SigV4: the baseline spends nothing on the
 * client side that the store would not, which makes it the strictest limit.
 */
const rawStorePair = (http: ReturnType<typeof httpClient>, store: ServiceAddress['store'], ids: readonly string[]) => {
  const endpoint = new URL(store.endpoint);
  const headers = (operation: string) => ({
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `DynamoDB_20120810.${operation}`,
    'x-amz-date': '20260101T000000Z',
    authorization:
      'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
  });
  const call = async (operation: string, body: unknown): Promise<Record<string, unknown>> => {
    const reply = await http.send('POST', endpoint, headers(operation), JSON.stringify(body));
    if (reply.status !== 200) throw new Error(`${operation} answered ${reply.status}: ${reply.body}`);
    return JSON.parse(reply.body) as Record<string, unknown>;
  };
  let n = 0;
  return async (client: number): Promise<void> => {
    const Key = { [PARTITION_KEY]: { S: ids[client]! } };
    const { Item } = (await call('GetItem', { TableName: store.tableName, Key, ConsistentRead: true })) as { Item: Item };
    const version = Number((Item.version as { N: string }).N);
    // saveIfVersion: the whole item back at the next version, only if it is still at the one read.
    await call('PutItem', {
      TableName: store.tableName,
      Item: { ...Item, description: { S: `bench ${n++}` }, version: { N: String(version + 1) } },
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': { N: String(version) } },
    });
  };
};
