import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundleFunctions } from '../../bin/bundle-functions.js';
import { BUNDLE_BUDGET_BYTES, functionBundling } from '../../lib/function-bundling.js';
import { httpApiEvent } from '../../lib/local/functions/lambda-runtime.js';
import type { LocalDynamoDb } from '../../lib/local/store/dynalite.js';
import { startDynalite } from '../../lib/local/store/dynalite.js';
import { operations } from '../../lib/operations.js';
import { BUILD_DEADLINE_MS, bundledStack } from '../support/stack.js';

// These tests read the bundles for real (esbuild, as `cdk synth` makes them) and run what the stack would deploy.
const TABLE = 'BundleTests';
const update = operations.find((o) => o.name === 'UpdateClientCertificate')!;

let bundle: string;
let bundles: Map<string, string>;
let db: LocalDynamoDb;

beforeAll(async () => {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const { outdir, template } = await bundledStack();
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  bundles = new Map(
    operations.map((operation) => {
      const fn = functions.find((f) => String(f.Properties.Description).startsWith(`${operation.name} `))!;
      return [operation.name, join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs')];
    }),
  );
  bundle = bundles.get(update.name)!;
  db = await startDynalite(TABLE);
}, BUILD_DEADLINE_MS);

afterAll(async () => {
  await db?.close();
});

/**
 * Imports the bundle in a fresh Node process, with only what Lambda would give it, and invokes it
 * once: its answer, and the EMF lines it printed on the way.
 */
const invokeBundle = async (event: object): Promise<{ response: { statusCode: number; body: string }; emf: Record<string, any>[] }> => {
  const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    const response = await handler(${JSON.stringify(event)}, { awsRequestId: 'test', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f', getRemainingTimeInMillis: () => 10000 });
    process.stdout.write('\\n' + JSON.stringify(response));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      TABLE_NAME: TABLE,
      DYNAMODB_ENDPOINT: db.endpoint,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_SERVICE_NAME: 'BundleTest',
    },
  });
  const lines = stdout.trim().split('\n');
  return { response: JSON.parse(lines.pop()!), emf: lines.filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line)) };
};

test.each(operations.map((o) => o.name))(`the %s bundle stays within the budget of ${BUNDLE_BUDGET_BYTES} bytes`, (name) => {
  expect(statSync(bundles.get(name)!).size).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
});

describe('the package build (bin/bundle-functions.ts)', () => {
  let made: string;

  beforeAll(async () => {
    made = mkdtempSync(join(tmpdir(), 'bundle-functions-'));
    // sourceMap as the bundled stack has it (the construct's default), so that both made the same files.
    await bundleFunctions(made, { sourceMap: false });
  });

  afterAll(() => {
    rmSync(made, { recursive: true, force: true });
  });

  /** Each file of a directory by name, with a digest of its bytes: a differing bundle shows as one short line. */
  const files = (dir: string): Record<string, string> =>
    Object.fromEntries(
      readdirSync(dir).map((name) => [
        name,
        createHash('sha256')
          .update(readFileSync(join(dir, name)))
          .digest('hex'),
      ]),
    );

  test.each(operations.map((o) => [o.name, o.module]))('bundles %s into the same files as the construct, byte for byte', (name, module) => {
    expect(files(join(made, module))).toEqual(files(dirname(bundles.get(name)!)));
  });
});

test('leaves out the SDK default credential chain, event streams, the sources and, unless asked for, the source map', () => {
  const code = readFileSync(bundle, 'utf8');

  // Strings from the default chain's SSO step and from the event-stream codec: in any bundle carrying them.
  expect(code.includes('defaultProvider::fromSSO')).toBe(false);
  expect(code.includes(':message-type')).toBe(false);
  expect(existsSync(`${bundle}.map`)).toBe(false);
  // With sourceMaps on, the map esbuild writes leaves the sources out.
  expect(functionBundling.sourcesContent).toBe(false);
});

test('runs on credentials from the environment alone: reads the store, answers, and prints its metrics', async () => {
  const { response, emf } = await invokeBundle(
    httpApiEvent({
      operation: update,
      pathParameters: { clientcertificate_id: 'abc123' },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: 'x' }] }),
    }),
  );

  // 404 comes only after a signed GetItem that dynalite accepted: credentials, signing and the call all worked.
  expect(response.statusCode).toBe(404);
  expect(JSON.parse(response.body)).toEqual({ message: 'Invalid ClientCertificate identifier specified' });
  expect(emf).toEqual([
    expect.objectContaining({ service: 'BundleTest', Route: `${update.method} ${update.path}`, Requests: 1, NotFoundException: 1 }),
  ]);
});
