import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import { PARTITION_KEY } from '../../lambda/store/table.js';

export interface LocalDynamoDb {
  /** The endpoint the DynamoDB client is pointed at. */
  readonly endpoint: string;
  /** Stops the server and closes LevelDB, flushing what it holds. */
  close(): Promise<void>;
}

/**
 * Starts dynalite on a free loopback port, on LevelDB files in `path` (or in memory when
 * `path` is undefined), and creates the certificate table if it is not there yet.
 */
export const startDynalite = async (tableName: string, path?: string): Promise<LocalDynamoDb> => {
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await ensureTable(endpoint, tableName);
  return {
    endpoint,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
};

/** Creates the certificate table in the store at `endpoint` unless it is there already. */
export const ensureTable = async (endpoint: string, tableName: string): Promise<void> => {
  const client = new DynamoDBClient({ endpoint });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } finally {
    client.destroy();
  }
};
