import type { LocalService, LocalServiceOptions } from '../../lib/local/service.js';
import { startLocalService } from '../../lib/local/service.js';
import type { FaultProxy } from './fault-proxy.js';
import { startFaultProxy } from './fault-proxy.js';

/**
 * The local service as `npm start` runs it, on a free port and an in-memory dynalite, with the
 * handlers' logs silenced so test output stays readable. One per test file: the handler modules,
 * and the store endpoint they read at load, are loaded once per file. Without the key pool unless a
 * test asks: its pairs, generated ahead, are CPU the test run would spend on keys it mostly never
 * takes (eight a service); the pool's own suites (test/lib/local/functions/key-pool.*) and the
 * command's (test/bin, test/service/orphaned) run it as it is by default.
 */
export const startTestService = (options: LocalServiceOptions = {}): Promise<LocalService> => {
  // The test's own store clients (lambda/store's, as the handlers build them) read these, as in Lambda.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.AWS_REGION ??= 'us-east-1';
  return startLocalService({ port: 0, dataDir: 'memory', accessLog: false, logLevel: 'SILENT', keyPoolSize: 0, ...options });
};

/**
 * The local service with a fault proxy between its handlers and the store (./fault-proxy.ts), so that a
 * test can slow, fail or take away the store; close both when done.
 */
export const startTestServiceBehindProxy = async (
  options: LocalServiceOptions = {},
): Promise<{ service: LocalService; proxy: FaultProxy }> => {
  let proxy: FaultProxy | undefined;
  const service = await startTestService({
    ...options,
    storeEndpoint: async (endpoint) => {
      proxy = await startFaultProxy(endpoint);
      return proxy.endpoint;
    },
  });
  return { service, proxy: proxy! };
};
