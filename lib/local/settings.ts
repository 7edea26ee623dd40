import { readFileSync } from 'node:fs';
import { isAccountId } from './caller.js';
import type { SigV4Credentials } from './sigv4.js';
import type { LocalServiceOptions } from './service.js';

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The local service's options from the environment `npm start` runs in, read once at start-up.
 * Throws naming the variable at fault, so a misconfigured service never starts half-secured.
 */
export const localServiceOptionsFromEnvironment = (env: Environment = process.env): LocalServiceOptions => ({
  port: port(env),
  host: env.HOST,
  dataDir: env.DATA_DIR,
  sigv4: sigv4(env),
  throttle: throttle(env),
  defaultAccountId: defaultAccountId(env),
});

const port = (env: Environment): number => {
  const value = Number(env.PORT ?? 3000);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`PORT must be a port number, got '${env.PORT}'`);
  return value;
};

/** `AUTH=sigv4` checks signatures against the one key pair in the environment; unset or `none` checks nothing. */
const sigv4 = (env: Environment): LocalServiceOptions['sigv4'] => {
  const mode = env.AUTH ?? 'none';
  if (mode === 'none' && env.CREDENTIALS_FILE) throw new Error('CREDENTIALS_FILE is read only with AUTH=sigv4');
  if (mode === 'none') return undefined;
  if (mode !== 'sigv4') throw new Error(`AUTH must be 'none' or 'sigv4', got '${mode}'`);
  if (env.CREDENTIALS_FILE) return { credentials: credentialsFile(env.CREDENTIALS_FILE), service: env.SIGV4_SERVICE || 'apigateway' };
  const accessKeyId = required(env, 'AWS_ACCESS_KEY_ID', 'with AUTH=sigv4');
  const secretAccessKey = required(env, 'AWS_SECRET_ACCESS_KEY', 'with AUTH=sigv4');
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  return {
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) },
    service: env.SIGV4_SERVICE || 'apigateway',
  };
};

/** `THROTTLE_RATE` and `THROTTLE_BURST` together, as the stage's limits; neither set means no throttling. */
const throttle = (env: Environment): LocalServiceOptions['throttle'] => {
  if (env.THROTTLE_RATE === undefined && env.THROTTLE_BURST === undefined) return undefined;
  const rate = Number(required(env, 'THROTTLE_RATE', 'with THROTTLE_BURST'));
  const burst = Number(required(env, 'THROTTLE_BURST', 'with THROTTLE_RATE'));
  if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`THROTTLE_RATE must be a positive number, got '${env.THROTTLE_RATE}'`);
  if (!Number.isInteger(burst) || burst < 1) throw new Error(`THROTTLE_BURST must be a positive integer, got '${env.THROTTLE_BURST}'`);
  return { rate, burst };
};

const required = (env: Environment, name: string, context: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set ${context}`);
  return value;
};

/** `DEFAULT_ACCOUNT_ID`: the account of unsigned requests and of access keys that name none. */
const defaultAccountId = (env: Environment): string | undefined => {
  const value = env.DEFAULT_ACCOUNT_ID;
  if (value !== undefined && !isAccountId(value)) throw new Error(`DEFAULT_ACCOUNT_ID must be 12 digits, got '${value}'`);
  return value;
};

/**
 * The key pairs `CREDENTIALS_FILE` lists, one a line: `ACCESS_KEY_ID,SECRET_ACCESS_KEY,ACCOUNT_ID`
 * (blank lines and lines starting with `#` skipped). Any fault names the file and the line.
 */
export const credentialsFile = (path: string): SigV4Credentials[] => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`CREDENTIALS_FILE ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const keys: SigV4Credentials[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = `CREDENTIALS_FILE ${path} line ${index + 1}`;
    const fields = line.split(',').map((field) => field.trim());
    const [accessKeyId = '', secretAccessKey = '', accountId = ''] = fields;
    if (fields.length !== 3 || !accessKeyId || !secretAccessKey) throw new Error(`${at}: expected ACCESS_KEY_ID,SECRET_ACCESS_KEY,ACCOUNT_ID`);
    if (!isAccountId(accountId)) throw new Error(`${at}: account id must be 12 digits, got '${accountId}'`);
    if (keys.some((key) => key.accessKeyId === accessKeyId)) throw new Error(`${at}: access key ${accessKeyId} is listed twice`);
    keys.push({ accessKeyId, secretAccessKey, accountId });
  }
  if (keys.length === 0) throw new Error(`CREDENTIALS_FILE ${path} lists no key pair`);
  return keys;
};
