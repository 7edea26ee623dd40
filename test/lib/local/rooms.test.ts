import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * lib/local's rooms (lib/local/README.md) import only the rooms below them, so a newcomer can read one
 * room without the ones above it. The root (the service as a whole) may use every room; no room uses it.
 */
const local = fileURLToPath(new URL('../../../lib/local/', import.meta.url));
/** Each room and the rooms it may use besides itself. */
const mayUse: Record<string, readonly string[]> = {
  front: ['control', 'functions', 'store', 'base'],
  control: ['page', 'store', 'base'],
  functions: ['store', 'base'],
  page: ['base'],
  store: ['base'],
  base: [],
};

const modules = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? modules(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
/** The room of a path inside lib/local: its first folder, or `.` for the root; `undefined` outside lib/local. */
const roomOf = (path: string): string | undefined => {
  const inside = relative(local, path);
  if (inside.startsWith('..')) return undefined;
  return inside.includes('/') ? inside.split('/')[0] : '.';
};
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map(([, specifier]) =>
    join(dirname(file), specifier!),
  );

describe('the local service’s rooms', () => {
  test('every folder of lib/local is a known room', () => {
    const folders = readdirSync(local, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.sort()).toEqual(Object.keys(mayUse).sort());
  });

  test('a room imports only itself and the rooms below it, never the root', () => {
    const upward: string[] = [];
    for (const file of modules(local)) {
      const room = roomOf(file)!;
      if (room === '.') continue;
      for (const target of importsOf(file)) {
        const used = roomOf(target);
        if (used === undefined || used === room || mayUse[room]!.includes(used)) continue;
        upward.push(`${relative(local, file)} imports ${relative(local, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
