import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DEFAULT_QUOTA } from '../../lambda/store/table.js';
import type { ControlPlane, ControlSettings } from './control/plane.js';
import { controlPlane, parseFaultsFile } from './control/plane.js';
import type { StateDocument } from './control/state-document.js';
import { parseStateDocument } from './control/state-document.js';
import { MAX_PAYLOAD_BYTES } from './front/http-api.js';

export interface ControlStartOptions {
  readonly seedFile?: string | undefined;
  readonly seed?: StateDocument | undefined;
  readonly faultsFile?: string | undefined;
  readonly faults?: readonly unknown[];
}

/** The quota the handlers keep (CLIENT_CERTIFICATE_QUOTA, checked by ./settings.ts), which a seed's slots must lie below. */
export const localQuota = (env: NodeJS.ProcessEnv = process.env): number => Number(env.CLIENT_CERTIFICATE_QUOTA ?? DEFAULT_QUOTA);

/**
 * The control plane of a service whose handlers reach the store at `storeEndpoint`, seeded and with
 * its fault rules in force before the first request. A bad file or rule fails the start, naming it.
 */
export const startControl = async (
  settings: ControlSettings,
  { seedFile, seed, faultsFile, faults = [] }: ControlStartOptions,
): Promise<ControlPlane> => {
  const control = controlPlane(settings);
  const quota = settings.quota ?? DEFAULT_QUOTA;
  try {
    // Before the seed, which may name the same namespaces, and before anything is served.
    await control.undoUnfinishedImports();
    const rules = faultsFile === undefined ? [] : atFile('faultsFile', faultsFile, parseFaultsFile);
    for (const rule of [...rules, ...faults]) control.addFault(rule);
    if (seedFile !== undefined)
      await control.importState(atFile('seedFile', seedFile, (text) => parseStateDocument(JSON.parse(text), quota)));
    if (seed !== undefined) await control.importState(seed);
    return control;
  } catch (error) {
    control.close();
    throw error;
  }
};

/** `parse` of the file's text, read once; any failure names the file as `setting`. */
export const atFile = <T>(setting: string, path: string, parse: (text: string) => T): T => {
  try {
    return parse(readBounded(path));
  } catch (error) {
    const cause = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`${setting} ${JSON.stringify(path)}: ${cause}`, { cause: error });
  }
};

/**
 * The file's text, refused past what PUT /_local/state takes before it is read whole: a regular
 * file by its size, anything else (a pipe, `<(...)`) once that much has been read. Read once, so a
 * pipe works.
 */
const readBounded = (path: string): string => {
  const tooLarge = () => new Error(`larger than ${MAX_PAYLOAD_BYTES} bytes, the most PUT /_local/state takes`);
  const fd = openSync(path, 'r');
  try {
    const stats = fstatSync(fd);
    if (stats.isFile() && stats.size > MAX_PAYLOAD_BYTES) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const read = readSync(fd, chunk);
      if (read === 0) break;
      size += read;
      if (size > MAX_PAYLOAD_BYTES) throw tooLarge();
      chunks.push(chunk.subarray(0, read));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
};
