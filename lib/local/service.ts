import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import { MessageChannel } from 'node:worker_threads';
import { CONFIG_VARIABLES } from '../../lambda/config.js';
import { DEFAULT_QUOTA } from '../../lambda/store/table.js';
import { operations } from '../operations.js';
import type { Caller } from './base/account.js';
import { DEFAULT_ACCOUNT_ID } from './base/account.js';
import { makeDirectory } from './base/make-directory.js';
import { consoleAccessLog } from './console.js';
import { DEFAULT_JOURNAL_SIZE, RequestJournal } from './control/journal.js';
import type { LocalControl } from './control/plane.js';
import type { StateDocument } from './control/state-document.js';
import { startControl } from './control-start.js';
import { capConnections, defaultMaxConnections } from './front/connections.js';
import type { AccessLogEntry, Route } from './front/http-api.js';
import {
  clientErrorAnswerer,
  connectionLogEntry,
  HEADERS_TIMEOUT_MS,
  httpApiListener,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_HEADER_BYTES,
  REQUEST_TIMEOUT_MS,
} from './front/http-api.js';
import { originCheck } from './front/origin.js';
import type { SigV4Settings } from './front/sigv4.js';
import { sigv4Verifier } from './front/sigv4.js';
import type { ThrottleSettings } from './front/throttle.js';
import type { FunctionSettings } from './functions/functions.js';
import { MAX_INVOCATIONS_AT_ONCE, startFunctions } from './functions/functions.js';
import { DEFAULT_KEY_POOL_SIZE, startKeyPool } from './functions/key-pool.js';
import { checkLocalServiceOptions, quoted, SettingError } from './settings.js';
import { closeWithParent } from './starter.js';
import type { LocalDynamoDb } from './store/dynalite.js';
import { startDynalite } from './store/dynalite.js';

export interface LocalServiceOptions {
  /** @default 3000; 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Where dynalite keeps its LevelDB files; `'memory'` keeps nothing on disk. @default '.data' */
  readonly dataDir?: string;
  /**
   * Verify every request's SigV4 signature against these credentials, as IAM authorization does.
   * @default none: any request, signed or not, is accepted, as local AWS emulators do
   */
  readonly sigv4?: SigV4Settings;
  /**
   * The account of unsigned requests and of access keys that name none (a 12-digit access key id
   * is its own account, a key of `sigv4` with an `accountId` that one). @default '000000000000'
   */
  readonly defaultAccountId?: string | undefined;
  /** Throttle each route as the deployed stage does. @default none: nothing is throttled */
  readonly throttle?: ThrottleSettings;
  /** Each function's concurrency, timeout and wait for a free slot. @default see FunctionSettings */
  readonly functions?: FunctionSettings;
  /**
   * Connections held open at once; past it the longest idle one is closed for a newcomer.
   * @default half the process's file descriptor limit
   */
  readonly maxConnections?: number;
  /**
   * RSA-2048 key pairs Generate may take ready-made, generated ahead by a child process at the lowest
   * priority and each used once (./functions/key-pool.ts); a Generate that finds none generates its
   * own, as on Lambda; 0 for none.
   * @default 8: as many as a burst of Generates in a test usually asks for
   */
  readonly keyPoolSize?: number;
  /** The region in every ARN and in the handlers' `AWS_REGION`. @default 'us-east-1' */
  readonly region?: string;
  /** Certificates the handlers let exist at once (their `CLIENT_CERTIFICATE_QUOTA`). @default 60 */
  readonly quota?: number;
  /** The handlers' Powertools log level (`POWERTOOLS_LOG_LEVEL`); `'SILENT'` for none. @default 'WARN' */
  readonly logLevel?: string;
  /** Whether the handlers write their metrics as CloudWatch EMF lines on standard output. @default false */
  readonly metrics?: boolean;
  /**
   * Told of every answer the service gives, with the status actually sent and the request id.
   * @default one short line per answer on standard output (`accessLine` in ./console.ts)
   */
  readonly accessLog?: ((entry: AccessLogEntry) => void) | false;
  /**
   * The endpoint the handlers reach the store at, given dynalite's; a test puts a fault-injecting
   * proxy in between this way. @default dynalite's own endpoint
   */
  readonly storeEndpoint?: (dynaliteEndpoint: string) => string | Promise<string>;
  /** A state document (`GET /_local/state`) to replace the store's state with at start. @default none: the store as it is */
  readonly seedFile?: string | undefined;
  /** A state document to replace the store's state with at start, after `seedFile`'s. @default none: the store as it is */
  readonly seed?: StateDocument | undefined;
  /**
   * The seed of the certificate ids of every namespace that sets none of its own (`PUT /_local/ids`):
   * the same seed, the same ids, run after run. @default none: random ids, as deployed
   */
  readonly idSeed?: string | undefined;
  /** A JSON list of fault rules (`POST /_local/faults`) in force from the start. @default none */
  readonly faultsFile?: string | undefined;
  /** Fault rules in force from the start, after FAULTS_FILE's. @default none */
  readonly faults?: readonly unknown[];
  /**
   * Origins (`scheme://host[:port]`) whose web pages may call the service, besides its own; `['*']`
   * any but `null`. @default none: browsers may call it from its own origin only (./front/origin.ts)
   */
  readonly allowedOrigins?: readonly string[] | undefined;
  /**
   * Host names requests may be addressed to besides loopback names and the address it listens on,
   * such as `host.docker.internal`. @default none
   */
  readonly allowedHosts?: readonly string[] | undefined;
  /**
   * Another emulator (moto_server, LocalStack) that answers every request for a route this service does
   * not serve: forwarded unchanged, its answer passed back (./front/upstream.ts). A stage naming a
   * client certificate is forwarded only when the certificate exists here.
   * @default none: such requests are 404 NotFoundException
   */
  readonly upstreamUrl?: string | undefined;
  /**
   * API requests the journal (`GET /_local/requests`) keeps per namespace, the oldest dropped first;
   * 0 for none. @default 1000
   */
  readonly journalSize?: number;
}

export interface LocalService {
  /** `http://HOST:PORT`, the value for `--endpoint-url`. */
  readonly url: string;
  /** Where the handlers' store is: dynalite's endpoint and the certificate table in it. */
  readonly store: { readonly endpoint: string; readonly tableName: string; readonly credentials: LocalDynamoDb['credentials'] };
  /** The control plane `/_local/` serves: reset, state and fault rules, for a test in this process. */
  readonly control: LocalControl;
  /** Stops taking requests, lets those under way finish, then closes the store. */
  close(): Promise<void>;
}

const TABLE_NAME = 'ClientCertificates';

/**
 * Invocations of one function may run at once here, in one thread: as on Lambda Managed Instances,
 * whose runtime says so in this variable and runs each invocation in its own context.
 */
const CONCURRENT_INVOCATIONS = String(MAX_INVOCATIONS_AT_ONCE);

/**
 * The service on this machine: the same handler modules the stack deploys, behind a stand-in for
 * HTTP API and on dynalite in place of DynamoDB, each in a thread of its own (the stand-in in this
 * one). The handlers read their configuration from the environment at import, exactly as in Lambda:
 * their thread gets an environment of its own, built from these options over a copy of this
 * process's, which is never written to; so two services in one process share no setting.
 */
export const startLocalService = async (options: LocalServiceOptions = {}): Promise<LocalService> => {
  checkLocalServiceOptions(options);
  const {
    port = 3000,
    host = '127.0.0.1',
    dataDir = '.data',
    sigv4,
    throttle,
    functions: functionSettings,
    keyPoolSize = DEFAULT_KEY_POOL_SIZE,
    maxConnections = defaultMaxConnections(),
    region = 'us-east-1',
    quota,
    logLevel = 'WARN',
    metrics = false,
    accessLog = consoleAccessLog('text'),
    storeEndpoint = (endpoint) => endpoint,
    defaultAccountId = DEFAULT_ACCOUNT_ID,
    allowedOrigins,
    allowedHosts,
    idSeed,
    upstreamUrl,
    journalSize = DEFAULT_JOURNAL_SIZE,
    ...controlOptions
  } = options;
  const path = dataDir === 'memory' ? undefined : resolve(dataDir);
  try {
    if (path !== undefined) makeDirectory(path);
  } catch (error) {
    // A file, a symbolic link to nothing or a directory this user may not write: one line naming the option.
    const { code, message } = error as NodeJS.ErrnoException;
    throw new SettingError(
      `dataDir ${quoted(path!)} cannot hold the store (${code ?? message}): set dataDir to another directory, or memory`,
    );
  }
  // The store and the handlers' thread start side by side: the thread loads what the handlers import
  // while dynalite starts; each handler loads at its function's first invocation, as on Lambda.
  const inherited = { ...process.env };
  for (const name of [CONFIG_VARIABLES.quota, 'AWS_SESSION_TOKEN']) delete inherited[name];
  // The store's port is open to every process on the machine: it takes this start's own key only.
  const storeStarting = startDynalite(TABLE_NAME, path, { accessKeyId: `local-${randomBytes(16).toString('hex')}` });
  const keyPool = startKeyPool(keyPoolSize);
  // The handlers' view of the store; the control plane uses the same, so health reflects what they see.
  const handlersStoreStarting = storeStarting.then((store) => storeEndpoint(store.endpoint));
  const functionsStarting = startFunctions(
    functionSettings,
    Promise.all([handlersStoreStarting, storeStarting]).then(([handlersStore, { credentials }]) => ({
      AWS_LAMBDA_MAX_CONCURRENCY: CONCURRENT_INVOCATIONS,
      POWERTOOLS_SERVICE_NAME: 'client-certificate-api',
      ...inherited,
      AWS_REGION: region,
      // The store's own key: its port takes no other (./store/dynalite.ts).
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: logLevel,
      POWERTOOLS_METRICS_DISABLED: String(!metrics),
      [CONFIG_VARIABLES.tableName]: TABLE_NAME,
      [CONFIG_VARIABLES.dynamoDbEndpoint]: handlersStore,
      ...(quota === undefined ? {} : { [CONFIG_VARIABLES.quota]: String(quota) }),
    })),
    // A test's storeEndpoint (a fault-injecting proxy) needs the requests on the wire; otherwise they
    // go to the store's thread without HTTP.
    {
      keyPool,
      storePort: options.storeEndpoint === undefined ? () => portTo(storeStarting) : undefined,
    },
  );
  const [storeStarted, functionsStarted, handlersStoreStarted] = await Promise.allSettled([
    storeStarting,
    functionsStarting,
    handlersStoreStarting,
  ]);

  // From here on, a failure closes what was started, so that a failed start leaves nothing running.
  const started: (() => Promise<void>)[] = [() => keyPool.close()];
  if (storeStarted.status === 'fulfilled') started.push(() => storeStarted.value.close());
  if (functionsStarted.status === 'fulfilled') started.push(() => functionsStarted.value.close());
  const stopStarted = async () => {
    for (const stop of started.splice(0).reverse()) await stop();
  };
  try {
    for (const outcome of [storeStarted, handlersStoreStarted, functionsStarted]) if (outcome.status === 'rejected') throw outcome.reason;
    const store = (storeStarted as PromiseFulfilledResult<Awaited<typeof storeStarting>>).value;
    const functions = (functionsStarted as PromiseFulfilledResult<Awaited<typeof functionsStarting>>).value;
    const handlersStore = (handlersStoreStarted as PromiseFulfilledResult<string>).value;
    // Each invocation runs with its namespace's clock and ids as they are when it starts; only Generate draws ids.
    const routes: Route[] = operations.map((operation) => ({
      operation,
      handler: (event, context, namespace) =>
        functions.invoke(
          operation,
          event,
          context,
          namespace,
          control.conditionsOf(namespace, operation.name === 'GenerateClientCertificate'),
        ),
    }));
    const journal = new RequestJournal(journalSize);
    const control = await startControl(
      {
        storeEndpoint: handlersStore,
        storeCredentials: store.credentials,
        tableName: TABLE_NAME,
        quota: quota ?? DEFAULT_QUOTA,
        mayActBeyondOwn: keysBeyondOwn(sigv4),
        idSeed,
        journal,
        dataDir: path,
      },
      controlOptions,
    );
    started.push(async () => control.close());
    const log = accessLog === false ? undefined : accessLog;
    const listener = httpApiListener(routes, region, {
      verify: sigv4 === undefined ? undefined : sigv4Verifier(sigv4),
      throttle,
      log,
      callers: { defaultAccountId, accountsByAccessKey: keyAccounts(sigv4) },
      control,
      checkOrigin: originCheck({ host, allowedOrigins, allowedHosts }),
      ...(upstreamUrl === undefined ? {} : { upstream: { url: upstreamUrl } }),
      journal,
    });
    // node:http taken as a CommonJS module, never by `import`: Node's ES module view of it reads every
    // export, and one of them loads undici (with http2 and zlib), some 0.1 s of CPU at every start for
    // what this thread never uses.
    const server = process.getBuiltinModule('node:http').createServer(
      {
        maxHeaderSize: MAX_HEADER_BYTES,
        // Node's own 400 for an HTTP/1.1 request without Host has no error type and no log line: the
        // listener refuses it instead (./front/http-api.ts).
        requireHostHeader: false,
        // A client must send its headers promptly and its whole request within HTTP API's integration
        // timeout; idle keep-alive connections are closed soon. Checked every second, not every 30.
        headersTimeout: HEADERS_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
        connectionsCheckingInterval: 1_000,
      },
      listener,
    );
    // A client that half-closes once its request is sent (`nc -N`, some HTTP/1.0 clients) still gets its
    // answer: by default node:http drops the request's answer on the client's FIN although the request runs.
    // The switch is node:http's own, untyped and undocumented, kept for userland (nodejs/node#36819).
    Object.assign(server, { httpAllowHalfOpen: true });
    capConnections(server, maxConnections, () => log?.(connectionLogEntry('connection cap')));
    server.on('clientError', clientErrorAnswerer(log));
    // An `Expect` other than 100-continue is served as if absent, not answered 417 unlogged by Node;
    // CONNECT names no route of the API: the connection is closed, and logged.
    server.on('checkExpectation', listener);
    server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
      socket.destroy();
      log?.(connectionLogEntry('CONNECT'));
    });
    await new Promise<void>((ready, fail) => server.listen(port, host, ready).once('error', fail));
    started.push(
      () =>
        new Promise<void>((done) => {
          server.close(() => done());
          server.closeIdleConnections();
        }),
    );
    // In a test runner's worker process, a parent that dies takes the service (port, store lock) with it.
    const forget = closeWithParent(() => void stopStarted());
    started.push(async () => forget());
    return { ...running(server, host, store, stopStarted), control };
  } catch (error) {
    await stopStarted();
    throw error;
  }
};

/** A port whose requests `store` serves once started; those posted before wait in the port. */
const portTo = (store: Promise<LocalDynamoDb>): MessagePort => {
  const { port1, port2 } = new MessageChannel();
  store.then(
    (started) => started.serve(port1),
    () => port1.close(),
  );
  return port2;
};

/** The service once it listens; closing it stops what was started, the listener first. */
const running = (server: Server, host: string, store: LocalDynamoDb, stopStarted: () => Promise<void>): Omit<LocalService, 'control'> => {
  const { port: boundPort } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    store: { endpoint: store.endpoint, tableName: TABLE_NAME, credentials: store.credentials },
    close: stopStarted,
  };
};

/** The accounts the keys allowed to sign name for themselves. */
const keyAccounts = (sigv4: SigV4Settings | undefined): ReadonlyMap<string, string> =>
  new Map(
    [sigv4?.credentials ?? []]
      .flat()
      .flatMap(({ accessKeyId, accountId }) => (accountId === undefined ? [] : [[accessKeyId, accountId] as const])),
  );

/**
 * Who may act beyond their own namespace through the control plane: without signatures, anyone (nobody
 * is told apart); with them, the keys marked for it, and the service's one key when it was given one
 * key pair rather than a list (AWS_ACCESS_KEY_ID without CREDENTIALS_FILE).
 */
const keysBeyondOwn = (sigv4: SigV4Settings | undefined): ((caller: Caller) => boolean) => {
  if (sigv4 === undefined) return () => true;
  const keys = [sigv4.credentials].flat();
  const onlyKey = !Array.isArray(sigv4.credentials);
  const allowed = new Set(keys.filter((key) => key.allNamespaces === true || onlyKey).map((key) => key.accessKeyId));
  return ({ accessKey }) => accessKey !== undefined && allowed.has(accessKey);
};
