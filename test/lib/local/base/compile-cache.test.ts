import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { getCompileCacheDir } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCacheDir } from '../../../../lib/local/base/compile-cache.js';

// Where this process keeps its own cache comes first; these cases are for a process that keeps none.
const keepsNone = getCompileCacheDir() === undefined;

(keepsNone ? describe : describe.skip)('where the threads keep V8 compiled code', () => {
  test("in the user's temporary directory, as node would", () => {
    expect(compileCacheDir({})).toBe(join(tmpdir(), 'node-compile-cache'));
  });

  test('where NODE_COMPILE_CACHE names, made if missing; an empty one names none, as for node (not the working directory)', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'compile-cache-test-'));
    try {
      const elsewhere = join(scratch, 'some/where');
      expect(compileCacheDir({ NODE_COMPILE_CACHE: elsewhere })).toBe(elsewhere);
      expect(existsSync(elsewhere)).toBe(true);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    expect(compileCacheDir({ NODE_COMPILE_CACHE: '' })).toBe(join(tmpdir(), 'node-compile-cache'));
  });

  test('nowhere when the directory cannot be made (under /proc), rather than node spinning on it', () => {
    expect(compileCacheDir({ NODE_COMPILE_CACHE: '/proc/no-such-cache/dir' })).toBeUndefined();
  });

  test('nowhere with NODE_DISABLE_COMPILE_CACHE', () => {
    expect(compileCacheDir({ NODE_DISABLE_COMPILE_CACHE: '1', NODE_COMPILE_CACHE: '/somewhere/else' })).toBeUndefined();
  });
});
