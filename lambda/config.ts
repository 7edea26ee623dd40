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

/** Reads the settings once, at start-up: a function that cannot run fails then, naming the variable. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): FunctionConfig => {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new Error('Missing required environment variable TABLE_NAME');
  const quota = Number(env.CLIENT_CERTIFICATE_QUOTA ?? DEFAULT_QUOTA);
  if (!Number.isInteger(quota) || quota < 1) throw new Error('CLIENT_CERTIFICATE_QUOTA must be a positive integer');
  return { tableName, quota, ...(env.DYNAMODB_ENDPOINT ? { dynamoDbEndpoint: env.DYNAMODB_ENDPOINT } : {}) };
};
