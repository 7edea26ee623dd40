// `npm run build`, for the package: each operation's function bundled exactly as the construct
// bundles it at synth (NodejsFunction, lib/function-bundling.ts), copied to dist/functions/<module>/;
// and the local service's functions' thread with every handler, as one module (functions/local/).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { build } from 'esbuild';
import { ClientCertificateApi } from '../lib/client-certificate-api.js';
import { functionBundling } from '../lib/function-bundling.js';
import { operations } from '../lib/operations.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = join(root, 'dist/functions/');
const outdir = mkdtempSync(join(tmpdir(), 'bundle-functions-'));
try {
  // The stack is only a vehicle for the bundles; its template is thrown away, so CDK's built-in
  // CloudFormation validation (a WebAssembly engine, some 5 s of CPU) would check nothing anyone reads.
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  // With their maps: a consumer's stack leaves them out of the assets unless it sets sourceMaps.
  const api = new ClientCertificateApi(new Stack(app, 'Bundle'), 'Api', { sourceMaps: true });
  const assembly = app.synth();
  rmSync(target, { recursive: true, force: true });
  for (const operation of operations) {
    const asset = api.functions[operation.name]!.node.findChild('Code') as Asset;
    cpSync(join(assembly.directory, asset.assetPath), join(target, operation.module), { recursive: true });
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}

// The thread resolves and compiles one file instead of some 700 modules, in under a third of the time.
// Each handler is imported lazily, so the bundle loads before the environment the handlers read.
const handlerImports = operations.map(({ module }) => `${JSON.stringify(module)}: () => import('./lambda/handlers/${module}.ts')`);
await build({
  stdin: {
    contents: [
      "import { serve as serveHandlers } from './lib/local/functions/function-worker.ts';",
      `const modules = { ${handlerImports.join(', ')} };`,
      "export const serve = () => serveHandlers((module) => modules[module](), () => import('./lambda/handlers/deployed-stores.ts'));",
    ].join('\n'),
    resolveDir: root,
    sourcefile: 'function-worker-bundle.ts',
    loader: 'ts',
  },
  outfile: join(target, 'local/function-worker.mjs'),
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  // As the construct's functions are bundled: the same packages' builds, the same code left out.
  format: 'esm',
  target: functionBundling.target,
  mainFields: functionBundling.mainFields,
  minify: functionBundling.minify,
  // A stack trace from the local service's thread names the sources' lines.
  sourcemap: true,
  sourcesContent: functionBundling.sourcesContent,
  banner: { js: functionBundling.banner! },
  alias: Object.fromEntries(
    ([functionBundling.esbuildArgs!['--alias']] as string[][]).flat().map((pair) => pair.split('=') as [string, string]),
  ),
  legalComments: 'none',
  logLevel: 'warning',
});
