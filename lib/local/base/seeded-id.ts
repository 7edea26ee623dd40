import { createHmac } from 'node:crypto';
import { ID_ALPHABET, ID_LENGTH } from '../../../lambda/domain/client-certificate.js';

const ALPHABET_SIZE = BigInt(ID_ALPHABET.length);
const ID_COUNT = ALPHABET_SIZE ** BigInt(ID_LENGTH);

/**
 * The `n`-th certificate id (from 0) of the sequence `seed` names: HMAC-SHA256 of `n` keyed by the
 * seed, its first 64 bits taken modulo the 36^6 ids there are (a bias of one in 10^10), written in
 * the handlers' alphabet. A keyed hash, not a generator's state: the n-th id needs only (seed, n), so
 * it is the same on every run and machine, whichever thread draws it and whatever was drawn elsewhere.
 */
export const seededClientCertificateId = (seed: string, n: number): string => {
  let rest = createHmac('sha256', seed).update(String(n)).digest().readBigUInt64BE(0) % ID_COUNT;
  let id = '';
  for (let i = 0; i < ID_LENGTH; i++) {
    id = ID_ALPHABET[Number(rest % ALPHABET_SIZE)] + id;
    rest /= ALPHABET_SIZE;
  }
  return id;
};
