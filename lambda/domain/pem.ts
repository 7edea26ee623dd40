import type { KeyPairKeyObjectResult } from 'node:crypto';
import { generateKeyPair, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';

const generateRsaKeyPair = promisify(generateKeyPair);
const signWith = promisify(sign);

/** A fresh RSA-2048 key pair, generated when asked for, as the deployed function does. */
const freshKeyPair = (): Promise<KeyPairKeyObjectResult> => generateRsaKeyPair('rsa', { modulusLength: 2048 });

let nextKeyPair = freshKeyPair;

/**
 * Where the key pairs of certificates issued in this process come from from now on: `ahead` gives a
 * pair generated ahead and never given before, or `undefined` when it has none, and then a fresh one
 * is generated. Only the local service's runtime calls it (lib/local/functions/key-pool.ts); never on Lambda.
 */
export const useKeyPairsGeneratedAhead = (ahead: () => KeyPairKeyObjectResult | undefined): void => {
  nextKeyPair = () => {
    const pair = ahead();
    return pair === undefined ? freshKeyPair() : Promise.resolve(pair);
  };
};

/**
 * The subject and issuer of API Gateway's certificates, with their 64-bit serials and SHA-256 RSA
 * signatures: as `openssl x509 -text` shows a real one (https://github.com/localstack/localstack/issues/8698).
 */
export const CERTIFICATE_NAME = 'C=US, L=Seattle, CN=ApiGateway';
const SERIAL_BYTES = 8;

/**
 * The longest PEM issueSelfSignedCertificate writes (an 8-byte serial, both dates in GeneralizedTime:
 * 807 bytes of DER, 1076 of base64 in 17 lines): what an item is sized with while its PEM is on its way.
 */
export const MAX_PEM_LENGTH = 1164;

/**
 * A fresh self-signed RSA-2048 certificate valid from `notBefore` to `notAfter` (epoch seconds),
 * PEM-encoded with CRLF line breaks as API Gateway returns it. The private key never leaves this
 * function: it signs the certificate and is dropped.
 *
 * Every certificate has the same shape, so it is written here in DER directly (RFC 5280, section 4.1)
 * rather than through a general X.509 library: the key pair is the one costly step, as it should be.
 */
export const issueSelfSignedCertificate = async (notBefore: number, notAfter: number): Promise<string> => {
  const { publicKey, privateKey } = await nextKeyPair();
  const serial = randomBytes(SERIAL_BYTES);
  serial[0] = serial[0]! & 0x7f; // a positive INTEGER, as RFC 5280 requires
  const tbsCertificate = sequence(
    tlv(0xa0, integer(Buffer.of(2))), // [0] version: 3
    integer(serial),
    SHA256_WITH_RSA,
    NAME, // issuer
    sequence(time(notBefore), time(notAfter)),
    NAME, // subject
    publicKey.export({ type: 'spki', format: 'der' }), // subjectPublicKeyInfo
    tlv(0xa3, sequence(...EXTENSIONS)), // [3] extensions
  );
  const signature = await signWith('sha256', tbsCertificate, privateKey);
  const der = sequence(tbsCertificate, SHA256_WITH_RSA, tlv(0x03, Buffer.of(0), signature));
  const body = der.toString('base64').match(/.{1,64}/g)!;
  return ['-----BEGIN CERTIFICATE-----', ...body, '-----END CERTIFICATE-----'].join('\r\n');
};

// DER, just what a certificate of this one shape needs (ITU-T X.690).

const tlv = (tag: number, ...contents: Buffer[]): Buffer => {
  const length = contents.reduce((sum, part) => sum + part.length, 0);
  const lengthBytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
  const header = length < 0x80 ? [tag, length] : [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  return Buffer.concat([Buffer.from(header), ...contents]);
};

const sequence = (...contents: Buffer[]): Buffer => tlv(0x30, ...contents);
const set = (...contents: Buffer[]): Buffer => tlv(0x31, ...contents);

/** A non-negative INTEGER in as few bytes as DER requires. */
const integer = (unsigned: Buffer): Buffer => {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0 && unsigned[start + 1]! < 0x80) start++;
  return tlv(0x02, unsigned.subarray(start));
};

const oid = (dotted: string): Buffer => {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first! * 40 + second!];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let high = arc >>> 7; high > 0; high >>>= 7) base128.unshift(0x80 | (high & 0x7f));
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
};

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280, section 4.1.2.5). */
const time = (epochSeconds: number): Buffer => {
  const iso = new Date(epochSeconds * 1000).toISOString(); // 2024-11-13T22:13:20.000Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = Number(iso.slice(0, 4));
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2))) : tlv(0x18, Buffer.from(digits));
};

const printable = (text: string): Buffer => tlv(0x13, Buffer.from(text, 'ascii'));
const TRUE = tlv(0x01, Buffer.of(0xff));

const SHA256_WITH_RSA = sequence(oid('1.2.840.113549.1.1.11'), tlv(0x05));

/** C=US, L=Seattle, CN=ApiGateway, as CERTIFICATE_NAME says. */
const NAME = sequence(
  set(sequence(oid('2.5.4.6'), printable('US'))),
  set(sequence(oid('2.5.4.7'), printable('Seattle'))),
  set(sequence(oid('2.5.4.3'), printable('ApiGateway'))),
);

/** A client certificate, not a CA: what a backend's TLS stack checks before it trusts one. */
const EXTENSIONS = [
  // basicConstraints, critical: cA FALSE (the default, so an empty SEQUENCE).
  sequence(oid('2.5.29.19'), TRUE, tlv(0x04, sequence())),
  // keyUsage, critical: digitalSignature and keyEncipherment (bits 0 and 2; 5 unused bits).
  sequence(oid('2.5.29.15'), TRUE, tlv(0x04, tlv(0x03, Buffer.of(5, 0xa0)))),
  // extKeyUsage: clientAuth.
  sequence(oid('2.5.29.37'), tlv(0x04, sequence(oid('1.3.6.1.5.5.7.3.2')))),
];
