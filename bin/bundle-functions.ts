// `npm run build`, for the package: each operation's function bundled exactly as the construct's
// NodejsFunction bundles it at synth (lib/function-bundling.ts), copied to dist/functions/<module>/;
// and the local service's functions' thread with every handler, as one module (functions/local/).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build } from 'esbuild';
import { functionBundling, handlerEntry } from '../lib/function-bundling.js';
import { operations } from '../lib/operations.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The esbuild API's options for the command line NodejsFunction gives esbuild's CLI
 * (aws-cdk-lib/aws-lambda-nodejs/lib/bundling.js: `buildEsbuildArgs`, `toCliArgsArray`), for the
 * settings functionBundling uses. Any other is refused rather than passed over: a bundle made
 * otherwise than the construct's would go unnoticed until a deployed function misbehaved.
 */
const esbuildOptions = (bundling: BundlingOptions): BuildOptions => {
  const { format, target, externalModules, mainFields, minify, sourceMap, sourcesContent, banner, esbuildArgs = {}, ...others } = bundling;
  const { '--alias': alias = [], '--legal-comments': legalComments, ...otherArgs } = esbuildArgs;
  const untranslated = [...Object.keys(others), ...Object.keys(otherArgs)];
  if (untranslated.length > 0)
    throw new Error(`bin/bundle-functions.ts does not pass ${untranslated.join(', ')} to esbuild as NodejsFunction does`);
  // NodejsFunction derives these from the runtime and a feature flag when they are unset.
  if (target === undefined || externalModules === undefined) throw new Error('functionBundling must set target and externalModules');
  return {
    bundle: true,
    platform: 'node',
    format: format === OutputFormat.ESM ? 'esm' : format === OutputFormat.CJS ? 'cjs' : undefined,
    target,
    external: externalModules,
    mainFields,
    minify,
    sourcemap: sourceMap,
    sourcesContent: sourcesContent ?? true,
    banner: banner === undefined ? undefined : { js: banner },
    // `--alias:name=path`, split where the CLI splits it: at the first `=`.
    alias: Object.fromEntries([alias].flat().map((pair) => String(pair).split(/=(.*)/s, 2))),
    legalComments: legalComments as BuildOptions['legalComments'],
    // Where NodejsFunction runs esbuild, so that the aliases' relative paths resolve alike.
    absWorkingDir: root,
    // The CLI's default, `info`, prints a summary of every file; the API's prints only what needs reading.
    logLevel: 'warning',
  };
};

/**
 * Bundles every operation's function into `<outdir>/<module>/` (index.mjs, and index.mjs.map with
 * `sourceMap`) as the construct does with that prop: one esbuild build for them all, so the modules
 * they share (the SDK, Powertools, middy) are read and parsed once, where NodejsFunction runs the CLI
 * once per function. A map names its sources relative to its own directory.
 */
export const bundleFunctions = async (outdir: string, { sourceMap }: { sourceMap: boolean }): Promise<void> => {
  const options = esbuildOptions({ ...functionBundling, sourceMap });
  await build({
    ...options,
    entryPoints: operations.map(({ module }) => ({ in: join(root, handlerEntry(module)), out: `${module}/index` })),
    outdir,
    outExtension: { '.js': options.format === 'esm' ? '.mjs' : '.js' },
  });
};

if (import.meta.main) {
  const target = join(root, 'dist/functions/');
  rmSync(target, { recursive: true, force: true });
  // Two directories under the temp dir, where a synth into a temporary assembly stages an asset (the
  // assembly's, the asset's): the maps name their sources by the same relative paths as its assets'.
  const outdir = mkdtempSync(join(tmpdir(), 'bundle-functions-'));
  try {
    // With their maps: a consumer's stack leaves them out of the assets unless it sets sourceMaps.
    await bundleFunctions(outdir, { sourceMap: true });
    cpSync(outdir, target, { recursive: true });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }

  // The thread resolves and compiles one file instead of some 700 modules, in under a third of the time.
  // Each handler is imported lazily, so the bundle loads before the environment the handlers read.
  const handlerImports = operations.map(({ module }) => `${JSON.stringify(module)}: () => import('./${handlerEntry(module)}')`);
  await build({
    // As the construct's functions are bundled: the same packages' builds, the same code left out.
    ...esbuildOptions(functionBundling),
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
    // A stack trace from the local service's thread names the sources' lines.
    sourcemap: true,
  });
}
