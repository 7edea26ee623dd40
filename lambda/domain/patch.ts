import type { ClientCertificate } from './client-certificate.js';
import { isObject, isValidDescription, stringMember } from './client-certificate.js';
import {
  enumViolation,
  invalidDescription,
  malformedBody,
  missingPatchPath,
  unsupportedPatchOp,
  unsupportedPatchPath,
  validationFailed,
} from './errors.js';

/** In the order API Gateway lists them in its enum error. */
export const PATCH_OPS = ['add', 'remove', 'move', 'test', 'replace', 'copy'] as const;

/** One member of `patchOperations`; every field is optional in the model. */
export interface PatchOperation {
  readonly op?: string;
  readonly path?: string;
  readonly value?: string;
  readonly from?: string;
}

const MEMBERS = ['op', 'path', 'value', 'from'] as const;

/** The only path UpdateClientCertificate can change, as a JSON Pointer. */
const UPDATABLE_PATHS = ['/description'] as const;

/**
 * Step 1: the request body's shape. No body, `{}` and an empty list all mean "no operations".
 * JSON `null` stands for an absent member, as in every restJson1 service.
 */
export const parsePatchOperations = (body: unknown): PatchOperation[] => {
  if (body === undefined) return [];
  if (!isObject(body)) throw malformedBody('expected a JSON object');
  const list = body.patchOperations;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw malformedBody('patchOperations must be an array');
  return list.map((member: unknown, i) => {
    const at = `patchOperations.${i + 1}`;
    if (!isObject(member)) throw malformedBody(`${at} must be an object`);
    const operation: Record<string, string> = {};
    for (const name of MEMBERS) {
      const value = stringMember(member[name], `${at}.${name}`);
      if (value !== undefined) operation[name] = value;
    }
    return operation;
  });
};

/** Step 2, before any lookup: every `op` outside the enum, reported together. */
export const validatePatchOperations = (operations: readonly PatchOperation[]): void => {
  const violations = operations.flatMap(({ op }, i) =>
    op === undefined || (PATCH_OPS as readonly string[]).includes(op)
      ? []
      : [enumViolation(op, `updateClientCertificateInput.patchOperations.${i + 1}.member.op`, PATCH_OPS)],
  );
  if (violations.length > 0) throw validationFailed(violations);
};

/**
 * Steps 4 and 5: checks every operation against what a ClientCertificate allows, then applies them
 * all in order to a copy. Throws on the first bad operation, so the caller never sees half a patch.
 */
export const applyPatch = (certificate: ClientCertificate, operations: readonly PatchOperation[]): ClientCertificate => {
  for (const { op, path } of operations) {
    if (path === undefined) throw missingPatchPath();
    // A description may be absent, so it may be removed, as a RestApi's may (docs/fidelity.md).
    if (op === 'remove' && isUpdatablePath(path)) continue;
    if (op !== 'replace') throw unsupportedPatchOp(path, String(op ?? null));
    if (!isUpdatablePath(path)) throw unsupportedPatchPath(path, op, UPDATABLE_PATHS);
  }
  let patched = certificate;
  for (const { op, value } of operations) {
    // Only `replace` and `remove` of /description get here; a removal or a missing value clears it to
    // "" (which is never shown).
    patched = { ...patched, description: op === 'remove' ? '' : (value ?? '') };
  }
  if (patched.description !== undefined && !isValidDescription(patched.description)) throw invalidDescription();
  return patched;
};

const isUpdatablePath = (path: string): boolean => {
  const pointer = decodeJsonPointer(path);
  return pointer !== undefined && UPDATABLE_PATHS.some((allowed) => sameTokens(decodeJsonPointer(allowed)!, pointer));
};

/** RFC 6901: `/a~1b/c~0d` is the tokens `a/b` and `c~d`; anything malformed is `undefined`. */
export const decodeJsonPointer = (pointer: string): string[] | undefined => {
  if (pointer === '') return [];
  if (!pointer.startsWith('/') || /~(?![01])/.test(pointer)) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
};

const sameTokens = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((token, i) => token === b[i]);
