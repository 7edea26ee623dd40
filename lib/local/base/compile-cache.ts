import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a thread of the service keeps V8's compiled code between runs, for `module.enableCompileCache`:
 * where this process keeps its own, if it does; else where `node` would with NODE_COMPILE_CACHE set,
 * in this user's temporary directory unless that variable names another (empty names none, as for node). `undefined` when
 * NODE_DISABLE_COMPILE_CACHE is set. Node only skips a cache it cannot write; it never fails for it.
 */
export const compileCacheDir = (env: NodeJS.ProcessEnv = process.env): string | undefined =>
  env.NODE_DISABLE_COMPILE_CACHE
    ? undefined
    : (module.getCompileCacheDir() ?? (env.NODE_COMPILE_CACHE || join(tmpdir(), 'node-compile-cache')));
