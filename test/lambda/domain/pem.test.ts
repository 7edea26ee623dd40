import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { CERTIFICATE_NAME, issueSelfSignedCertificate, MAX_PEM_LENGTH, useKeyPairsGeneratedAhead } from '../../../lambda/domain/pem.js';

const NOT_BEFORE = 1_700_000_000; // 2023-11-14T22:13:20Z
const NOT_AFTER = NOT_BEFORE + 365 * 24 * 3600;

describe('issueSelfSignedCertificate', () => {
  let pem: string;
  let certificate: X509Certificate;

  beforeAll(async () => {
    pem = await issueSelfSignedCertificate(NOT_BEFORE, NOT_AFTER);
    certificate = new X509Certificate(pem);
  });

  test('is one PEM certificate with CRLF line breaks and 64-character lines, and no private key', () => {
    const lines = pem.split('\r\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines.at(-1)).toBe('-----END CERTIFICATE-----');
    for (const line of lines.slice(1, -2)) expect(line).toMatch(/^[A-Za-z0-9+/]{64}$/);
    expect(pem.replace(/\r\n/g, '')).not.toMatch(/\n|\r/);
    expect(pem).not.toMatch(/PRIVATE KEY/);
  });

  test('is an RSA-2048 certificate signed by its own key with SHA-256, named as API Gateway names its own', () => {
    expect(certificate.publicKey.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.subject.split('\n').join(', ')).toBe(CERTIFICATE_NAME);
    expect(certificate.issuer).toBe(certificate.subject);
    // sha256WithRSAEncryption (1.2.840.113549.1.1.11), in the certificate and in its signature.
    const sha256WithRsa = Buffer.from('300d06092a864886f70d01010b0500', 'hex');
    expect(certificate.raw.indexOf(sha256WithRsa)).toBeGreaterThan(0);
    expect(certificate.raw.lastIndexOf(sha256WithRsa)).toBeGreaterThan(certificate.raw.indexOf(sha256WithRsa));
  });

  test('is a client certificate and not a CA: its three extensions, the first two critical', () => {
    expect(certificate.ca).toBe(false);
    expect(certificate.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // extKeyUsage: clientAuth
    const extensions = [
      '300c0603551d130101ff04023000', // basicConstraints, critical: cA FALSE
      '300e0603551d0f0101ff0404030205a0', // keyUsage, critical: digitalSignature, keyEncipherment
      '30130603551d25040c300a06082b06010505070302', // extKeyUsage: clientAuth
    ];
    // [3] EXPLICIT (53 bytes) around the SEQUENCE (51 bytes) of exactly these, in this order.
    expect(certificate.raw.toString('hex')).toContain(`a3353033${extensions.join('')}`);
  });

  test('carries a positive serial of at most 64 bits, fresh each time, with a fresh key', async () => {
    const other = new X509Certificate(await issueSelfSignedCertificate(NOT_BEFORE, NOT_AFTER));

    for (const serial of [certificate.serialNumber, other.serialNumber]) expect(serial).toMatch(/^[0-7]?[0-9A-F]{1,15}$/);
    expect(other.serialNumber).not.toBe(certificate.serialNumber);
    expect(other.publicKey.export({ type: 'spki', format: 'der' })).not.toEqual(
      certificate.publicKey.export({ type: 'spki', format: 'der' }),
    );
  });

  test('is never longer than MAX_PEM_LENGTH, which its longest shape (dates in GeneralizedTime) reaches', async () => {
    const longest = await Promise.all(Array.from({ length: 4 }, () => issueSelfSignedCertificate(-631_152_001, 253_402_300_799)));

    expect(pem.length).toBeLessThanOrEqual(MAX_PEM_LENGTH);
    for (const each of longest) expect(each.length).toBeLessThanOrEqual(MAX_PEM_LENGTH);
    // A PEM is shorter only when the serial starts with three zero bytes (base64 counts in 3-byte groups): 1 in 2^23.
    expect(Math.max(...longest.map((each) => each.length))).toBe(MAX_PEM_LENGTH);
  });

  const utcTime = (text: string) => Buffer.concat([Buffer.of(0x17, text.length), Buffer.from(text)]);
  const generalizedTime = (text: string) => Buffer.concat([Buffer.of(0x18, text.length), Buffer.from(text)]);

  test.each([
    ['a year from 2023', NOT_BEFORE, NOT_AFTER, utcTime('231114221320Z'), utcTime('241113221320Z')],
    ['the epoch', 0, 1, utcTime('700101000000Z'), utcTime('700101000001Z')],
    [
      'the last UTCTime second and the first GeneralizedTime one',
      2_524_607_999,
      2_524_608_000,
      utcTime('491231235959Z'),
      generalizedTime('20500101000000Z'),
    ],
    ['1949 and 9999', -631_152_001, 253_402_300_799, generalizedTime('19491231235959Z'), generalizedTime('99991231235959Z')],
  ])(
    'is valid exactly from notBefore to notAfter, in UTCTime through 2049 and GeneralizedTime outside it: %s',
    async (_, notBefore, notAfter, from, to) => {
      const x509 = new X509Certificate(await issueSelfSignedCertificate(notBefore, notAfter));

      expect(x509.validFromDate.getTime() / 1000).toBe(notBefore);
      expect(x509.validToDate.getTime() / 1000).toBe(notAfter);
      expect(x509.raw.includes(Buffer.concat([Buffer.of(0x30, from.length + to.length), from, to]))).toBe(true);
      expect(x509.verify(x509.publicKey)).toBe(true);
    },
  );
});

describe('useKeyPairsGeneratedAhead', () => {
  afterEach(() => useKeyPairsGeneratedAhead(() => undefined));

  test('issues on a pair generated ahead when one is ready, and on a fresh pair when none is', async () => {
    const ahead = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = (certificate: string) => new X509Certificate(certificate).publicKey.export({ type: 'spki', format: 'der' });
    const given = [ahead];

    useKeyPairsGeneratedAhead(() => given.shift());
    const onReady = await issueSelfSignedCertificate(NOT_BEFORE, NOT_AFTER);
    const onFresh = await issueSelfSignedCertificate(NOT_BEFORE, NOT_AFTER);

    expect(spki(onReady)).toEqual(ahead.publicKey.export({ type: 'spki', format: 'der' }));
    expect(spki(onFresh)).not.toEqual(spki(onReady));
  });
});
