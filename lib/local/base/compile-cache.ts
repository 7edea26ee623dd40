import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory } from './make-directory.js';

/**
 * Where a thread of the service keeps V8's compiled code between runs, for `module.enableCompileCache`:
 * where this process keeps its own, if it does; else where `node` would with NODE_COMPILE_CACHE set,
 * in this user's temporary directory unless that variable names another (empty names none, as for node). `undefined` when
 * NODE_DISABLE_COMPILE_CACHE is set, or when the directory cannot be made: node's own making of it
 * spins for ever where a directory that exists refuses the child (TMPDIR under /proc), a start that
 * never answers; without a cache a start is only slower.
 */
export const compileCacheDir = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const kept = module.getCompileCacheDir();
  if (kept !== undefined) return kept;
  const dir = env.NODE_COMPILE_CACHE || join(tmpdir(), 'node-compile-cache');
  try {
    makeDirectory(dir);
    return dir;
  } catch {
    return undefined;
  }
};
