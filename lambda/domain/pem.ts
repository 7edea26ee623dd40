// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect polyfill.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509CertificateGenerator,
} from '@peculiar/x509';

const SIGNING = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

/**
 * The subject and issuer of API Gateway's certificates, with their 64-bit serials and SHA-256 RSA
 * signatures: as `openssl x509 -text` shows a real one (https://github.com/localstack/localstack/issues/8698).
 */
export const CERTIFICATE_NAME = 'C=US, L=Seattle, CN=ApiGateway';
const SERIAL_BYTES = 8;

/**
 * A fresh self-signed RSA-2048 certificate valid from `notBefore` to `notAfter` (epoch seconds),
 * PEM-encoded with CRLF line breaks as API Gateway returns it. The private key is not extractable
 * and is dropped here: only the public certificate ever leaves this function.
 */
export const issueSelfSignedCertificate = async (notBefore: number, notAfter: number): Promise<string> => {
  const keys = await crypto.subtle.generateKey(SIGNING, false, ['sign', 'verify']);
  const serial = randomBytes(SERIAL_BYTES);
  serial[0] = serial[0]! & 0x7f; // a positive INTEGER, as RFC 5280 requires
  const certificate = await X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: CERTIFICATE_NAME,
    notBefore: new Date(notBefore * 1000),
    notAfter: new Date(notAfter * 1000),
    signingAlgorithm: SIGNING,
    keys,
    // A client certificate, not a CA: what a backend's TLS stack checks before it trusts one.
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment, true),
      new ExtendedKeyUsageExtension([ExtendedKeyUsage.clientAuth]),
    ],
  });
  return certificate.toString('pem').trim().replace(/\r?\n/g, '\r\n');
};
