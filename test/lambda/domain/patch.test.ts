import type { ClientCertificate } from '../../../lambda/domain/client-certificate.js';
import { ApiError } from '../../../lambda/domain/errors.js';
import { applyPatch, decodeJsonPointer, parsePatchOperations, validatePatchOperations } from '../../../lambda/domain/patch.js';

const certificate: ClientCertificate = {
  clientCertificateId: 'abc123',
  description: 'first',
  pemEncodedCertificate: '-----BEGIN CERTIFICATE-----\r\nMII=\r\n-----END CERTIFICATE-----',
  createdDate: 1_700_000_000,
  expirationDate: 1_731_536_000,
  tags: { team: 'a' },
};

/** The error `act` throws, so a test can assert its type and text; fails if nothing is thrown. */
const thrown = (act: () => unknown): ApiError => {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected an ApiError, nothing was thrown');
};

describe('step 1: the shape of the body', () => {
  test.each([[undefined], [{}], [{ patchOperations: [] }], [{ patchOperations: null }]])(
    'no body, {} and an empty list mean no operations: %j',
    (body) => {
      expect(parsePatchOperations(body)).toEqual([]);
    },
  );

  test.each([
    [[], 'Invalid request body: expected a JSON object'],
    ['text', 'Invalid request body: expected a JSON object'],
    [null, 'Invalid request body: expected a JSON object'],
    [{ patchOperations: {} }, 'Invalid request body: patchOperations must be an array'],
    [{ patchOperations: 'replace' }, 'Invalid request body: patchOperations must be an array'],
    [{ patchOperations: [{ op: 'replace' }, 3] }, 'Invalid request body: patchOperations.2 must be an object'],
    [{ patchOperations: [{ op: 'replace', path: ['/x'] }] }, 'Invalid request body: patchOperations.1.path must be a string'],
    [{ patchOperations: [{ op: 'copy', from: {} }] }, 'Invalid request body: patchOperations.1.from must be a string'],
  ])('%j is a BadRequestException naming what is wrong', (body, message) => {
    const error = thrown(() => parsePatchOperations(body));
    expect(error.type).toBe('BadRequestException');
    expect(error.message).toBe(message);
  });

  // The texts API Gateway's Java deserializer sends (recorded for sibling operations).
  test.each([
    [{ op: 7 }, 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String'],
    [{ op: 'replace', path: 1.5 }, 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String'],
    [{ op: 'replace', path: '/description', value: true }, 'class java.lang.Boolean can not be converted to an String'],
    [{ op: 'copy', from: false }, 'class java.lang.Boolean can not be converted to an String'],
  ])('a boolean or a number as a member, %j, is a SerializationException', (operation, message) => {
    const error = thrown(() => parsePatchOperations({ patchOperations: [operation] }));
    expect(error.type).toBe('SerializationException');
    expect(error.message).toBe(message);
  });

  test('null members count as absent and unknown members are ignored', () => {
    expect(parsePatchOperations({ patchOperations: [{ op: 'replace', path: '/description', value: null, extra: 1 }] })).toEqual([
      { op: 'replace', path: '/description' },
    ]);
  });
});

describe('step 2: op must be in the enum, all reported at once', () => {
  test('one bad op', () => {
    const error = thrown(() => validatePatchOperations([{ op: 'bogus', path: '/description' }]));
    expect(error.type).toBe('ValidationException');
    expect(error.message).toBe(
      "1 validation error detected: Value 'bogus' at 'updateClientCertificateInput.patchOperations.1.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]",
    );
  });

  test('two bad ops are counted, 1-based, joined by "; "', () => {
    const error = thrown(() => validatePatchOperations([{ op: 'Replace' }, { op: 'replace' }, { op: '' }]));
    expect(error.message).toBe(
      "2 validation errors detected: Value 'Replace' at 'updateClientCertificateInput.patchOperations.1.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]; " +
        "Value '' at 'updateClientCertificateInput.patchOperations.3.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]",
    );
  });

  test('every enum value and an absent op pass', () => {
    expect(() =>
      validatePatchOperations(['add', 'remove', 'move', 'test', 'replace', 'copy', undefined].map((op) => ({ op }))),
    ).not.toThrow();
  });
});

describe('step 4: only replace and remove of /description are supported', () => {
  test.each(['add', 'move', 'test', 'copy'])('op %s is refused whatever the path', (op) => {
    const error = thrown(() => applyPatch(certificate, [{ op, path: '/description', value: 'x' }]));
    expect(error.type).toBe('BadRequestException');
    expect(error.message).toBe(`Invalid patch path  '/description' specified for op '${op}'. Please choose supported operations`);
  });

  test.each([
    '/tags',
    '/tags/team',
    '/clientCertificateId',
    '/createdDate',
    '/expirationDate',
    '/pemEncodedCertificate',
    '/Description',
    'description',
    '/description/',
    '',
    '/descr~2iption',
  ])('replace %j is refused, naming the one updatable path', (path) => {
    const error = thrown(() => applyPatch(certificate, [{ op: 'replace', path, value: 'x' }]));
    expect(error.type).toBe('BadRequestException');
    expect(error.message).toBe(`Invalid patch path  '${path}' specified for op 'replace'. Must be one of: [/description]`);
  });

  test.each(['/tags', '/clientCertificateId', '/createdDate'])('remove %j is refused: only the description may be absent', (path) => {
    const error = thrown(() => applyPatch(certificate, [{ op: 'remove', path }]));
    expect(error.message).toBe(`Invalid patch path  '${path}' specified for op 'remove'. Please choose supported operations`);
  });

  test('a missing path is "Invalid patch path null"', () => {
    const error = thrown(() => applyPatch(certificate, [{ op: 'replace', value: 'x' }]));
    expect(error.message).toBe('Invalid patch path null');
  });

  test('a missing op is reported as op null', () => {
    const error = thrown(() => applyPatch(certificate, [{ path: '/description' }]));
    expect(error.message).toBe("Invalid patch path  '/description' specified for op 'null'. Please choose supported operations");
  });

  test('the first bad operation is reported even after good ones, and nothing is applied', () => {
    const operations = [
      { op: 'replace', path: '/description', value: 'changed' },
      { op: 'add', path: '/description', value: 'x' },
    ];
    const error = thrown(() => applyPatch(certificate, operations));
    expect(error.message).toContain("for op 'add'");
    expect(certificate.description).toBe('first');
  });
});

describe('step 5: applying', () => {
  test('remove /description clears it, whatever value it carries, and leaves every other field alone', () => {
    const patched = applyPatch(certificate, [{ op: 'remove', path: '/description', value: 'ignored' }]);
    expect(patched).toEqual({ ...certificate, description: '' });
  });

  test('replace /description sets it and leaves every other field alone', () => {
    const patched = applyPatch(certificate, [{ op: 'replace', path: '/description', value: 'second' }]);
    expect(patched).toEqual({ ...certificate, description: 'second' });
    expect(certificate.description).toBe('first');
  });

  test('operations apply in list order: the last one wins', () => {
    const patched = applyPatch(certificate, [
      { op: 'replace', path: '/description', value: 'one' },
      { op: 'replace', path: '/description', value: 'two' },
    ]);
    expect(patched.description).toBe('two');
  });

  test('replace without a value sets the empty string', () => {
    expect(applyPatch(certificate, [{ op: 'replace', path: '/description' }]).description).toBe('');
  });

  test('no operations leave the certificate as it is', () => {
    expect(applyPatch(certificate, [])).toEqual(certificate);
  });

  test('125000 characters are allowed, one more is an invalid description', () => {
    expect(applyPatch(certificate, [{ op: 'replace', path: '/description', value: 'x'.repeat(125_000) }]).description).toHaveLength(
      125_000,
    );
    const error = thrown(() => applyPatch(certificate, [{ op: 'replace', path: '/description', value: 'x'.repeat(125_001) }]));
    expect(error.type).toBe('BadRequestException');
    expect(error.message).toBe('Invalid ClientCertificate description specified.');
  });
});

describe('JSON Pointer decoding (RFC 6901)', () => {
  test.each([
    ['', []],
    ['/description', ['description']],
    ['/a~1b', ['a/b']],
    ['/m~0n', ['m~n']],
    ['/~01', ['~1']],
    ['/a/', ['a', '']],
  ])('%j decodes to %j', (pointer, tokens) => {
    expect(decodeJsonPointer(pointer)).toEqual(tokens);
  });

  test.each(['description', '/a~', '/a~2b'])('%j is not a pointer', (pointer) => {
    expect(decodeJsonPointer(pointer)).toBeUndefined();
  });
});
