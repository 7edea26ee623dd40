import { DEFAULT_QUOTA } from './store/table.js';

/** The handlers' settings, as the stack (or the local service) puts them in the function's environment. */
export interface FunctionConfig {
  /** `TABLE_NAME`, required. */
  readonly tableName: string;
  /** `CLIENT_CERTIFICATE_QUOTA`. @default DEFAULT_QUOTA */
  readonly quota: number;
  /** `DYNAMODB_ENDPOINT`, set by the local service only. @default the SDK's endpoint for the region */
  readonly dynamoDbEndpoint?: string;
}

/** The variables the handlers read, by setting: the stack and the local service set them under these names. */
export const CONFIG_VARIABLES = {
  tableName: 'TABLE_NAME',
  quota: 'CLIENT_CERTIFICATE_QUOTA',
  dynamoDbEndpoint: 'DYNAMODB_ENDPOINT',
} as const;

/** Reads the settings once, at start-up: a function that cannot run fails then, naming the variable. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): FunctionConfig => {
  const names = CONFIG_VARIABLES;
  const tableName = env[names.tableName];
  if (!tableName) throw new Error(`Missing required environment variable ${names.tableName}`);
  const quota = Number(env[names.quota] ?? DEFAULT_QUOTA);
  if (!Number.isInteger(quota) || quota < 1) throw new Error(`${names.quota} must be a positive integer`);
  const dynamoDbEndpoint = env[names.dynamoDbEndpoint];
  return { tableName, quota, ...(dynamoDbEndpoint ? { dynamoDbEndpoint } : {}) };
};
