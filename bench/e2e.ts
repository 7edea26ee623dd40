import { readFileSync } from 'node:fs';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULT_NAMESPACE, DynamoDbClientCertificateStore, documentClient, dynamoDbClient } from '../lambda/store/dynamodb-store.js';
import { partitionOf, SLOT, VERSION, versionedUpdate } from '../lambda/store/item.js';
import { PARTITION_KEY, SORT_KEY } from '../lambda/store/table.js';
import { startChild } from './child.js';
import { closedLoop, httpClient, type LoadOptions, socketClient } from './load.js';
import type { ServiceAddress } from './service-process.js';
import type { Summary } from './stats.js';

/** One load's figures: its median turn, and what it cost in CPU. */
export interface LoadResult extends Summary {
  /**
   * CPU time (user and system) of the load generator's process and the service's process together,
   * per completed operation, over the median turn; `undefined` where /proc cannot be read.
   */
  readonly cpuMicrosPerOperation: number | undefined;
}

export interface EndToEndResult {
  readonly concurrency: number;
  /** `PATCH /clientcertificates/{id}` through the local service. */
  readonly service: LoadResult;
  /**
   * The update's store work, the store's own `load` and `saveIfVersion` (a consistent GetItem, then
   * the conditional UpdateItem, through lib-dynamodb as this design requires) sent straight to the
   * service's dynalite: the limit for this design.
   */
  readonly storePair: LoadResult;
  /** The same two requests through the AWS SDK's low-level DynamoDB client, no document client: for scale. */
  readonly sdkPair: LoadResult;
  /** The same two requests as bare DynamoDB JSON over HTTP, no SDK: for scale, what the SDK itself costs. */
  readonly barePair: LoadResult;
}

type Item = Record<string, AttributeValue>;
type StoreAddress = ServiceAddress['store'];
type LoadName = Exclude<keyof EndToEndResult, 'concurrency'>;

const patchBody = (n: number) => JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: `bench ${n}` }] });

export interface EndToEnd {
  readonly results: readonly EndToEndResult[];
  /** The first turn of the service and of the store pair, before any warm-up, at the highest concurrency. */
  readonly firstRound: { readonly service: LoadResult; readonly storePair: LoadResult };
}

export interface EndToEndTiming {
  /** One turn of one load: `warmupMs` unrecorded, then `durationMs` measured. */
  readonly turn: Omit<LoadOptions, 'concurrency'>;
  /** Rounds of turns at the highest concurrency, first, not in the results: the JIT of both processes settles. */
  readonly warmUpRounds: number;
  /** Measured rounds of turns at each concurrency; the service and the store pair are each reported by their median turn. */
  readonly rounds: number;
}

/**
 * Drives the local service with `PATCH /clientcertificates/{id}` at each concurrency and, turn about
 * with it, sends the store work the handler does for it straight to the same dynalite, from this same
 * process and at the same concurrency: through the store itself (the limit for this design), through
 * the SDK's low-level client, and as bare HTTP. Each client works on its own certificate, so no
 * request loses a race and every one does the full read and write.
 *
 * The service and the store pair take turns, round after round, so what else the machine runs weighs
 * on both alike, and each is reported by its median turn; the pairs shown for scale get a turn each
 * after those rounds. Warm-up rounds come first: the service's process runs far more code than the
 * load generator's, and V8 keeps compiling it (on helper threads, taking CPU from the rest) for tens
 * of seconds of load before it settles. The very first turns, of the service and the store pair, are
 * reported apart, to show what the warm-up is for.
 */
export const measureEndToEnd = async (
  concurrencies: readonly number[],
  { turn, warmUpRounds, rounds }: EndToEndTiming,
): Promise<EndToEnd> => {
  const service = await startChild<ServiceAddress>('./service-process.ts');
  const clients = Math.max(...concurrencies);
  const http = httpClient(clients);
  const { endpoint, tableName, credentials } = service.message.store;
  // The DynamoDB client exactly as the store configures it, without the document client's marshalling.
  const sdk = dynamoDbClient({ endpoint, credentials });
  const documents = documentClient({ endpoint, credentials });
  const store = new DynamoDbClientCertificateStore(documents, tableName);
  const closers: (() => void)[] = [];
  try {
    const base = new URL(service.message.url);
    const ids = await createCertificates(http, base, clients);
    const pair = rawPair(service.message.store, ids);
    const toStore = await socketClient(new URL(endpoint), clients);
    const toService = await socketClient(base, clients);
    closers.push(toStore.close, toService.close);
    const bare = bareDynamoDb(toStore, credentials.accessKeyId);
    let n = 0;
    const loads: Record<LoadName, (client: number) => Promise<void>> = {
      barePair: pair(
        async (input, client) => ((await bare(client, 'GetItem', input)) as { Item: Item }).Item,
        async (input, client) => {
          await bare(client, 'UpdateItem', input);
        },
      ),
      sdkPair: pair(
        async (input) => (await sdk.send(new GetItemCommand(input))).Item as Item,
        async (input) => {
          await sdk.send(new UpdateItemCommand(input));
        },
      ),
      storePair: async (client) => {
        const current = (await store.load(ids[client]!))!;
        await store.saveIfVersion({ ...current.value, description: `bench ${n++}` }, current.version);
      },
      service: async (client) => {
        const reply = await toService.send(client, 'PATCH', `/clientcertificates/${ids[client]}`, JSON_HEADERS, patchBody(n++));
        if (reply.status !== 200) throw new Error(`PATCH answered ${reply.status}: ${reply.body}`);
      },
    };
    const cpu = cpuMeter(service.pid);
    const runTurn = async (name: LoadName, concurrency: number): Promise<LoadResult> => {
      let operations = 0;
      const before = cpu();
      const summary = await closedLoop({ ...turn, concurrency }, async (client) => {
        await loads[name](client);
        operations++;
      });
      const after = cpu();
      const cpuMicrosPerOperation = before === undefined || after === undefined ? undefined : (after - before) / operations;
      return { ...summary, cpuMicrosPerOperation };
    };
    const firstRound = { service: await runTurn('service', clients), storePair: await runTurn('storePair', clients) };
    for (const name of FOR_SCALE) await runTurn(name, clients);
    for (let round = 0; round < warmUpRounds; round++) for (const name of COMPARED) await runTurn(name, clients);
    const results: EndToEndResult[] = [];
    for (const concurrency of concurrencies) {
      const turns = new Map(COMPARED.map((name) => [name, [] as LoadResult[]]));
      for (let round = 0; round < rounds; round++) for (const name of COMPARED) turns.get(name)!.push(await runTurn(name, concurrency));
      const [sdkPair, barePair] = [await runTurn('sdkPair', concurrency), await runTurn('barePair', concurrency)];
      results.push({
        concurrency,
        service: medianTurn(turns.get('service')!),
        storePair: medianTurn(turns.get('storePair')!),
        sdkPair,
        barePair,
      });
    }
    return { results, firstRound };
  } finally {
    for (const close of closers) close();
    sdk.destroy();
    documents.destroy();
    http.close();
    await service.stop();
  }
};

/** The loads the target compares, turn about. */
const COMPARED = ['storePair', 'service'] as const;
/** The loads shown for scale: one turn each, after the compared ones, so nothing runs between those. */
const FOR_SCALE = ['sdkPair', 'barePair'] as const;

/** The turn with the median throughput (the upper one of an even count), latencies and all. */
const medianTurn = (turns: readonly LoadResult[]): LoadResult =>
  [...turns].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(turns.length / 2)]!;

/**
 * CPU time used so far by this process and the one at `pid`, in microseconds; `undefined` when the
 * other's cannot be read (no /proc). /proc counts in clock ticks of 10 ms: over a turn's thousands
 * of operations, a few microseconds each.
 */
const cpuMeter = (pid: number) => (): number | undefined => {
  const own = process.cpuUsage();
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return own.user + own.system + (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
};

// As every AWS SDK sends it: without it API Gateway, and this service, answer in HAL.
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

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
const rawPair =
  ({ tableName }: StoreAddress, ids: readonly string[]) =>
  (get: (input: GetInput, client: number) => Promise<Item>, update: (input: UpdateInput, client: number) => Promise<void>) => {
    let n = 0;
    return async (client: number): Promise<void> => {
      // The service's unsigned requests are the default account's, in its region: the store's default namespace.
      const Key = { [PARTITION_KEY]: { S: partitionOf(DEFAULT_NAMESPACE) }, [SORT_KEY]: { S: ids[client]! } };
      const item = await get({ TableName: tableName, Key, ConsistentRead: true }, client);
      const version = Number((item[VERSION] as { N: string }).N);
      const {
        [PARTITION_KEY]: _namespace,
        [SORT_KEY]: _id,
        [SLOT]: _slot,
        ...fields
      }: Item = {
        ...item,
        description: { S: `bench ${n++}` },
        [VERSION]: { N: String(version + 1) },
      };
      await update({ TableName: tableName, Key, ...versionedUpdate(fields, { N: String(version) }) }, client);
    };
  };

type GetInput = ConstructorParameters<typeof GetItemCommand>[0];
type UpdateInput = ConstructorParameters<typeof UpdateItemCommand>[0];

/**
 * DynamoDB's JSON protocol over the load generator's keep-alive HTTP client. The service's dynalite
 * checks that a request names its key but not the signature, so a fixed well-formed Authorization
 * header stands in for SigV4: nothing is spent on the client side but HTTP and JSON.
 */
const bareDynamoDb = (http: Awaited<ReturnType<typeof socketClient>>, accessKeyId: string) => {
  return async (client: number, operation: string, body: unknown): Promise<unknown> => {
    const reply = await http.send(
      client,
      'POST',
      '/',
      {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'x-amz-date': '20260101T000000Z',
        authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`,
      },
      JSON.stringify(body),
    );
    if (reply.status !== 200) throw new Error(`${operation} answered ${reply.status}: ${reply.body}`);
    return JSON.parse(reply.body);
  };
};
