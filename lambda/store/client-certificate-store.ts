import type { ClientCertificate, Versioned } from '../domain/client-certificate.js';
import type { Namespace } from '../domain/namespace.js';
import type { PageRequest } from '../domain/pagination.js';

/** One page of certificates, and whether more follow the last of them. */
export interface Page {
  readonly items: readonly ClientCertificate[];
  readonly more: boolean;
}

/**
 * A certificate to store, whose PEM may still be on its way: its key pair, the one costly step of
 * GenerateClientCertificate, is generated while the store claims the certificate's place in the quota.
 */
export type NewClientCertificate = Omit<ClientCertificate, 'pemEncodedCertificate'> & {
  readonly pemEncodedCertificate: string | Promise<string>;
};

/**
 * Where certificates live: the port the handlers use. Implementations speak in domain terms and
 * turn storage failures into domain errors (lambda/domain/errors.ts).
 */
export interface ClientCertificateStore {
  /**
   * Stores a new certificate at version 1 once its PEM has come; `false` if its id is already taken
   * (nothing is written). Throws LimitExceededException when the quota of certificates is reached,
   * without waiting for the PEM.
   */
  create(certificate: NewClientCertificate): Promise<boolean>;
  /** A consistent read; `undefined` when there is no such certificate. */
  load(id: string): Promise<Versioned<ClientCertificate> | undefined>;
  /**
   * Replaces the certificate only if the store still holds it at `expectedVersion`, and returns
   * the new version. Throws ConflictException if another writer got there first, NotFoundException
   * if it was deleted meanwhile.
   */
  saveIfVersion(certificate: ClientCertificate, expectedVersion: number): Promise<number>;
  /** Deletes the certificate and frees its place in the quota; `false` if there was none. */
  delete(id: string): Promise<boolean>;
  /** A page of certificates in a stable order, starting after `after`. */
  list(page: PageRequest): Promise<Page>;
}

/** The store of each namespace: the handlers ask it for their caller's, and see no other. */
export type ClientCertificateStores = (namespace: Namespace) => ClientCertificateStore;
