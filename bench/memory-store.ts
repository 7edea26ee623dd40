import type { ClientCertificate, Versioned } from '../lambda/domain/client-certificate.js';
import { conflict, notFound } from '../lambda/domain/errors.js';
import type { ClientCertificateStore } from '../lambda/store/client-certificate-store.js';

/** The part of the store port UpdateClientCertificate uses. */
export type UpdateStore = Pick<ClientCertificateStore, 'load' | 'saveIfVersion'>;

/**
 * A store in a Map, so the handler's own cost can be measured without any I/O behind it. It keeps
 * the port's contract for the update path: versions, and the same errors as the DynamoDB store.
 */
export class InMemoryStore implements UpdateStore {
  private readonly items = new Map<string, Versioned<ClientCertificate>>();

  put(certificate: ClientCertificate): void {
    this.items.set(certificate.clientCertificateId, { value: certificate, version: 1 });
  }

  async load(id: string): Promise<Versioned<ClientCertificate> | undefined> {
    return this.items.get(id);
  }

  async saveIfVersion(certificate: ClientCertificate, expectedVersion: number): Promise<number> {
    const current = this.items.get(certificate.clientCertificateId);
    if (current === undefined) throw notFound();
    if (current.version !== expectedVersion) throw conflict(certificate.clientCertificateId);
    this.items.set(certificate.clientCertificateId, { value: certificate, version: expectedVersion + 1 });
    return expectedVersion + 1;
  }
}
