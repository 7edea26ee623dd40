import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';

/**
 * The whole certificate table as one string, items in key order, attributes exactly as the store
 * returns them: two snapshots are equal only if not a byte of stored data differs.
 */
export const tableSnapshot = async (client: DynamoDBClient, tableName: string): Promise<string> => {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, never> | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey }));
    items.push(...(result.Items ?? []));
    ExclusiveStartKey = result.LastEvaluatedKey as Record<string, never> | undefined;
    if (ExclusiveStartKey === undefined) break;
  }
  const key = (item: Record<string, unknown>) => JSON.stringify(item.clientCertificateId);
  return JSON.stringify(items.sort((a, b) => key(a).localeCompare(key(b))));
};

/** A client for the store a local service started (its `store`). */
export const storeClient = ({
  endpoint,
  tableName,
  credentials,
}: {
  endpoint: string;
  tableName: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}): { client: DynamoDBClient; tableName: string } => ({
  client: new DynamoDBClient({ endpoint, region: 'us-east-1', credentials }),
  tableName,
});
