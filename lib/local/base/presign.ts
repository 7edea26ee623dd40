// A presigned URL's own query parameters: the signature of a request, not part of what it asks.

/** The query parameters SigV4 presigning adds, as the SDK's signer spells them. */
export const PRESIGN_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
];

const PRESIGN_NAMES = new Set(PRESIGN_PARAMS.map((name) => name.toLowerCase()));

/** Whether `name` is one of them, in any case, as the verifier reads them (front/sigv4.ts). */
export const isPresignParameter = (name: string): boolean => PRESIGN_NAMES.has(name.toLowerCase());
