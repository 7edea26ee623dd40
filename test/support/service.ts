import type { LocalService } from '../../lib/local/service.js';
import { startLocalService } from '../../lib/local/service.js';

/**
 * The local service as `npm start` runs it, on a free port and an in-memory dynalite, with the
 * handlers' logs silenced so test output stays readable.
 */
export const startTestService = async (): Promise<LocalService> => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  return startLocalService({ port: 0, dataDir: 'memory' });
};
