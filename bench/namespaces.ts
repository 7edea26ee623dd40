// The cost of listing one namespace while the table holds many others: the list is a Query of the
// caller's partition, so it should cost what it costs in a table holding that namespace alone.
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { ClientCertificate } from '../lambda/domain/client-certificate.js';
import { newClientCertificateId, VALIDITY_SECONDS } from '../lambda/domain/client-certificate.js';
import type { Namespace } from '../lambda/domain/namespace.js';
import { DynamoDbClientCertificateStore, documentClient } from '../lambda/store/dynamodb-store.js';
import { SLOT, toItem, VERSION } from '../lambda/store/item.js';
import { ensureTable, startDynalite } from '../lib/local/store/dynalite.js';
import { median, quantile } from './stats.js';

export interface NamespaceListCost {
  /** Certificates in the listed namespace, and the page's limit. */
  readonly listed: number;
  /** Certificates in the other namespaces of the crowded table, and how many namespaces they are in. */
  readonly others: number;
  readonly otherNamespaces: number;
  /** List p50 and p99 in ms: in the crowded table, and in a table holding the listed namespace alone. */
  readonly crowded: { readonly p50: number; readonly p99: number };
  readonly alone: { readonly p50: number; readonly p99: number };
}

const LISTED = 25;
const OTHERS = 10_000;
const OTHER_NAMESPACES = 200;
const TIMING = { warmUpCalls: 200, rounds: 9, callsPerTurn: 150 } as const;
const BATCH_WRITE_MAX = 25;
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-west-2'];

/** A stored certificate of a realistic size: a PEM of about 1.1 KB, a description, two tags. */
const certificate = (pem: string): ClientCertificate => ({
  clientCertificateId: newClientCertificateId(),
  description: 'bench tenant',
  pemEncodedCertificate: pem,
  createdDate: 1_764_000_000,
  expirationDate: 1_764_000_000 + VALIDITY_SECONDS,
  tags: { team: 'bench', env: 'load' },
});

/**
 * List p50 (limit 25) of a namespace holding 25 certificates, in a table where 10 000 more sit in
 * 200 other namespaces, against the same list in a table holding only those 25: both tables in one
 * dynalite, the items written straight into it with BatchWriteItem, the two lists measured in
 * alternating turns through the store the handlers use.
 */
export const measureNamespaceList = async (): Promise<NamespaceListCost> => {
  const db = await startDynalite('Crowded');
  await ensureTable(db.endpoint, 'Alone');
  const client = documentClient({ endpoint: db.endpoint });
  try {
    const pem = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(1_100)}\n-----END CERTIFICATE-----\n`;
    const listed: Namespace = { account: '999999999999', region: 'us-east-1' };
    const mine = Array.from({ length: LISTED }, () => certificate(pem));
    const others = Array.from({ length: OTHERS }, (_, i) => ({
      namespace: { account: String(100_000_000_000 + (i % OTHER_NAMESPACES)), region: REGIONS[i % REGIONS.length]! },
      certificate: certificate(pem),
    }));
    const stored = (namespace: Namespace, c: ClientCertificate, slot: number) => ({ ...toItem(namespace, c), [VERSION]: 1, [SLOT]: slot });
    const write = async (tableName: string, items: Record<string, unknown>[]): Promise<void> => {
      for (let i = 0; i < items.length; i += BATCH_WRITE_MAX) {
        let pending = items.slice(i, i + BATCH_WRITE_MAX).map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const { UnprocessedItems } = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
          pending = (UnprocessedItems?.[tableName] ?? []) as typeof pending;
        }
      }
    };
    // The 25 first, the others after: the listed namespace does not sit at the end of the writes.
    const listedItems = mine.map((c, i) => stored(listed, c, i));
    await write('Crowded', [
      ...listedItems,
      ...others.map(({ namespace, certificate: c }, i) => stored(namespace, c, Math.floor(i / OTHER_NAMESPACES))),
    ]);
    await write('Alone', listedItems);

    const stores = {
      crowded: new DynamoDbClientCertificateStore(client, 'Crowded', undefined, undefined, listed),
      alone: new DynamoDbClientCertificateStore(client, 'Alone', undefined, undefined, listed),
    };
    const samples = { crowded: [] as number[], alone: [] as number[] };
    const turn = async (name: keyof typeof stores, keep: boolean): Promise<void> => {
      for (let n = 0; n < TIMING.callsPerTurn; n++) {
        const started = performance.now();
        const page = await stores[name].list({ limit: LISTED });
        const elapsed = performance.now() - started;
        if (page.items.length !== LISTED || page.more) throw new Error(`${name}: listed ${page.items.length}, more: ${page.more}`);
        if (keep) samples[name].push(elapsed);
      }
    };
    for (let n = 0; n < TIMING.warmUpCalls / TIMING.callsPerTurn; n++) {
      await turn('crowded', false);
      await turn('alone', false);
    }
    for (let round = 0; round < TIMING.rounds; round++) {
      // Alternating which goes first, so neither always follows the other.
      for (const name of round % 2 === 0 ? (['crowded', 'alone'] as const) : (['alone', 'crowded'] as const)) await turn(name, true);
    }
    const figures = (values: number[]) => ({ p50: median(values), p99: quantile(values, 0.99) });
    return {
      listed: LISTED,
      others: OTHERS,
      otherNamespaces: OTHER_NAMESPACES,
      crowded: figures(samples.crowded),
      alone: figures(samples.alone),
    };
  } finally {
    client.destroy();
    await db.close();
  }
};
