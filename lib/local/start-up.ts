import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { makeDirectory } from './base/make-directory.js';
import { quoted, SettingError } from './settings.js';

/**
 * What `npm start` checks before it starts anything, so that a setting that cannot work ends the
 * start at once, with nothing listening and no store opened: that it can listen at `host:port`,
 * and that `dataDir` is a directory it may keep the store in that no other service has open.
 * Throws what failed, for `startUpFailure` to name.
 */
export const checkStartUp = async ({ port, host, dataDir }: { port: number; host: string; dataDir: string }): Promise<void> => {
  if (port !== 0) await canListen(port, host);
  if (dataDir !== 'memory') await canKeepStore(resolve(dataDir));
};

const canListen = (port: number, host: string): Promise<void> =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(port, host, () => server.close(() => done()));
  });

/** A store, a new directory or an empty one: anything else would get LevelDB's files strewn among its own. */
const canKeepStore = async (path: string): Promise<void> => {
  let entries: string[];
  try {
    makeDirectory(path);
    entries = readdirSync(path);
  } catch (error) {
    // Whatever is in the way (a file, a symbolic link to nothing, a directory this user may not write), DATA_DIR names it.
    throw new SettingError(cannotHoldStore(path, error as NodeJS.ErrnoException));
  }
  if (entries.length > 0 && !entries.includes('CURRENT')) {
    throw new SettingError(
      `DATA_DIR ${quoted(path)} holds files that are not a store: set DATA_DIR to a new or empty directory, or memory`,
    );
  }
  // The LevelDB that dynalite opens: it locks the directory while open, and says so here if it is.
  const dynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const { Level } = dynalite('level') as { Level: new (path: string) => { open(): Promise<void>; close(): Promise<void> } };
  const db = new Level(path);
  try {
    await db.open();
  } catch (error) {
    const cause = ((error as Error).cause ?? error) as Error & { code?: string };
    throw Object.assign(new Error(cause.message), { code: cause.code, path });
  }
  await db.close();
};

/** Where a setting went wrong, by the codes Node and LevelDB fail with. */
const DATA_DIR_CODES = new Set(['ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENAMETOOLONG', 'ELOOP', 'EISDIR']);

/**
 * The one line `npm start` ends with when it cannot start: the setting at fault and what to do.
 * `undefined` for a failure no setting explains, which is better shown whole.
 */
export const startUpFailure = (error: unknown): string | undefined => {
  if (error instanceof SettingError) return oneLine(error.message);
  const { code, syscall, address, port, hostname, path, message } = error as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
    hostname?: string;
  };
  const free = 'set PORT to another port (0: any free port)';
  const local = 'set HOST to an address of this machine (unset: 127.0.0.1)';
  if (syscall === 'listen' && code === 'EADDRINUSE') return `PORT ${port} is in use on ${address}: stop what listens there, or ${free}`;
  if (syscall === 'listen' && code === 'EACCES') return `PORT ${port} needs privileges this user does not have: ${free}`;
  if (code === 'EADDRNOTAVAIL') return `HOST ${quoted(address ?? '')} is not an address of this machine: ${local}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return `HOST ${quoted(hostname ?? '')} does not resolve to an address (${code}): ${local}`;
  }
  if (code === 'LEVEL_LOCKED' || message === 'Database is closed') {
    return `DATA_DIR ${path === undefined ? '' : `${quoted(path)} `}is in use by another running service: stop that one, or ${ANOTHER_STORE}`;
  }
  if (path !== undefined && code !== undefined && (DATA_DIR_CODES.has(code) || code.startsWith('LEVEL_'))) {
    return cannotHoldStore(path, error as NodeJS.ErrnoException);
  }
  return undefined;
};

const ANOTHER_STORE = 'set DATA_DIR to another directory, or memory to keep nothing on disk';

const cannotHoldStore = (path: string, { code, message }: NodeJS.ErrnoException): string => {
  const reason = message.replace(`${code}: `, ''); // Node's messages begin with their code
  return oneLine(`DATA_DIR ${quoted(path)} cannot hold the store (${code}: ${reason}): ${ANOTHER_STORE}`);
};

const oneLine = (text: string): string => text.replace(/\s+/g, ' ');
