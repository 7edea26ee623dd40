import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { ClientCertificateStack } from '../lib/client-certificate-stack.js';
import { operations } from '../lib/operations.js';
import { median } from './stats.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface Bundle {
  readonly bytes: number;
  /** Median milliseconds to import the bundle in a fresh Node process. */
  readonly importMs: number;
}

export interface ColdStart {
  readonly operation: string;
  /** The bundle the stack deploys, built by the stack's own NodejsFunction bundling. */
  readonly deployed: Bundle;
  /** The same entry bundled by esbuild with its defaults, and the SDK's default credential chain. */
  readonly naive: Bundle;
  /** The function's environment, as the stack configures it (TABLE_NAME filled in). */
  readonly environment: Readonly<Record<string, string>>;
}

type Json = Record<string, any>;

/**
 * Synthesizes the stack (which bundles every function exactly as `cdk synth` and `cdk deploy` do),
 * bundles the same entries naively, and times importing each bundle in fresh Node processes started
 * with the function's environment: `samples` imports of each, alternating, median reported.
 */
export const measureColdStarts = async (samples: number): Promise<ColdStart[]> => {
  const workDir = mkdtempSync(join(tmpdir(), 'client-certificate-bench-'));
  try {
    const app = new App({ outdir: join(workDir, 'cdk.out') });
    new ClientCertificateStack(app, 'Bench');
    const template = app.synth().getStackByName('Bench').template as Json;
    const functions = Object.values(template.Resources as Json).filter((r) => r.Type === 'AWS::Lambda::Function');

    const results: ColdStart[] = [];
    for (const operation of operations) {
      const fn = functions.find((f) => String(f.Properties.Description).startsWith(`${operation.name} `));
      if (fn === undefined) throw new Error(`no function for ${operation.name} in the synthesized stack`);
      const assetHash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
      const deployedFile = join(workDir, 'cdk.out', `asset.${assetHash}`, 'index.mjs');
      const naiveFile = join(workDir, 'naive', operation.module, 'index.cjs');
      await build({
        entryPoints: [join(repoRoot, 'lambda', 'handlers', `${operation.module}.ts`)],
        bundle: true,
        platform: 'node',
        outfile: naiveFile,
        logLevel: 'error',
      });
      const environment = lambdaEnvironment(fn.Properties.Environment.Variables as Json);
      const deployedMs: number[] = [];
      const naiveMs: number[] = [];
      for (let i = 0; i < samples; i++) {
        // Alternating, so a noisy neighbour slows both alike.
        deployedMs.push(await importTime(deployedFile, environment));
        naiveMs.push(await importTime(naiveFile, environment));
      }
      results.push({
        operation: operation.name,
        deployed: { bytes: statSync(deployedFile).size, importMs: median(deployedMs) },
        naive: { bytes: statSync(naiveFile).size, importMs: median(naiveMs) },
        environment,
      });
    }
    return results;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
};

/** What Lambda gives the function: its configured variables, the region and the role's credentials. */
const lambdaEnvironment = (configured: Json): Record<string, string> => {
  const environment: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIABENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
  };
  for (const [name, value] of Object.entries(configured)) {
    // Deploy-time references (the table name) have no value before deployment.
    environment[name] = typeof value === 'string' ? value : 'bench';
  }
  return environment;
};

const IMPORT_PROBE =
  'const started = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - started));';

/** Milliseconds a fresh Node process (this Node 24) takes to import `file`, as Lambda's runtime does. */
const importTime = async (file: string, environment: Readonly<Record<string, string>>): Promise<number> => {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', IMPORT_PROBE, '--', pathToFileURL(file).href], {
    env: { PATH: process.env.PATH ?? '', ...environment },
  });
  return Number(stdout);
};
