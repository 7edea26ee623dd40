import type { ClientCertificate, Versioned } from '../domain/client-certificate.js';
import { isClientCertificateId } from '../domain/client-certificate.js';
import { notFound, unknownResource } from '../domain/errors.js';
import { clientCertificateIdOf } from '../domain/tags.js';
import type { ClientCertificateStore } from '../store/client-certificate-store.js';

/** The certificate a path names, or NotFoundException; an id no certificate can have costs no store call. */
export const loadCertificate = async (store: ClientCertificateStore, id: string | undefined): Promise<Versioned<ClientCertificate>> => {
  const found = id !== undefined && isClientCertificateId(id) ? await store.load(id) : undefined;
  if (found === undefined) throw notFound();
  return found;
};

/** The certificate a tags ARN names; an ARN of anything else is an unknown resource. */
export const loadTaggedCertificate = async (
  store: ClientCertificateStore,
  arn: string | undefined,
  region: string,
): Promise<Versioned<ClientCertificate>> => {
  const id = clientCertificateIdOf(arn ?? '', region);
  if (id === undefined) throw unknownResource();
  return loadCertificate(store, id);
};
