import { lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p`: every missing directory of `path` made in turn, then `path` checked to be one. Node's own
 * recursive mkdir spins for ever where a directory that exists refuses a child with ENOENT (`/proc`
 * does), a hostile DATA_DIR's start taking a core and never answering; here that ENOENT is thrown.
 */
export const makeDirectory = (path: string): void => {
  const missing: string[] = [];
  for (let at = path; dirname(at) !== at; at = dirname(at)) {
    try {
      lstatSync(at);
      break;
    } catch (error) {
      // Anything but absence (a file where a directory should be) is for the last call to say, as before.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') break;
      missing.unshift(at);
    }
  }
  for (const directory of missing) mkdirSync(directory);
  // Now nothing of it is missing: what is in the way (a file, a symbolic link to nothing) is thrown as before.
  mkdirSync(path, { recursive: true });
};
