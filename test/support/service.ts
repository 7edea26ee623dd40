import type { LocalService, LocalServiceOptions } from '../../lib/local/service.js';
import { startLocalService } from '../../lib/local/service.js';

/**
 * The local service as `npm start` runs it, on a free port and an in-memory dynalite, with the
 * handlers' logs silenced so test output stays readable. One per test file: the handler modules,
 * and the store endpoint they read at load, are loaded once per file.
 */
export const startTestService = (options: LocalServiceOptions = {}): Promise<LocalService> => {
  // The test's own store clients (lambda/store's, as the handlers build them) read these, as in Lambda.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.AWS_REGION ??= 'us-east-1';
  return startLocalService({ port: 0, dataDir: 'memory', accessLog: false, logLevel: 'SILENT', ...options });
};
