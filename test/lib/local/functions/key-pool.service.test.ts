import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { APIGatewayClient, GenerateClientCertificateCommand } from '@aws-sdk/client-api-gateway';
import { DEFAULT_KEY_POOL_SIZE } from '../../../../lib/local/functions/key-pool.js';
import type { LocalService } from '../../../../lib/local/service.js';
import { startLocalService } from '../../../../lib/local/service.js';
import { until } from '../../../support/wait.js';
import { alive, generatingThreadPriority, lowestPriorityChildren } from './processes.js';

const options = { port: 0, dataDir: 'memory', accessLog: false, logLevel: 'SILENT' } as const;

const generate = (service: LocalService) =>
  new APIGatewayClient({
    endpoint: service.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }).send(new GenerateClientCertificateCommand({}));

const publicKey = (pem: string | undefined) =>
  new X509Certificate(pem!).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

/** The service's key-generating child: the one child of the lowest priority started since `before`. */
const newChildren = (before: number[]) => lowestPriorityChildren().filter((pid) => !before.includes(pid));

describe('the local service with key pairs generated ahead', () => {
  test('by default, from a child process generating at the lowest priority, a key to each certificate of a burst larger than the pool; the child gone within 2 s of close', async () => {
    const before = lowestPriorityChildren();
    const service = await startLocalService(options);
    let closed = false;
    try {
      await until('the key-generating child', () => newChildren(before).length === 1);
      const [child] = newChildren(before) as [number];

      const certificates = await Promise.all(Array.from({ length: DEFAULT_KEY_POOL_SIZE + 2 }, () => generate(service)));
      const priority = generatingThreadPriority(child);
      await service.close();
      closed = true;
      const closedAt = Date.now();
      await until('the child gone', () => !alive(child), 2_000);

      expect(priority).toBe(19);
      expect(Date.now() - closedAt).toBeLessThanOrEqual(2_000);
      expect(new Set(certificates.map(({ pemEncodedCertificate }) => publicKey(pemEncodedCertificate))).size).toBe(
        DEFAULT_KEY_POOL_SIZE + 2,
      );
    } finally {
      if (!closed) await service.close();
    }
  });

  test('a script whose last step is `await service.close()` ends with the close settled (the child is waited for, not let go)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-pool-close-'));
    const script = join(dir, 'close.mts');
    writeFileSync(
      script,
      `import { startLocalService } from ${JSON.stringify(fileURLToPath(new URL('../../../../lib/local/index.ts', import.meta.url)))};
const service = await startLocalService(${JSON.stringify(options)});
await service.close();
console.log('closed');
`,
    );
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script]);

      expect(stdout).toBe('closed\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with keyPoolSize 0 starts no such process, and generates each key pair when asked', async () => {
    const before = lowestPriorityChildren();
    const service = await startLocalService({ ...options, keyPoolSize: 0 });
    try {
      const { pemEncodedCertificate } = await generate(service);

      expect(publicKey(pemEncodedCertificate)).toMatch(/^MII/);
      expect(newChildren(before)).toEqual([]);
    } finally {
      await service.close();
    }
  });
});
