import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Lets CommonJS dependencies that call `require` run inside the ESM bundle. */
const esmRequireBanner = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** An operation's handler, the entry its function's bundle is made from, relative to the repository's root. */
export const handlerEntry = (module: string): string => `lambda/handlers/${module}.ts`;

/** What an operation's bundle may weigh: the cold-start budget `npm run bench` and the bundling test hold it to. */
export const BUNDLE_BUDGET_BYTES = 250_000;

/**
 * How every operation's function is bundled (esbuild, run by `NodejsFunction`). Each setting is
 * here because it shortens the cold start `npm run bench` measures: the bundle is parsed and
 * compiled at every one, so every byte left out is time a waiting user gets back.
 */
export const functionBundling: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node24',
  // Everything, the AWS SDK included, so the runtime's own copy (another version) is never loaded.
  externalModules: [],
  // The packages' ES module builds: esbuild can drop what is never imported from them, and the
  // SDK's ESM build loads `node:http` (which pulls in undici) only for http:// endpoints.
  mainFields: ['module', 'main'],
  minify: true,
  // No map by default: the construct's `sourceMaps` prop asks for one beside the bundle, to decode a
  // logged stack trace. The function never loads it: with --enable-source-maps Node reads it and
  // scans the whole bundle at every cold start, a fifth of the import time. The sources stay out of it.
  sourceMap: false,
  sourcesContent: false,
  banner: esmRequireBanner,
  esbuildArgs: {
    // Code the SDK imports but the functions never run, which esbuild cannot tell on its own: the
    // default credential chain (the store uses the environment provider) and event streams.
    '--alias': [
      '@aws-sdk/credential-provider-node=./lambda/store/credentials.ts',
      '@smithy/core/event-streams=./lambda/store/no-event-streams.ts',
    ],
    '--legal-comments': 'none',
  },
};
