// The local service as `npm start` runs it, alone in its own process with dynalite inside it (as in
// `npm start`, each in a thread of its own), for the load generator in the parent process to drive.
// Its logs go where the parent points stdout; its address goes back over the IPC channel.
import type { LocalService } from '../lib/local/service.js';
import { startLocalService } from '../lib/local/service.js';

/** What the service process tells its parent once it listens. */
export interface ServiceAddress {
  readonly url: string;
  readonly store: LocalService['store'];
}

const { KEY_POOL_SIZE } = process.env;
const service = await startLocalService({
  port: 0,
  dataDir: 'memory',
  ...(KEY_POOL_SIZE === undefined ? {} : { keyPoolSize: Number(KEY_POOL_SIZE) }),
});
const address: ServiceAddress = { url: service.url, store: service.store };
process.send!(address);
process.once('disconnect', () => void service.close().then(() => process.exit(0)));
