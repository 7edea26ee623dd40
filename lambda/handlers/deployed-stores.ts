import { readConfig } from '../config.js';
import { documentClient } from '../store/client.js';
import { dynamoDbStores } from '../store/dynamodb-store.js';

// Built once per process, at start-up, from the settings read there; every handler module in the
// process (the local service loads all eight in one thread) shares its client.
const { tableName, quota, dynamoDbEndpoint } = readConfig();

/** The stores the deployed handlers use. */
export const deployedStores = dynamoDbStores(documentClient({ endpoint: dynamoDbEndpoint }), tableName, quota);
