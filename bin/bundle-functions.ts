// `npm run build`, for the package: each operation's function bundled exactly as the construct
// bundles it at synth (NodejsFunction, lib/function-bundling.ts), copied to dist/functions/<module>/.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { ClientCertificateApi } from '../lib/client-certificate-api.js';
import { operations } from '../lib/operations.js';

const target = fileURLToPath(new URL('../dist/functions/', import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), 'bundle-functions-'));
try {
  const app = new App({ outdir });
  const api = new ClientCertificateApi(new Stack(app, 'Bundle'), 'Api');
  const assembly = app.synth();
  rmSync(target, { recursive: true, force: true });
  for (const operation of operations) {
    const asset = api.functions[operation.name]!.node.findChild('Code') as Asset;
    cpSync(join(assembly.directory, asset.assetPath), join(target, operation.module), { recursive: true });
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
