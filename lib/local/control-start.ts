import { readFileSync } from 'node:fs';
import { DEFAULT_QUOTA } from '../../lambda/store/table.js';
import type { ControlPlane, ControlSettings } from './control.js';
import { controlPlane, parseFaultsFile } from './control.js';
import { parseStateDocument } from './state.js';

export interface ControlStartOptions {
  readonly seedFile?: string | undefined;
  readonly faultsFile?: string | undefined;
  readonly faults?: readonly unknown[];
}

/**
 * The control plane of a service whose handlers reach the store at `storeEndpoint`, seeded and with
 * its fault rules in force before the first request. A bad file or rule fails the start, naming it.
 */
/** The quota the handlers keep (CLIENT_CERTIFICATE_QUOTA, checked by ./settings.ts), which a seed's slots must lie below. */
export const localQuota = (env: NodeJS.ProcessEnv = process.env): number => Number(env.CLIENT_CERTIFICATE_QUOTA ?? DEFAULT_QUOTA);

export const startControl = async (
  settings: ControlSettings,
  { seedFile, faultsFile, faults = [] }: ControlStartOptions,
): Promise<ControlPlane> => {
  const control = controlPlane(settings);
  const quota = settings.quota ?? DEFAULT_QUOTA;
  try {
    const rules = faultsFile === undefined ? [] : atFile('FAULTS_FILE', faultsFile, parseFaultsFile);
    for (const rule of [...rules, ...faults]) control.addFault(rule);
    if (seedFile !== undefined)
      await control.importState(atFile('SEED_FILE', seedFile, (text) => parseStateDocument(JSON.parse(text), quota)));
    return control;
  } catch (error) {
    control.close();
    throw error;
  }
};

/** `parse` of the file's text; any failure names the file. */
export const atFile = <T>(setting: string, path: string, parse: (text: string) => T): T => {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const cause = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`${setting} ${JSON.stringify(path)}: ${cause}`, { cause: error });
  }
};
