#!/usr/bin/env node
// `npm start` and the `client-certificate-api` command: the ClientCertificate API on this machine, on
// dynalite. Configured by flags and environment (lib/local/command.ts).
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { nodeVersionProblem } from '../lib/local/base/node-version.js';
import type { LocalService } from '../lib/local/service.js';
import type { LocalServiceSettings } from '../lib/local/settings.js';
import { starterWatch } from '../lib/local/starter.js';

// Before anything that needs a newer Node is loaded: an older one would fail on an import, not say why.
const problem = nodeVersionProblem();
if (problem !== undefined) {
  console.error(problem);
  process.exit(1);
}
// Read at once: whoever started this process may be gone by the time it listens.
const orphaned = starterWatch();

// Whoever reads the output may stop reading (`| head -1`): the service goes on, its output dropped.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });

// Before the rest is loaded, which is why it is imported below: V8's compiled code from the last run
// is reused, some 30 % of the loading time.
const [{ enableCompileCache }, { compileCacheDir }] = await Promise.all([
  import('node:module'),
  import('../lib/local/base/compile-cache.js'),
]);
const cache = compileCacheDir();
if (cache !== undefined) enableCompileCache(cache);
const [
  { environmentWithFlags, USAGE },
  { consoleAccessLog, readyLine },
  { localServiceOptionsFromEnvironment, quoted },
  { checkStartUp, startUpFailure },
] = await Promise.all([
  import('../lib/local/command.js'),
  import('../lib/local/console.js'),
  import('../lib/local/settings.js'),
  import('../lib/local/start-up.js'),
]);

/** Where the banner and the access log go. */
let out: NodeJS.WriteStream = process.stdout;
const say = (line: string) => out.write(`${line}\n`);
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
  // The service itself only once its settings hold: a start refused for a setting loads none of it.
  const { startLocalService } = await import('../lib/local/service.js');
  // With the ready line on stdout, stdout carries it alone: a harness reads one line and need not drain more.
  if (options.readyFile === '-') out = process.stderr;
  service = await startLocalService({ ...options, accessLog: options.accessLog ?? consoleAccessLog(options.logFormat, out) });
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
  say(`${why}: finishing requests under way, then closing the store`);
  await service.close();
  // A ready file left behind would tell the next run's harness of a service that is gone.
  if (options.readyFile !== undefined && options.readyFile !== '-') rmSync(options.readyFile, { force: true });
  process.exit(0);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));

// Whoever started this process may die without passing a signal on (SIGKILL, a crash), and so may
// npx or a shell in between: the service then stops rather than run on, orphaned (lib/local/starter.ts).
// Nobody is left to wait for: the close gets until ORPHAN_CLOSE_MS, then the process ends all the same,
// so that it is gone within the 2 s it promises even when a busy machine slows the close.
const ORPHAN_CLOSE_MS = 1_000;
setInterval(() => {
  if (!orphaned() || stopRequested !== undefined) return;
  setTimeout(() => process.exit(0), ORPHAN_CLOSE_MS).unref();
  void stop('parent exited');
}, 500).unref();

// Only once a signal would stop it cleanly: whoever reads the banner may signal at once.
say(`listening on ${service.url}`);
say(options.dataDir === 'memory' ? 'data: in memory, gone when it stops' : `data: ${resolve(options.dataDir)}`);
if (options.sigv4) {
  const keys = [options.sigv4.credentials].flat().map((key) => key.accessKeyId);
  say(`checking SigV4 signatures for service '${options.sigv4.service}' and access key(s) ${keys.join(', ')}`);
}
if (options.throttle) say(`throttling each route at ${options.throttle.rate} requests/s, burst ${options.throttle.burst}`);
const signing = options.sigv4 ? '' : ' --no-sign-request';
say(
  `try: aws apigateway generate-client-certificate --description demo --endpoint-url ${service.url} --region ${options.region}${signing}`,
);
say(`stop: Ctrl-C, or kill ${process.pid} (twice to force)`);

// Last, once a signal would stop it cleanly: the one line a harness waits for.
const { VERSION } = await import('../lib/local/control/plane.js');
const ready = readyLine({
  url: service.url,
  port: Number(new URL(service.url).port),
  pid: process.pid,
  dataDir: options.dataDir === 'memory' ? 'memory' : resolve(options.dataDir),
  version: VERSION,
});
if (options.readyFile === '-') process.stdout.write(ready);
else if (options.readyFile !== undefined) {
  // Whole or not at all: a harness polling for the file never reads half a line.
  const partial = `${options.readyFile}.${process.pid}.partial`;
  try {
    writeFileSync(partial, ready);
    renameSync(partial, options.readyFile);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    console.error(
      `READY_FILE ${quoted(options.readyFile)} cannot be written (${code ?? message}): set READY_FILE to a file in a directory this user may write`,
    );
    await service.close();
    process.exit(1);
  }
}
