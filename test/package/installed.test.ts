import type { ChildProcess } from 'node:child_process';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { APIGatewayClient, GenerateClientCertificateCommand, GetClientCertificateCommand } from '@aws-sdk/client-api-gateway';
import { operations } from '../../lib/operations.js';
import { aside, cacheDir, cached, keep, sourcesKey } from '../support/run-cache.js';

/**
 * The package as another project gets it: packed (which builds it), installed from the tarball
 * into a scratch project outside this repository, and used from there with Node alone: the
 * command, the programmatic API, the construct.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

let scratch: string;
/** `node` first on the PATH; none of the npm run's own variables. */
const envWith = (node: string): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_'))),
  PATH: `${dirname(node)}:${process.env.PATH}`,
});
/** Node 24, the project's, as Lambda's runtime. */
const env = envWith(process.execPath);
const runAsync = promisify(execFile);
const run = (file: string, args: string[], withEnv = env) =>
  execFileSync(file, args, { cwd: scratch, env: withEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The package as `npm pack` makes it (prepack builds it), packed once for these sources. */
const packed = async (): Promise<string> => {
  const dir = cacheDir('package');
  const key = sourcesKey();
  const name = `client-certificate-api-${key}.tgz`;
  const found = key === undefined ? undefined : cached(dir, name);
  if (found !== undefined) return found;
  const { stdout } = await runAsync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: repoRoot, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  if (key === undefined) return join(scratch, filename);
  const made = aside(dir);
  copyFileSync(join(scratch, filename), join(made, name));
  const kept = keep(join(made, name), dir, name);
  rmSync(made, { recursive: true, force: true });
  return kept;
};

/** Node 22, the older maintained line, and Node 20, one too old: from the `node` package, installed once. */
const installedNodes = async (): Promise<Record<22 | 20, string>> => {
  const dir = cacheDir('nodes');
  const at = (root: string) => ({ 22: join(root, 'node_modules/node22/bin/node'), 20: join(root, 'node_modules/node20/bin/node') });
  if (Object.values(at(join(dir, 'installed'))).every(existsSync)) return at(join(dir, 'installed'));
  const made = aside(dir);
  const install = ['install', '--prefix', made, '--prefer-offline', '--no-audit', '--no-fund', 'node22@npm:node@22', 'node20@npm:node@20'];
  await runAsync('npm', install, { cwd: made, env, encoding: 'utf8' });
  return at(keep(made, dir, 'installed'));
};

const nodes = { 22: '', 20: '' };

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'client-certificate-api-consumer-'));
  // Packing (a build) and installing the two Node versions need nothing of each other: side by side,
  // the suite waits for the longer of the two, not for both.
  const [tarball, installed] = await Promise.all([packed(), installedNodes()]);
  Object.assign(nodes, installed);
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // The CDK libraries are the construct's peers, at the versions this repository tests with: npm links
  // this repository's own copies (a directory given to npm install is linked, not copied), where
  // installing them from the registry unpacked aws-cdk-lib's 160 MB again for every run. The package
  // and its dependencies are installed from the tarball as a strict team would: by npm on Node 22,
  // refusing any package whose engines exclude it, running no install script.
  const peers = ['aws-cdk-lib', 'constructs', 'cdk-monitoring-constructs'].map((name) => join(repoRoot, 'node_modules', name));
  const install = ['install', '--engine-strict', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'];
  run('npm', [...install, tarball, ...peers], envWith(nodes[22]));
}, 300_000);

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

describe('the package, installed from its tarball', () => {
  test('needs no TypeScript tooling, nor esbuild, at run time', () => {
    for (const tool of ['tsx', 'typescript', 'esbuild', 'ts-node']) expect(existsSync(join(scratch, 'node_modules', tool))).toBe(false);
    expect(existsSync(join(scratch, 'node_modules/client-certificate-api/dist/lib/local/index.d.ts'))).toBe(true);
  });

  test('`client-certificate-api --help` lists a flag for every setting', () => {
    const help = run('node_modules/.bin/client-certificate-api', ['--help']);

    for (const flag of [
      '--port',
      '--host',
      '--data-dir',
      '--auth',
      '--sigv4-service',
      '--throttle-rate',
      '--throttle-burst',
      '--quota',
      '--region',
      '--function-concurrency',
      '--log-format',
      '--log-level',
      '--default-account-id',
      '--credentials-file',
      '--seed-file',
      '--faults-file',
    ]) {
      expect(help).toContain(flag);
    }
  });

  test('the command serves the SDK, logs one short line per answer, and stops cleanly on SIGTERM to its PID', async () => {
    const child = spawn('node_modules/.bin/client-certificate-api', ['--port', '0', '--data-dir', 'memory', '--region', 'eu-west-1'], {
      cwd: scratch,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { url, output, exited } = await listening(child);
    const client = new APIGatewayClient({
      endpoint: url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    const made = await client.send(new GenerateClientCertificateCommand({ description: 'from the package' }));
    const read = await client.send(new GetClientCertificateCommand({ clientCertificateId: made.clientCertificateId! }));
    client.destroy();
    child.kill('SIGTERM');
    const code = await exited;

    expect(read.description).toBe('from the package');
    expect(code).toBe(0);
    expect(output()).toContain('data: in memory');
    expect(output()).toMatch(
      new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} GET /clientcertificates/${made.clientCertificateId} 200 - \\d+ms [0-9a-f-]{36}$`, 'm'),
    );
    expect(output()).toContain('SIGTERM: finishing requests under way');
  });

  test.each([22, 24] as const)('on Node %s, the command and the library serve', async (major) => {
    const onNode = envWith(major === 24 ? process.execPath : nodes[major]);
    const child = spawn('node_modules/.bin/client-certificate-api', ['--port', '0', '--data-dir', 'memory', '--ready-file', '-'], {
      cwd: scratch,
      env: onNode,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const { url } = JSON.parse(line.toString()) as { url: string };
    const fromCommand = await fetch(`${url}/clientcertificates`, { method: 'POST', body: '{}' }).then((answer) => answer.status);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    writeFileSync(
      join(scratch, 'serve-once.mjs'),
      `import { startLocalService } from 'client-certificate-api/local';
const service = await startLocalService({ port: 0, dataDir: 'memory', accessLog: false });
const answer = await fetch(service.url + '/clientcertificates', { method: 'POST', body: '{}' });
await service.close();
console.log(process.versions.node.split('.')[0], answer.status);`,
    );
    const fromLibrary = run('node', ['serve-once.mjs'], onNode);

    expect([fromCommand, code]).toEqual([201, 0]);
    expect(fromLibrary.trim()).toBe(`${major} 201`);
  });

  test('on Node 20, the command and the library each say in one line which Node they need', () => {
    const onNode20 = envWith(nodes[20]);
    const failure = (args: string[]) => {
      try {
        run(args[0]!, args.slice(1), onNode20);
        return 'ran';
      } catch (error) {
        return String((error as { stderr: string }).stderr);
      }
    };
    const line = 'client-certificate-api needs Node.js 22.8 or later (22 or 24, the maintained LTS lines); this is v20.';

    expect(failure(['node_modules/.bin/client-certificate-api', '--help']).split('\n')[0]).toContain(line);
    expect(failure(['node', '--input-type=module', '-e', "import 'client-certificate-api/local'"])).toContain(`Error: ${line}`);
    expect(failure(['node', '--input-type=module', '-e', "import 'client-certificate-api'"])).toContain(`Error: ${line}`);
  });

  test('startLocalService, imported from client-certificate-api/local, starts and stops in-process, as a jest globalSetup would', () => {
    // A jest globalSetup's shape (a default export, and a teardown), run by plain Node: installing
    // jest into the scratch project would double this test's time.
    writeFileSync(
      join(scratch, 'global-setup.mjs'),
      `import { startLocalService } from 'client-certificate-api/local';
export default async () => {
  globalThis.service = await startLocalService({ port: 0, dataDir: 'memory', quota: 1, accessLog: false });
  process.env.API_URL = globalThis.service.url;
};
export const teardown = () => globalThis.service.close();`,
    );
    writeFileSync(
      join(scratch, 'run-setup.mjs'),
      `import setup, { teardown } from './global-setup.mjs';
await setup();
const generate = () => fetch(process.env.API_URL + '/clientcertificates', { method: 'POST', body: '{}' }).then((answer) => answer.status);
console.log(JSON.stringify([await generate(), await generate()]));
await teardown();`,
    );

    // The second Generate is over the quota of 1 that the options set.
    expect(JSON.parse(run('node', ['run-setup.mjs']).trim())).toEqual([201, 429]);
  });

  test('a CDK app synthesizes a stack with the ClientCertificateApi construct, offline, with the functions bundled at pack time', () => {
    writeFileSync(
      join(scratch, 'app.mjs'),
      `import { App, Stack } from 'aws-cdk-lib';
import { ClientCertificateApi } from 'client-certificate-api';
const app = new App({ outdir: 'cdk.out' });
new ClientCertificateApi(new Stack(app, 'Consumer'), 'Api', { clientCertificateQuota: 5 });
app.synth();`,
    );

    // Without CDK's built-in CloudFormation validation (CDK_VALIDATION=false, a switch CDK documents):
    // its rule engine cost 5 to 10 s of CPU here, and CDK turns what it finds into warnings (unless an
    // app opts in to failing on them), so it could not fail this test; cfn-lint checks the templates.
    run('node', ['app.mjs'], { ...env, CDK_VALIDATION: 'false' });
    const template = JSON.parse(readFileSync(join(scratch, 'cdk.out/Consumer.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Handler?: string; Environment?: { Variables: Record<string, unknown> } } }>;
    };
    const functions = Object.values(template.Resources).filter(({ Type }) => Type === 'AWS::Lambda::Function');
    const assets = JSON.parse(readFileSync(join(scratch, 'cdk.out/Consumer.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    const bundles = Object.values(assets.files)
      .map(({ source }) => join(scratch, 'cdk.out', source.path, 'index.mjs'))
      .filter(existsSync);

    expect(functions).toHaveLength(operations.length);
    for (const fn of functions) {
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.Environment?.Variables.CLIENT_CERTIFICATE_QUOTA).toBe('5');
    }
    expect(bundles).toHaveLength(operations.length);
  });
});

/** Resolves once the command prints where it listens. */
const listening = (child: ChildProcess) =>
  new Promise<{ url: string; output: () => string; exited: Promise<number | null> }>((resolve, reject) => {
    let output = '';
    const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (\S+)/.exec(output)?.[1];
      if (url !== undefined) resolve({ url, output: () => output, exited });
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    void exited.then((code) => reject(new Error(`exited (${code}) before listening: ${output}`)));
  });
