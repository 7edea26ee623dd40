import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAccountId, isRegion } from './base/account.js';
import { isIdSeed, SEED_RULE } from './control/ids.js';
import { MAX_JOURNAL_SIZE } from './control/journal.js';
import { parseFaultsFile } from './control/plane.js';
import { parseStateDocument } from './control/state-document.js';
import { atFile, localQuota } from './control-start.js';
import type { SigV4Credentials } from './front/sigv4.js';
import { DEFAULT_KEY_POOL_SIZE } from './functions/key-pool.js';
import type { LocalServiceOptions } from './service.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** The options with the address and the data directory as they will be, defaults filled in. */
export type LocalServiceSettings = LocalServiceOptions & {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly region: string;
  readonly logFormat: LogFormat;
  /** Where the command writes its ready line (`readyLine`, ./console.ts); `-` for stdout, which then carries nothing else. */
  readonly readyFile?: string;
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
  const level = fromEnvironment(env, 'POWERTOOLS_LOG_LEVEL', RULES.logLevel);
  const list = (rule: Rule<readonly string[]>) => (name: string, text: unknown) => rule(name, String(text).split(','));
  return {
    port: fromEnvironment(env, 'PORT', RULES.port) ?? 3000,
    host: fromEnvironment(env, 'HOST', RULES.host) ?? '127.0.0.1',
    dataDir: fromEnvironment(env, 'DATA_DIR', RULES.dataDir) ?? '.data',
    sigv4: sigv4(env),
    throttle: throttle(env),
    ...given(
      'functions',
      fromEnvironment(env, 'FUNCTION_CONCURRENCY', (name, text) => ({ concurrency: RULES.concurrency(name, text) })),
    ),
    ...given('defaultAccountId', fromEnvironment(env, 'DEFAULT_ACCOUNT_ID', RULES.defaultAccountId)),
    ...given('keyPoolSize', fromEnvironment(env, 'KEY_POOL_SIZE', RULES.keyPoolSize)),
    ...given('journalSize', fromEnvironment(env, 'JOURNAL_SIZE', RULES.journalSize)),
    region: fromEnvironment(env, 'AWS_REGION', RULES.region) ?? 'us-east-1',
    ...given('quota', fromEnvironment(env, 'CLIENT_CERTIFICATE_QUOTA', RULES.quota)),
    ...given('allowedOrigins', fromEnvironment(env, 'ALLOWED_ORIGINS', list(RULES.allowedOrigins))),
    ...given('allowedHosts', fromEnvironment(env, 'ALLOWED_HOSTS', list(RULES.allowedHosts))),
    ...given('idSeed', fromEnvironment(env, 'ID_SEED', RULES.idSeed)),
    ...given('upstreamUrl', fromEnvironment(env, 'UPSTREAM_URL', RULES.upstreamUrl)),
    logFormat: format,
    ...given('accessLog', fromEnvironment(env, 'ACCESS_LOG', RULES.accessLog)),
    ...given('readyFile', fromEnvironment(env, 'READY_FILE', RULES.readyFile)),
    metrics: format === 'json',
    // In the text format the handlers' INFO lines would bury the one line per answer.
    logLevel: level ?? (format === 'json' ? 'INFO' : 'WARN'),
    ...controlFiles(env),
  };
};

/**
 * `startLocalService()`'s options checked by the same rules as the settings, each named as the
 * option: a bad one throws a `SettingError` before anything starts.
 */
const NUMERIC_OPTIONS = new Set([
  'port',
  'quota',
  'maxConnections',
  'keyPoolSize',
  'journalSize',
  'functions.concurrency',
  'functions.timeoutMs',
  'functions.maxWaitMs',
  'functions.maxWaiting',
]);

export const checkLocalServiceOptions = (options: LocalServiceOptions): void => {
  const { functions, throttle: limits } = options;
  const checks: [string, unknown, Rule<unknown>][] = [
    ['port', options.port, RULES.port],
    ['host', options.host, RULES.host],
    ['dataDir', options.dataDir, RULES.dataDir],
    ['region', options.region, RULES.region],
    ['quota', options.quota, RULES.quota],
    ['defaultAccountId', options.defaultAccountId, RULES.defaultAccountId],
    ['logLevel', options.logLevel, RULES.logLevel],
    ['maxConnections', options.maxConnections, RULES.maxConnections],
    ['keyPoolSize', options.keyPoolSize, RULES.keyPoolSize],
    ['journalSize', options.journalSize, RULES.journalSize],
    ['allowedOrigins', options.allowedOrigins, RULES.allowedOrigins],
    ['allowedHosts', options.allowedHosts, RULES.allowedHosts],
    ['idSeed', options.idSeed, RULES.idSeed],
    ['upstreamUrl', options.upstreamUrl, RULES.upstreamUrl],
    ['functions.concurrency', functions?.concurrency, RULES.concurrency],
    ['functions.timeoutMs', functions?.timeoutMs, RULES.timeoutMs],
    ['functions.maxWaitMs', functions?.maxWaitMs, RULES.maxWaitMs],
    ['functions.maxWaiting', functions?.maxWaiting, RULES.maxWaiting],
  ];
  for (const [name, value, rule] of checks) {
    if (value === undefined) continue;
    // The rules read a variable's text as a number; an option is used as given, so it must be one.
    if (NUMERIC_OPTIONS.has(name) && typeof value !== 'number')
      throw new SettingError(`${name} must be a number, got ${quoted(String(value))}`);
    rule(name, value);
  }
  if (options.sigv4 !== undefined) checkKeys(options.sigv4);
  // Given at all, throttling needs both.
  if (limits !== undefined) {
    for (const [name, value] of [
      ['throttle.rate', limits.rate],
      ['throttle.burst', limits.burst],
    ] as const)
      if (typeof value !== 'number') throw new SettingError(`${name} must be a number, got ${quoted(String(value))}`);
    RULES.throttleRate('throttle.rate', limits.rate);
    RULES.throttleBurst('throttle.burst', limits.burst);
  }
};

/**
 * The key pairs of the `sigv4` option, by CREDENTIALS_FILE's rules, and each in a namespace of its
 * own making: with several keys, each names its account (an `accountId`, or an access key id of 12
 * digits), or two would land in the default account together and see each other's certificates.
 */
const checkKeys = ({ credentials, service }: NonNullable<LocalServiceOptions['sigv4']>): void => {
  const keys = [credentials].flat();
  if (keys.length === 0) throw new SettingError('sigv4.credentials lists no key pair');
  const seen = new Set<string>();
  for (const [i, { accessKeyId, secretAccessKey, accountId }] of keys.entries()) {
    const at = Array.isArray(credentials) ? `sigv4.credentials[${i}]` : 'sigv4.credentials';
    if (typeof accessKeyId !== 'string' || !/^\w+$/.test(accessKeyId))
      throw new SettingError(`${at}.accessKeyId must be letters, digits and _ only, got ${quoted(String(accessKeyId))}`);
    if (typeof secretAccessKey !== 'string' || secretAccessKey === '') throw new SettingError(`${at}.secretAccessKey must be set`);
    if (accountId !== undefined && !isAccountId(accountId))
      throw new SettingError(`${at}.accountId must be an account id of 12 digits, got ${quoted(String(accountId))}`);
    if (keys.length > 1 && accountId === undefined && !isAccountId(accessKeyId))
      throw new SettingError(`${at}.accountId must be set: with several keys, each names its account (or is a 12-digit access key id)`);
    if (seen.has(accessKeyId)) throw new SettingError(`${at}: access key ${accessKeyId} is listed twice`);
    seen.add(accessKeyId);
  }
  if (service !== undefined && service !== 'apigateway' && service !== 'execute-api')
    throw new SettingError(`sigv4.service must be 'apigateway' or 'execute-api', got ${quoted(String(service))}`);
};

/** One rule: checks `value` and gives it as the service takes it, or throws a `SettingError` naming it as `name`. */
type Rule<T> = (name: string, value: unknown) => T;

/** The variable `name`, by `rule`; `undefined` when it is unset. */
const fromEnvironment = <T>(env: Environment, name: string, rule: Rule<T>): T | undefined =>
  env[name] === undefined ? undefined : rule(name, env[name]);

/** `{ [key]: value }`, or nothing when there is no value: an option left out takes its default. */
const given = <K extends string, T>(key: K, value: T | undefined): Partial<Record<K, T>> =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, T>>;

/**
 * A Generate whose first slot is taken reads every quota slot, 100 to a batch read (ten reads at this
 * bound), from a list built in memory: a quota in the millions would time such Generates out, or
 * exhaust memory.
 */
export const MAX_LOCAL_QUOTA = 1_000;

/** HTTP API's integration timeout: a function, or a wait for one, longer than this is never waited for. */
const INTEGRATION_TIMEOUT_MS = 30_000;

/**
 * The rules, each written once: the settings name the value by its variable, `startLocalService()`
 * by its option. A variable's value is text; an option's is the type the option takes.
 */
const RULES = {
  port: (name: string, value: unknown) => wholeNumber(name, value, 0, 65_535, 'a port number from 0 to 65535 (0: any free port)'),
  /** A host name or IP address, and nothing else: an empty one would listen on every interface. */
  host: (name: string, value: unknown): string => {
    const rule = 'an address of this machine (unset: 127.0.0.1)';
    const text = typeof value === 'string' ? value : refuse(name, value, rule);
    if (isIP(text) !== 0) return text;
    if (text.startsWith('[')) refuse(name, text, `${rule}, an IPv6 one without brackets`);
    if (text.includes(':')) refuse(name, text, `${rule}, without a port (the port is PORT)`);
    if (!isHostName(text)) refuse(name, text, `${rule}: an IPv4 address in four decimal parts, an IPv6 address or a host name`);
    return text;
  },
  /** A directory, or `memory`; an empty value would put LevelDB's files in the working directory. */
  dataDir: (name: string, value: unknown): string => {
    const rule = 'a directory for the store, or memory to keep nothing on disk (unset: .data)';
    const text = typeof value === 'string' ? value : refuse(name, value, rule);
    if (text === '' || text.trim() !== text) refuse(name, text, rule);
    // Quoted, `~` reaches here unexpanded, and `Memory` would be a directory of that name.
    if (text.startsWith('~')) refuse(name, text, `${rule}; the shell did not expand ~, write $HOME`);
    if (text !== 'memory' && text.toLowerCase() === 'memory') refuse(name, text, `${rule}, in lower case`);
    return text;
  },
  region: (name: string, value: unknown): string =>
    typeof value === 'string' && isRegion(value) ? value : refuse(name, value, 'an AWS region, such as us-east-1 (unset: us-east-1)'),
  /** Read by the handlers in their own thread (lambda/store/dynamodb-store.ts): checked here, before it starts. */
  quota: (name: string, value: unknown) =>
    wholeNumber(name, value, 1, MAX_LOCAL_QUOTA, `a whole number of certificates from 1 to ${MAX_LOCAL_QUOTA} (unset: 60)`),
  /** Invocations of each function at once, as Lambda's reserved concurrency. */
  concurrency: (name: string, value: unknown) =>
    wholeNumber(name, value, 1, 1_000, 'invocations of each function at once, from 1 to 1000 (unset: 10)'),
  /** Key pairs generated ahead for Generate; each is about 2 KB held, and 50 ms of CPU to make. */
  keyPoolSize: (name: string, value: unknown) =>
    wholeNumber(name, value, 0, 100, `key pairs generated ahead for Generate, from 0 (none) to 100 (unset: ${DEFAULT_KEY_POOL_SIZE})`),
  /** Requests the journal keeps per namespace (./control/journal.ts bounds them in all). */
  journalSize: (name: string, value: unknown) =>
    wholeNumber(name, value, 0, MAX_JOURNAL_SIZE, `requests kept per namespace, from 0 (none) to ${MAX_JOURNAL_SIZE} (unset: 1000)`),
  timeoutMs: (name: string, value: unknown) =>
    wholeNumber(name, value, 1, INTEGRATION_TIMEOUT_MS, `milliseconds a function may run, from 1 to ${INTEGRATION_TIMEOUT_MS}`),
  maxWaitMs: (name: string, value: unknown) =>
    wholeNumber(
      name,
      value,
      0,
      INTEGRATION_TIMEOUT_MS,
      `milliseconds an invocation may wait for a free slot, from 0 to ${INTEGRATION_TIMEOUT_MS}`,
    ),
  maxWaiting: (name: string, value: unknown) =>
    wholeNumber(name, value, 0, Number.MAX_SAFE_INTEGER, 'a whole number of invocations that may wait at once, from 0'),
  /** None would drop every connection. */
  maxConnections: (name: string, value: unknown) =>
    wholeNumber(name, value, 1, Number.MAX_SAFE_INTEGER, 'a whole number of connections held at once, from 1'),
  /** The account of unsigned requests and of access keys that name none. */
  defaultAccountId: (name: string, value: unknown): string =>
    typeof value === 'string' && isAccountId(value) ? value : refuse(name, value, 'an account id of 12 digits (unset: 000000000000)'),
  throttleRate: (name: string, value: unknown): number => {
    const rate = typeof value === 'string' ? (/^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN) : value;
    if (typeof rate !== 'number' || !(rate > 0) || !Number.isFinite(rate))
      refuse(name, value, 'a positive number of requests a second, in decimal digits (such as 10 or 2.5)');
    return rate as number;
  },
  throttleBurst: (name: string, value: unknown) =>
    wholeNumber(name, value, 1, Number.MAX_SAFE_INTEGER, 'a whole number of requests from 1'),
  /** Powertools takes its levels in any case, and would log at INFO on a level it does not know. */
  logLevel: (name: string, value: unknown): string =>
    typeof value === 'string' && LOG_LEVELS.includes(value.toUpperCase())
      ? value.toUpperCase()
      : refuse(name, value, `one of ${LOG_LEVELS.join(', ')} (unset: WARN, or INFO with LOG_FORMAT=json)`),
  /** `off` for no line per answer: nothing the harness has to read. */
  accessLog: (name: string, value: unknown): false | undefined =>
    value === 'on' ? undefined : value === 'off' ? false : refuse(name, value, "'on' (a line per answer, the default) or 'off'"),
  /** A file the ready line is written to; `-` is stdout. */
  readyFile: (name: string, value: unknown): string =>
    typeof value === 'string' && value !== '' && value.trim() === value
      ? value
      : refuse(name, value, 'a file to write the ready line to, or - for stdout'),
  /** Origins a browser may call the service from besides its own (./front/origin.ts): exact, as a browser sends them, or `*` alone. */
  allowedOrigins: (name: string, value: unknown): readonly string[] => {
    const rule = 'comma-separated origins, each scheme://host[:port] as a browser sends it (such as http://localhost:8080), or *';
    const origins = listOf(name, value, rule);
    if (origins.includes('*') && origins.length > 1) refuse(name, origins.join(','), `${rule}: * alone allows every origin`);
    for (const origin of origins) if (origin !== '*' && !isOrigin(origin)) refuse(name, origin, rule);
    return origins;
  },
  /** The seed of every namespace's certificate ids (./control/ids.ts). */
  idSeed: (name: string, value: unknown): string =>
    isIdSeed(value) ? value : refuse(name, value, `a seed of ${SEED_RULE} (unset: random ids)`),
  /** Host names a request may name besides loopback and the service's own address (./front/origin.ts). */
  allowedHosts: (name: string, value: unknown): readonly string[] => {
    const rule = 'comma-separated host names or IP addresses, without ports (such as host.docker.internal)';
    const hosts = listOf(name, value, rule);
    for (const host of hosts) if (isIP(host) === 0 && !isHostName(host)) refuse(name, host, rule);
    return hosts;
  },
  /**
   * Where requests for routes not served here go (./front/upstream.ts): a request's path and query are
   * appended, so the URL has none of either, and no credentials, which would be sent with every request.
   */
  upstreamUrl: (name: string, value: unknown): string => {
    const rule = `an http:// or https:// URL of at most ${MAX_UPSTREAM_URL_LENGTH} characters, such as http://127.0.0.1:5000`;
    const text = typeof value === 'string' ? value : refuse(name, value, rule);
    // Credentials are never shown back, in whatever shape they came: the URL parser also reads them
    // after `http:\\`, `http:/` or `http:`, so any `@` is taken for one (a path's is written %40).
    if (text.includes('@'))
      throw new SettingError(`${name} must not hold credentials (user:password@): forwarded requests carry the client's own signature`);
    const url = text.length <= MAX_UPSTREAM_URL_LENGTH ? URL.parse(text) : null;
    if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return refuse(name, text, rule);
    if (text.includes('?') || text.includes('#')) refuse(name, text, `${rule}, without a query or fragment`);
    // The parser drops spaces and control characters silently: the URL used would not be the one given.
    if (/[\s\p{Cc}]/u.test(text)) refuse(name, text, `${rule}, without spaces or control characters`);
    return text;
  },
};

/** Long enough for any host and path prefix; a URL is held and joined to every forwarded request. */
const MAX_UPSTREAM_URL_LENGTH = 2_048;

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
  const rate = RULES.throttleRate('THROTTLE_RATE', required(env, 'THROTTLE_RATE', 'with THROTTLE_BURST'));
  const burst = RULES.throttleBurst('THROTTLE_BURST', required(env, 'THROTTLE_BURST', 'with THROTTLE_RATE'));
  return { rate, burst };
};

/** A list of strings, none empty. */
const listOf = (name: string, value: unknown, rule: string): readonly string[] => {
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string')) return refuse(name, value, rule);
  for (const item of value as string[]) if (item === '') refuse(name, value.join(','), rule);
  return value as string[];
};

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`, 'i');

/** A host name; an all-numeric last label is none, since the resolver would read `127.1` or `0x7f.1` as an IPv4 address. */
const isHostName = (text: string): boolean =>
  HOST_NAME.test(text) && !/^(\d+|0x[0-9a-f]*)$/i.test(text.replace(/\.$/, '').split('.').at(-1)!);

/** An origin as a browser serialises it: lower case, no path, no default port (`URL.origin` for http and https). */
const isOrigin = (text: string): boolean =>
  /^[a-z][a-z0-9+.-]*:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(text) &&
  (!/^https?:/.test(text) || URL.parse(text)?.origin === text);

/** A whole number: as text, decimal digits only (no sign, exponent, hex, fraction, white space or leading zero). */
const wholeNumber = (name: string, value: unknown, min: number, max: number, rule: string): number => {
  const number = typeof value === 'string' ? (/^(0|[1-9]\d*)$/.test(value) ? Number(value) : Number.NaN) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < min || number > max) refuse(name, value, rule);
  return number as number;
};

/** `LOG_FORMAT`: `text` (the default) or `json`. */
const logFormat = (env: Environment): LogFormat => {
  const value = env.LOG_FORMAT ?? 'text';
  return value === 'text' || value === 'json' ? value : refuse('LOG_FORMAT', value, "'text' (one line per answer, the default) or 'json'");
};

/**
 * `SEED_FILE` (a state document) and `FAULTS_FILE` (a list of fault rules), each read once and
 * checked here, and handed on parsed: a file read twice would be empty the second time if it is a
 * pipe (`--seed-file <(...)`).
 */
const controlFiles = (env: Environment): Pick<LocalServiceOptions, 'seed' | 'faults'> => {
  const parsed = <T>(name: 'SEED_FILE' | 'FAULTS_FILE', parse: (text: string) => T): T | undefined => {
    const path = env[name];
    if (path === undefined) return undefined;
    try {
      return atFile(name, path, parse);
    } catch (error) {
      throw new SettingError((error as Error).message);
    }
  };
  return {
    ...given(
      'seed',
      parsed('SEED_FILE', (text) => parseStateDocument(JSON.parse(text), localQuota(env))),
    ),
    ...given('faults', parsed('FAULTS_FILE', parseFaultsFile)),
  };
};

/** Powertools' levels. */
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];

const required = (env: Environment, name: string, context: string): string => {
  const value = env[name];
  if (!value) throw new SettingError(`${name} must be set ${context}`);
  return value;
};

const refuse = (name: string, value: unknown, rule: string): never => {
  throw new SettingError(`${name} must be ${rule}, got ${shown(value)}`);
};

/** A variable's text quoted; an option's value as written in code. */
const shown = (value: unknown): string =>
  typeof value === 'string' ? quoted(value) : typeof value === 'object' && value !== null ? quoted(JSON.stringify(value)) : String(value);

/**
 * A value quoted as JSON, so that an empty one shows, with every control character and line
 * separator escaped, so that none can split the message; shortened when long.
 */
export const quoted = (value: string): string =>
  (value.length > 64 ? `${JSON.stringify(value.slice(0, 64)).slice(0, -1)}..."` : JSON.stringify(value)).replace(
    /[\p{Cc}\p{Zl}\p{Zp}]/gu,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/**
 * The key pairs `CREDENTIALS_FILE` lists, one a line: `ACCESS_KEY_ID,SECRET_ACCESS_KEY,ACCOUNT_ID`, then
 * `,all-namespaces` for a key that may act on every namespace through the control plane (blank lines
 * and lines starting with `#` skipped). Any fault names the file and the line.
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
    const [accessKeyId = '', secretAccessKey = '', accountId = '', mark] = fields;
    if (fields.length < 3 || fields.length > 4 || !accessKeyId || !secretAccessKey)
      throw new SettingError(`${at}: expected ACCESS_KEY_ID,SECRET_ACCESS_KEY,ACCOUNT_ID[,${ALL_NAMESPACES}]`);
    if (!/^\w+$/.test(accessKeyId))
      throw new SettingError(`${at}: an access key id is letters, digits and _ only, got ${quoted(accessKeyId)}`);
    if (!isAccountId(accountId)) throw new SettingError(`${at}: account id must be 12 digits, got ${quoted(accountId)}`);
    if (mark !== undefined && mark !== ALL_NAMESPACES)
      throw new SettingError(`${at}: the fourth field may only be ${ALL_NAMESPACES}, got ${quoted(mark)}`);
    if (keys.some((key) => key.accessKeyId === accessKeyId)) throw new SettingError(`${at}: access key ${accessKeyId} is listed twice`);
    keys.push({ accessKeyId, secretAccessKey, accountId, ...(mark === undefined ? {} : { allNamespaces: true }) });
  }
  if (keys.length === 0) throw new SettingError(`CREDENTIALS_FILE ${quoted(path)} lists no key pair`);
  return keys;
};

/** The mark of a CREDENTIALS_FILE key that may act on every namespace. */
const ALL_NAMESPACES = 'all-namespaces';
