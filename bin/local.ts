#!/usr/bin/env node
// `npm start` and the `client-certificate-api` command: the ClientCertificate API on this machine, on
// dynalite. Configured by flags and environment (lib/local/command.ts).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LocalService } from '../lib/local/service.js';
import type { LocalServiceSettings } from '../lib/local/settings.js';

// Before anything that needs Node 24 is loaded: an older Node would fail on an import, not say why.
const NODE_MAJOR = 24;
if (Number(process.versions.node.split('.')[0]) < NODE_MAJOR) {
  console.error(
    `client-certificate-api needs Node.js ${NODE_MAJOR}, as Lambda's nodejs${NODE_MAJOR}.x; this is ${process.version}. ` +
      `Install it, or add it to your project (npm install -D node@${NODE_MAJOR}) so that npx and npm scripts run it.`,
  );
  process.exit(1);
}

// Whoever reads the output may stop reading (`| head -1`): the service goes on, its output dropped.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });

// Before the rest is loaded, which is why it is imported below: V8's compiled code from the last run
// is reused, some 30 % of the loading time.
const [{ enableCompileCache }, { compileCacheDir }] = await Promise.all([import('node:module'), import('../lib/local/compile-cache.js')]);
const cache = compileCacheDir();
if (cache !== undefined) enableCompileCache(cache);
const [
  { environmentWithFlags, USAGE },
  { consoleAccessLog },
  { startLocalService },
  { localServiceOptionsFromEnvironment },
  { checkStartUp, startUpFailure },
] = await Promise.all([
  import('../lib/local/command.js'),
  import('../lib/local/console.js'),
  import('../lib/local/service.js'),
  import('../lib/local/settings.js'),
  import('../lib/local/start-up.js'),
]);

/** What Linux's `/proc` says of process `pid`: its command name and its parent; `undefined` elsewhere. */
const processOf = (pid: number): { name: string; parent: number } | undefined => {
  try {
    // "pid (name) state ppid ...": the name may hold spaces and parentheses; the last ") " ends it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(') '));
    return { name, parent: Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1]) };
  } catch {
    return undefined;
  }
};

// Read first: whoever started this process may be gone by the time the banner is out. `npx` and
// `npm exec` run the command through `sh -c`, which outlives a killed npx: through such a shell, the
// shell's parent is watched too.
const parent = process.ppid;
const parentProcess = processOf(parent);
const grandparent = parentProcess?.name === 'sh' ? parentProcess.parent : undefined;
let options: LocalServiceSettings;
let service: LocalService;
try {
  const { env, help } = environmentWithFlags(process.argv.slice(2), process.env);
  if (help) {
    console.log(USAGE);
    process.exit(0);
  }
  options = localServiceOptionsFromEnvironment(env);
  await checkStartUp(options);
  service = await startLocalService({ ...options, accessLog: consoleAccessLog(options.logFormat) });
} catch (error) {
  // A setting at fault is told in one line; anything else is shown whole.
  const failure = startUpFailure(error);
  if (failure === undefined) throw error;
  console.error(failure);
  process.exit(1);
}

/**
 * A signal within this long of the first is the same request to stop: Ctrl-C under `npm start`
 * reaches this process twice, from the terminal and forwarded by npm.
 */
const SAME_REQUEST_MS = 500;
let stopRequested: number | undefined;
const stop = async (why: string) => {
  if (stopRequested !== undefined) {
    if (Date.now() - stopRequested < SAME_REQUEST_MS) return;
    console.error(`${why} again: exiting without waiting`);
    process.exit(130);
  }
  stopRequested = Date.now();
  console.log(`${why}: finishing requests under way, then closing the store`);
  await service.close();
  process.exit(0);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));

// Whoever started this process may die without passing a signal on (SIGKILL, a crash): its
// parent, or its parent's parent, then changes, and the service stops rather than run on, orphaned.
setInterval(() => {
  const orphaned = process.ppid !== parent || (grandparent !== undefined && processOf(parent)?.parent !== grandparent);
  if (orphaned && stopRequested === undefined) void stop('parent exited');
}, 500).unref();

// Only once a signal would stop it cleanly: whoever reads the banner may signal at once.
console.log(`listening on ${service.url}`);
console.log(options.dataDir === 'memory' ? 'data: in memory, gone when it stops' : `data: ${resolve(options.dataDir)}`);
if (options.sigv4) {
  const keys = [options.sigv4.credentials].flat().map((key) => key.accessKeyId);
  console.log(`checking SigV4 signatures for service '${options.sigv4.service}' and access key(s) ${keys.join(', ')}`);
}
if (options.throttle) console.log(`throttling each route at ${options.throttle.rate} requests/s, burst ${options.throttle.burst}`);
const signing = options.sigv4 ? '' : ' --no-sign-request';
console.log(
  `try: aws apigateway generate-client-certificate --description demo --endpoint-url ${service.url} --region ${options.region}${signing}`,
);
console.log(`stop: Ctrl-C, or kill ${process.pid} (twice to force)`);
