import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAccountId, isRegion } from './caller.js';
import { parseFaultsFile } from './control.js';
import { atFile, localQuota } from './control-start.js';
import type { LocalServiceOptions } from './service.js';
import type { SigV4Credentials } from './sigv4.js';
import { parseStateDocument } from './state.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** The options with the address and the data directory as they will be, defaults filled in. */
export type LocalServiceSettings = LocalServiceOptions & {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly region: string;
  readonly logFormat: LogFormat;
};

/** `text`: one short line per answer on the console; `json`: the structured lines, the handlers' included. */
export type LogFormat = 'text' | 'json';

/** A setting the local service refuses to start with; its message is the one line to show. */
export class SettingError extends Error {
  override readonly name = 'SettingError';
}

/**
 * The local service's options from the environment `npm start` runs in, read once at start-up.
 * Every setting it reads, and those the handlers read in their own thread, is checked here, so a
 * misconfigured service never starts, let alone half-secured: a bad one throws a `SettingError`
 * naming it and saying what to set. A variable that is set but empty is an error, not a default.
 */
export const localServiceOptionsFromEnvironment = (env: Environment = process.env): LocalServiceSettings => {
  const format = logFormat(env);
  return {
    port: port(env),
    host: host(env),
    dataDir: dataDir(env),
    sigv4: sigv4(env),
    throttle: throttle(env),
    ...functions(env),
    ...defaultAccountId(env),
    region: region(env),
    ...quota(env),
    logFormat: format,
    metrics: format === 'json',
    // In the text format the handlers' INFO lines would bury the one line per answer.
    logLevel: logLevel(env) ?? (format === 'json' ? 'INFO' : 'WARN'),
    ...controlFiles(env),
  };
};

/** `LOG_FORMAT`: `text` (the default) or `json`. */
const logFormat = (env: Environment): LogFormat => {
  const value = env.LOG_FORMAT ?? 'text';
  return value === 'text' || value === 'json' ? value : refuse('LOG_FORMAT', value, "'text' (one line per answer, the default) or 'json'");
};

/** `SEED_FILE` (a state document) and `FAULTS_FILE` (a list of fault rules), read and checked before the service starts. */
const controlFiles = (env: Environment): Pick<LocalServiceOptions, 'seedFile' | 'faultsFile'> => {
  const check = (name: 'SEED_FILE' | 'FAULTS_FILE', parse: (text: string) => unknown): string | undefined => {
    const path = env[name];
    if (path === undefined) return undefined;
    try {
      atFile(name, path, parse);
    } catch (error) {
      throw new SettingError((error as Error).message);
    }
    return path;
  };
  const seedFile = check('SEED_FILE', (text) => parseStateDocument(JSON.parse(text), localQuota(env)));
  const faultsFile = check('FAULTS_FILE', parseFaultsFile);
  return { ...(seedFile === undefined ? {} : { seedFile }), ...(faultsFile === undefined ? {} : { faultsFile }) };
};

/** `FUNCTION_CONCURRENCY`: invocations of each function at once, as Lambda's reserved concurrency. */
const functions = (env: Environment): Pick<LocalServiceOptions, 'functions'> =>
  env.FUNCTION_CONCURRENCY === undefined
    ? {}
    : {
        functions: {
          concurrency: decimal(env, 'FUNCTION_CONCURRENCY', 1, 1_000, 'invocations of each function at once, from 1 to 1000 (unset: 10)'),
        },
      };

const port = (env: Environment): number =>
  env.PORT === undefined ? 3000 : decimal(env, 'PORT', 0, 65_535, 'a port number from 0 to 65535 (0: any free port)');

/** A host name or IP address, and nothing else: an empty one would listen on every interface. */
const host = (env: Environment): string => {
  const value = env.HOST;
  if (value === undefined) return '127.0.0.1';
  if (isIP(value) !== 0) return value;
  const rule = 'an address of this machine (unset: 127.0.0.1)';
  if (value.startsWith('[')) refuse('HOST', value, `${rule}, an IPv6 one without brackets`);
  if (value.includes(':')) refuse('HOST', value, `${rule}, without a port (the port is PORT)`);
  // An all-numeric last label is no host name; the resolver would read `127.1` or `0x7f.1` as an IPv4 address.
  const last = value.replace(/\.$/, '').split('.').at(-1)!;
  if (!HOST_NAME.test(value) || /^(\d+|0x[0-9a-f]*)$/i.test(last)) {
    refuse('HOST', value, `${rule}: an IPv4 address in four decimal parts, an IPv6 address or a host name`);
  }
  return value;
};
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`, 'i');

/** A directory, or `memory`; an empty value would put LevelDB's files in the working directory. */
const dataDir = (env: Environment): string => {
  const value = env.DATA_DIR;
  const rule = 'a directory for the store, or memory to keep nothing on disk (unset: .data)';
  if (value !== undefined && (value === '' || value.trim() !== value)) refuse('DATA_DIR', value, rule);
  // Quoted, `~` reaches here unexpanded, and `Memory` would be a directory of that name.
  if (value?.startsWith('~')) refuse('DATA_DIR', value, `${rule}; the shell did not expand ~, write $HOME`);
  if (value !== 'memory' && value?.toLowerCase() === 'memory') refuse('DATA_DIR', value, `${rule}, in lower case`);
  return value ?? '.data';
};

/** `AUTH=sigv4` checks signatures against the one key pair in the environment; unset or `none` checks nothing. */
const sigv4 = (env: Environment): LocalServiceOptions['sigv4'] => {
  const mode = env.AUTH ?? 'none';
  if (mode !== 'none' && mode !== 'sigv4') refuse('AUTH', mode, "'none' or 'sigv4'");
  if (mode === 'none') {
    // Asked for one signing service, or given keys, the service would otherwise accept every request unsigned.
    if (env.SIGV4_SERVICE !== undefined)
      throw new SettingError('SIGV4_SERVICE is set but AUTH is not sigv4: set AUTH=sigv4 to check signatures, or unset SIGV4_SERVICE');
    if (env.CREDENTIALS_FILE !== undefined)
      throw new SettingError(
        'CREDENTIALS_FILE is set but AUTH is not sigv4: set AUTH=sigv4 to check signatures, or unset CREDENTIALS_FILE',
      );
    return undefined;
  }
  const service = env.SIGV4_SERVICE ?? 'apigateway';
  if (service !== 'apigateway' && service !== 'execute-api')
    refuse('SIGV4_SERVICE', service, "'apigateway' (the default) or 'execute-api'");
  if (env.CREDENTIALS_FILE !== undefined) return { credentials: credentialsFile(env.CREDENTIALS_FILE), service };
  // IAM's AccessKeyIdType is `[\w]+`; a key with any other character can match no signature.
  const accessKeyId = required(env, 'AWS_ACCESS_KEY_ID', 'with AUTH=sigv4');
  if (!/^\w+$/.test(accessKeyId)) refuse('AWS_ACCESS_KEY_ID', accessKeyId, 'an access key id: letters, digits and _ only');
  const secretAccessKey = required(env, 'AWS_SECRET_ACCESS_KEY', 'with AUTH=sigv4');
  // Never echo a secret; say what is wrong with it.
  if (secretAccessKey.trim() !== secretAccessKey)
    throw new SettingError('AWS_SECRET_ACCESS_KEY begins or ends with white space: set it to the secret key alone');
  const sessionToken = env.AWS_SESSION_TOKEN || undefined; // empty means none, as in the AWS SDK's fromEnv
  return {
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) },
    service,
  };
};

/** `THROTTLE_RATE` and `THROTTLE_BURST` together, as the stage's limits; neither set means no throttling. */
const throttle = (env: Environment): LocalServiceOptions['throttle'] => {
  if (env.THROTTLE_RATE === undefined && env.THROTTLE_BURST === undefined) return undefined;
  const rateText = required(env, 'THROTTLE_RATE', 'with THROTTLE_BURST');
  const rate = Number(rateText);
  if (!/^\d+(\.\d+)?$/.test(rateText) || !(rate > 0) || !Number.isFinite(rate)) {
    refuse('THROTTLE_RATE', rateText, 'a positive number of requests a second, in decimal digits (such as 10 or 2.5)');
  }
  required(env, 'THROTTLE_BURST', 'with THROTTLE_RATE');
  const burst = decimal(env, 'THROTTLE_BURST', 1, Number.MAX_SAFE_INTEGER, 'a whole number of requests from 1');
  return { rate, burst };
};

/**
 * A Generate whose first slot is taken reads every quota slot, 100 to a batch read (ten reads at this
 * bound), from a list built in memory: a quota in the millions would time such Generates out, or
 * exhaust memory.
 */
export const MAX_LOCAL_QUOTA = 1_000;

/** Read by the handlers in their own thread (lambda/store/dynamodb-store.ts): checked here, before it starts. */
const quota = (env: Environment): Pick<LocalServiceOptions, 'quota'> =>
  env.CLIENT_CERTIFICATE_QUOTA === undefined
    ? {}
    : {
        quota: decimal(
          env,
          'CLIENT_CERTIFICATE_QUOTA',
          1,
          MAX_LOCAL_QUOTA,
          `a whole number of certificates from 1 to ${MAX_LOCAL_QUOTA} (unset: 60)`,
        ),
      };

const region = (env: Environment): string => {
  if (env.AWS_REGION !== undefined && !isRegion(env.AWS_REGION))
    refuse('AWS_REGION', env.AWS_REGION, 'an AWS region, such as us-east-1 (unset: us-east-1)');
  return env.AWS_REGION ?? 'us-east-1';
};

/** Powertools' levels; it takes them in any case, and would log at INFO on a level it does not know. */
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];

const logLevel = (env: Environment): string | undefined => {
  const value = env.POWERTOOLS_LOG_LEVEL;
  if (value !== undefined && !LOG_LEVELS.includes(value.toUpperCase())) {
    refuse('POWERTOOLS_LOG_LEVEL', value, `one of ${LOG_LEVELS.join(', ')} (unset: WARN, or INFO with LOG_FORMAT=json)`);
  }
  return value?.toUpperCase();
};

/** A whole number written in decimal digits only: no sign, exponent, hex, fraction, white space or leading zero. */
const decimal = (env: Environment, name: string, min: number, max: number, rule: string): number => {
  const text = env[name] ?? '';
  const value = Number(text);
  if (!/^(0|[1-9]\d*)$/.test(text) || value < min || value > max) refuse(name, text, rule);
  return value;
};

const required = (env: Environment, name: string, context: string): string => {
  const value = env[name];
  if (!value) throw new SettingError(`${name} must be set ${context}`);
  return value;
};

const refuse = (name: string, value: string, rule: string): never => {
  throw new SettingError(`${name} must be ${rule}, got ${quoted(value)}`);
};

/**
 * A value quoted as JSON, so that an empty one shows, with every control character and line
 * separator escaped, so that none can split the message; shortened when long.
 */
export const quoted = (value: string): string =>
  (value.length > 64 ? `${JSON.stringify(value.slice(0, 64)).slice(0, -1)}..."` : JSON.stringify(value)).replace(
    /[\p{Cc}\p{Zl}\p{Zp}]/gu,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** `DEFAULT_ACCOUNT_ID`: the account of unsigned requests and of access keys that name none. */
const defaultAccountId = (env: Environment): Pick<LocalServiceOptions, 'defaultAccountId'> => {
  const value = env.DEFAULT_ACCOUNT_ID;
  if (value === undefined) return {};
  if (!isAccountId(value)) refuse('DEFAULT_ACCOUNT_ID', value, 'an account id of 12 digits (unset: 000000000000)');
  return { defaultAccountId: value };
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
    throw new SettingError(
      `CREDENTIALS_FILE ${quoted(path)} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const keys: SigV4Credentials[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = `CREDENTIALS_FILE ${quoted(path)} line ${index + 1}`;
    const fields = line.split(',').map((field) => field.trim());
    const [accessKeyId = '', secretAccessKey = '', accountId = ''] = fields;
    if (fields.length !== 3 || !accessKeyId || !secretAccessKey)
      throw new SettingError(`${at}: expected ACCESS_KEY_ID,SECRET_ACCESS_KEY,ACCOUNT_ID`);
    if (!/^\w+$/.test(accessKeyId))
      throw new SettingError(`${at}: an access key id is letters, digits and _ only, got ${quoted(accessKeyId)}`);
    if (!isAccountId(accountId)) throw new SettingError(`${at}: account id must be 12 digits, got ${quoted(accountId)}`);
    if (keys.some((key) => key.accessKeyId === accessKeyId)) throw new SettingError(`${at}: access key ${accessKeyId} is listed twice`);
    keys.push({ accessKeyId, secretAccessKey, accountId });
  }
  if (keys.length === 0) throw new SettingError(`CREDENTIALS_FILE ${quoted(path)} lists no key pair`);
  return keys;
};
