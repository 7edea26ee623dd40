import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ClientCertificateStack, type ClientCertificateStackProps } from '../../lib/client-certificate-stack.js';
import { aside, cacheDir, cached, keep, sourcesKey } from './run-cache.js';
import { RUN_DIR } from './run-dir.js';

/** The name the stack tests give the stack: its alarms, dashboard and metrics are named after it. */
export const STACK_NAME = 'TestStack';

const synthesized = new Map<string, { stack: Stack; template: Template }>();

/**
 * An app for stack tests: its stacks synthesize without bundling (the template is what is under test,
 * not the handler code) and without CDK's built-in CloudFormation validation, a WebAssembly rule engine
 * loaded afresh in every test file that synthesizes (some 5 s of CPU a file, most of a stack suite's
 * own work) whose findings CDK makes warnings (unless an app opts in to failing on them), which no test
 * reads; cfn-lint (test/lib/cfn-lint.test.ts) checks the templates, and one stack suite synthesizes
 * with the validation on, as bin/app.ts does.
 * Nor does it record where each construct and metadata entry was made: a stack trace per construct,
 * each frame mapped through Jest's source maps, cost some 6 s of the 25 s of CPU the stack, monitoring
 * and security suites took together; the template holds no trace, and no test reads one.
 */
export const testApp = (): App =>
  new App({
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-creation-stack-traces': true },
    stackTraces: false,
    builtinCloudFormationValidation: false,
  });

/**
 * The stack with these props, synthesized without bundling (the template is what is under test, not the
 * handler code), once per props in a test file: a synth takes a second or more and most tests read the
 * same stack. Props holding constructs (a topic, a key) need an app of their own: build those in the test.
 */
export const synth = (props?: ClientCertificateStackProps, name = STACK_NAME): { stack: Stack; template: Template } => {
  const key = JSON.stringify([name, props ?? {}]);
  let found = synthesized.get(key);
  if (found === undefined) {
    const stack = new ClientCertificateStack(testApp(), name, props);
    found = { stack, template: Template.fromStack(stack) };
    synthesized.set(key, found);
  }
  return found;
};

const POLL_MS = 100;
/** How long a suite waits for the shared stack: bundling took over a minute on two busy cores. Give it to the `beforeAll` that waits. */
export const BUILD_DEADLINE_MS = 300_000;

let bundled: Promise<{ outdir: string; template: Template }> | undefined;

/**
 * The stack with its default props, synthesized and bundled as `cdk synth` does (esbuild, eight
 * functions), once per test run: the first suite to ask builds the cloud assembly in the run's
 * directory, made by the global setup; a suite asking meanwhile (another worker) waits for it.
 */
export const bundledStack = (): Promise<{ outdir: string; template: Template }> => {
  bundled ??= buildOrWait().then((outdir) => ({
    outdir,
    template: Template.fromJSON(JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.template.json`), 'utf8'))),
  }));
  return bundled;
};

const buildOrWait = async (): Promise<string> => {
  const runDir = process.env[RUN_DIR];
  if (runDir === undefined) throw new Error(`${RUN_DIR} is unset: run the tests through jest.config.js, whose global setup sets it`);
  const outdir = join(runDir, 'cdk.out');
  const ready = join(runDir, 'stack.ready');
  const failed = join(runDir, 'stack.failed');
  if (takeLock(join(runDir, 'stack.lock'))) {
    try {
      symlinkSync(cachedAssembly(), outdir);
      writeFileSync(ready, '');
      return outdir;
    } catch (error) {
      writeFileSync(failed, String(error));
      throw error;
    }
  }
  for (const until = Date.now() + BUILD_DEADLINE_MS; Date.now() < until; await new Promise((poll) => setTimeout(poll, POLL_MS))) {
    if (existsSync(ready)) return outdir;
    if (existsSync(failed)) throw new Error(`the shared stack failed to synthesize in another suite: ${readFileSync(failed, 'utf8')}`);
  }
  throw new Error(`the shared stack was not synthesized within ${BUILD_DEADLINE_MS} ms (${runDir})`);
};

/**
 * The cloud assembly for these sources, from the cache when an earlier run made it (a synth with eight
 * esbuild bundles is some 20 s of CPU), else synthesized and kept there. This file takes part in the build.
 */
const cachedAssembly = (): string => {
  const dir = cacheDir('stack');
  const key = sourcesKey(['test/support/stack.ts']);
  const found = key === undefined ? undefined : cached(dir, key);
  if (found !== undefined) return found;
  const made = aside(dir);
  const app = new App({ outdir: made, builtinCloudFormationValidation: false }); // its findings are warnings: see testApp
  new ClientCertificateStack(app, STACK_NAME);
  app.synth();
  return key === undefined ? made : keep(made, dir, key);
};

/** mkdir either creates the directory or finds it there: of the workers that try, exactly one builds. */
const takeLock = (path: string): boolean => {
  try {
    mkdirSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
};
