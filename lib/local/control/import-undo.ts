import { randomUUID } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Item } from '../../../lambda/store/item.js';

/**
 * What a state import on a data directory leaves on disk while it writes: the items its namespaces
 * held before, so that a service killed mid-import (kill -9, a crash, the machine's OOM killer) puts
 * them back when it starts again on the same files, before it serves anything. The store has no
 * transactions and an import is many batches; without this, a restart found part of the document
 * written (certificates without their quota slots among them). In memory nothing outlives the process.
 */

/** The directory of undo files inside a data directory; LevelDB leaves names it does not know alone. */
export const undoDirectoryOf = (dataDir: string): string => join(dataDir, 'imports-under-way');

const SUFFIX = '.jsonl';

const PARTIAL = '.partial';

/**
 * The undo files an earlier run left whole, oldest first: imports that never ended. One left
 * half-written is removed: its import had not written anything yet.
 */
export const pendingUndos = (directory: string): string[] => {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return []; // no directory: no import ever ran on these files
  }
  for (const name of names) if (name.endsWith(PARTIAL)) rmSync(join(directory, name), { force: true });
  return names
    .filter((name) => name.endsWith(SUFFIX))
    .sort()
    .map((name) => join(directory, name));
};

/**
 * Writes, whole or not at all (a temporary name, then a rename), the namespaces an import names and
 * the items they hold now; resolves to what removes it once the import has ended, however it ended.
 */
export const writeUndo = async (directory: string, namespaces: readonly string[], items: readonly Item[]): Promise<() => Promise<void>> => {
  await mkdir(directory, { recursive: true });
  // The time first, so that undo files sort in the order their imports began.
  const path = join(directory, `${Date.now().toString().padStart(15, '0')}-${randomUUID()}${SUFFIX}`);
  const partial = `${path}${PARTIAL}`;
  const file = await open(partial, 'w');
  try {
    await file.write(`${JSON.stringify({ namespaces })}\n`);
    for (const item of items) await file.write(`${JSON.stringify(item)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(partial, path);
  return () => rm(path, { force: true });
};

/** An undo file's namespaces and the items they held before the import began. */
export const readUndo = async (path: string): Promise<{ namespaces: string[]; items: Item[] }> => {
  const [header, ...lines] = (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '');
  return { namespaces: (JSON.parse(header!) as { namespaces: string[] }).namespaces, items: lines.map((line) => JSON.parse(line) as Item) };
};
