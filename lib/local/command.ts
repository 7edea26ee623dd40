import { parseArgs } from 'node:util';
import { DEFAULT_KEY_POOL_SIZE } from './functions/key-pool.js';
import { SettingError } from './settings.js';

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The command's flags, each the environment variable beside it: a flag given wins over the
 * variable, and every value is checked by the same rules (./settings.ts). The keys AUTH=sigv4 checks
 * against stay in the environment only, out of the process list.
 */
export const FLAGS = [
  ['port', 'PORT', 'port to listen on; 0 picks a free one (3000)'],
  ['host', 'HOST', 'address to listen on (127.0.0.1)'],
  ['data-dir', 'DATA_DIR', 'directory of the store, or memory for nothing on disk (.data)'],
  ['auth', 'AUTH', 'none, or sigv4 to check signatures against AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (none)'],
  ['sigv4-service', 'SIGV4_SERVICE', 'signing service checked with --auth sigv4: apigateway or execute-api (apigateway)'],
  ['throttle-rate', 'THROTTLE_RATE', 'requests a second per route, with --throttle-burst (off)'],
  ['throttle-burst', 'THROTTLE_BURST', 'burst per route, with --throttle-rate (off)'],
  ['quota', 'CLIENT_CERTIFICATE_QUOTA', 'certificates that may exist at once, 1 to 1000 (60)'],
  ['region', 'AWS_REGION', 'region in every ARN (us-east-1)'],
  ['function-concurrency', 'FUNCTION_CONCURRENCY', 'invocations of each function at once, 1 to 1000 (10)'],
  ['key-pool-size', 'KEY_POOL_SIZE', `key pairs generated ahead for Generate, 0 to 100, 0 for none (${DEFAULT_KEY_POOL_SIZE})`],
  ['journal-size', 'JOURNAL_SIZE', 'API requests GET /_local/requests keeps per namespace, 0 (none) to 10000 (1000)'],
  ['log-format', 'LOG_FORMAT', 'text, one line per answer, or json, the structured lines (text)'],
  ['access-log', 'ACCESS_LOG', 'on, or off for no line per answer (on)'],
  [
    'ready-file',
    'READY_FILE',
    'file to write one JSON line to once ready (url, port, pid, dataDir, version); - for stdout, then alone there (none)',
  ],
  ['log-level', 'POWERTOOLS_LOG_LEVEL', "handlers' log level, SILENT for none (WARN; INFO with json)"],
  ['default-account-id', 'DEFAULT_ACCOUNT_ID', 'account of unsigned requests and of keys naming none (000000000000)'],
  ['credentials-file', 'CREDENTIALS_FILE', 'with --auth sigv4: lines of ACCESS_KEY_ID,SECRET_ACCESS_KEY,ACCOUNT_ID (none)'],
  ['seed-file', 'SEED_FILE', 'a state document (GET /_local/state) to start from (none)'],
  ['faults-file', 'FAULTS_FILE', 'a list of fault rules to start with (none)'],
  ['id-seed', 'ID_SEED', "seed of every namespace's certificate ids, 1 to 256 printable ASCII characters (none: random)"],
  ['allowed-origins', 'ALLOWED_ORIGINS', 'origins whose web pages may call it besides its own, comma-separated, or * (none)'],
  ['allowed-hosts', 'ALLOWED_HOSTS', 'host names it may be called by besides loopback and --host, comma-separated (none)'],
  ['upstream-url', 'UPSTREAM_URL', 'another emulator to forward every route not served here to, e.g. moto_server (none: 404)'],
] as const;

export const USAGE = [
  'Usage: client-certificate-api [options]',
  '',
  "Amazon API Gateway's ClientCertificate API on this machine. Each option may be given as the",
  'environment variable named beside it instead; an option given wins.',
  '',
  ...FLAGS.map(([flag, variable, text]) => `  --${`${flag} <value>`.padEnd(30)} ${variable.padEnd(25)} ${text}`),
  `  ${'--help'.padEnd(32)} ${''.padEnd(25)} this list`,
  '',
  'SIGINT (Ctrl-C) or SIGTERM stops it after the requests under way; a second one forces the exit.',
].join('\n');

/**
 * The environment the service is configured from: `env` with each flag in `args` in place of its
 * variable; `help` when `--help` is among them. An unknown flag or one without a value is a
 * `SettingError`, one line.
 */
export const environmentWithFlags = (args: readonly string[], env: Environment): { env: Environment; help: boolean } => {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { help: { type: 'boolean' }, ...Object.fromEntries(FLAGS.map(([flag]) => [flag, { type: 'string' }])) },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new SettingError(`${(error as Error).message.split('\n')[0]} (--help lists the options)`);
  }
  const given = FLAGS.filter(([flag]) => values[flag] !== undefined).map(([flag, variable]) => [variable, values[flag] as string]);
  return { env: { ...env, ...Object.fromEntries(given) }, help: values.help === true };
};
