// A start of the local service in-process that fails to listen (its port taken), then nothing:
// the process should end by itself, with nothing of the service left running. Argument: DATA_DIR.

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { startLocalService } from '../../lib/local/service.js';

const holder = createServer().listen(0, '127.0.0.1');
await new Promise((listening) => holder.once('listening', listening));
const { port } = holder.address() as AddressInfo;
await startLocalService({ port, host: '127.0.0.1', dataDir: process.argv[2] }).catch((error: NodeJS.ErrnoException) =>
  console.log(`refused ${error.code}`),
);
holder.close();
