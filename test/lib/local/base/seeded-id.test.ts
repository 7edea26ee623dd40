import { isClientCertificateId } from '../../../../lambda/domain/client-certificate.js';
import { seededClientCertificateId } from '../../../../lib/local/base/seeded-id.js';

describe('seededClientCertificateId', () => {
  it('gives the same first ids for a seed on every run and machine (pinned once, here)', () => {
    const first = [0, 1, 2, 3, 4].map((n) => seededClientCertificateId('snapshot-tests', n));

    expect(first).toEqual(PINNED);
  });

  it('gives ids the handlers could have issued, different for different seeds and positions', () => {
    const ids = ['a', 'b', 'snapshot-tests'].flatMap((seed) => Array.from({ length: 200 }, (_, n) => seededClientCertificateId(seed, n)));

    expect(ids.every(isClientCertificateId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

// HMAC-SHA256('snapshot-tests', '0'...'4'), first 64 bits mod 36^6, in a-z0-9: computed once, 2026-12-07.
const PINNED = ['ov2ptt', 'urqo9f', 'krl2h6', '4nzysw', 'xbt6c3'];
