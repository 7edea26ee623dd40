import { X509Certificate } from 'node:crypto';
import { APIGatewayClient, GenerateClientCertificateCommand } from '@aws-sdk/client-api-gateway';
import type { LocalService } from '../../../../lib/local/service.js';
import { startLocalService } from '../../../../lib/local/service.js';
import { lowestPriorityThreads, until } from '../../../support/threads.js';

const options = { port: 0, dataDir: 'memory', accessLog: false, logLevel: 'SILENT' } as const;

const generate = (service: LocalService) =>
  new APIGatewayClient({
    endpoint: service.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }).send(new GenerateClientCertificateCommand({}));

const publicKey = (pem: string | undefined) =>
  new X509Certificate(pem!).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

describe('the local service with key pairs generated ahead', () => {
  test('keeps them coming from a thread of the lowest priority while it runs, a key to each certificate of a burst larger than the pool, and ends that thread when it closes', async () => {
    const before = lowestPriorityThreads().length;
    const service = await startLocalService({ ...options, keyPoolSize: 2 });
    let closed = false;
    try {
      await until(() => lowestPriorityThreads().length === before + 1);

      const certificates = await Promise.all(Array.from({ length: 5 }, () => generate(service)));

      expect(new Set(certificates.map(({ pemEncodedCertificate }) => publicKey(pemEncodedCertificate))).size).toBe(5);
      await service.close();
      closed = true;
      await until(() => lowestPriorityThreads().length === before);
    } finally {
      if (!closed) await service.close();
    }
  });

  test('generates nothing ahead by default (opt-in), each key pair then made when asked, with no such thread', async () => {
    const before = lowestPriorityThreads().length;
    const service = await startLocalService(options);
    try {
      const { pemEncodedCertificate } = await generate(service);
      await new Promise((pause) => setTimeout(pause, 300));

      expect(publicKey(pemEncodedCertificate)).toMatch(/^MII/);
      expect(lowestPriorityThreads().length).toBe(before);
    } finally {
      await service.close();
    }
  });
});
