import { fileURLToPath } from 'node:url';
import type { ClientCertificate } from '../../lambda/domain/client-certificate.js';
import { VALIDITY_SECONDS } from '../../lambda/domain/client-certificate.js';
import type { ApiError } from '../../lambda/domain/errors.js';
import {
  conflict,
  enumViolation,
  internalFailure,
  invalidDescription,
  invalidLimit,
  invalidPosition,
  limitExceeded,
  malformedBody,
  missingMember,
  missingPatchPath,
  notAString,
  notFound,
  serviceUnavailable,
  tooManyRequests,
  unknownResource,
  unsupportedPatchOp,
  unsupportedPatchPath,
  validationFailed,
} from '../../lambda/domain/errors.js';
import { PATCH_OPS } from '../../lambda/domain/patch.js';
import type { Representation } from '../../lambda/http/representations.js';
import { HAL_MEDIA_TYPE, hal, plain } from '../../lambda/http/representations.js';
import { ERROR_STATUS } from '../../lambda/http/responses.js';
import { DEFAULT_QUOTA } from '../../lambda/store/table.js';
import { missingAuthenticationToken, requestEntityTooLarge, unrecognizedClient } from '../../lib/local/base/refusals.js';
import { operations, routeKey } from '../../lib/operations.js';
import type { OperationFact } from '../support/smithy.js';
import { SmithyModel, uriLabels, uriShape } from '../support/smithy.js';
import type { LocatedOperation } from './openapi-document.js';
import { OpenApiDocument } from './openapi-document.js';
import { conformanceProblems, shapeProblems, structureProblems } from './schema-checks.js';

/**
 * api/openapi.yaml must not drift from the facts it describes: the official Smithy model of API
 * Gateway (a copy in test/fixtures, see its README), the routes in lib/operations.ts, the error
 * status map and the representations the handlers render. Every fact from the model is read from
 * it here, not restated.
 */

const file = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const model = new SmithyModel(file('../fixtures/apigateway-clientcertificate.smithy.json'));
const doc = new OpenApiDocument(file('../../api/openapi.yaml'));

const modeled = model.operations();
const JSON_MEDIA_TYPE = 'application/json';

/** The documented operation a model operation names; fails the test if there is none. */
const documented = (name: string): LocatedOperation => {
  const found = doc.operation(name);
  if (found === undefined) throw new Error(`api/openapi.yaml has no operation ${name}`);
  return found;
};

/** Every error type an operation documents, with the status it is documented at. */
const documentedErrors = ({ operation }: LocatedOperation): { type: string; status: number; notInModel: boolean }[] =>
  Object.keys(operation.responses)
    .filter((status) => Number(status) >= 400)
    .flatMap((status) => {
      const response = doc.response(operation, status)!;
      return doc.errorTypes(response).map((type) => ({
        type,
        status: Number(status),
        notInModel: (response['x-not-in-model'] ?? []).includes(type),
      }));
    });

describe('api/openapi.yaml against the Smithy model', () => {
  test('is OpenAPI 3.1 for the model service version', () => {
    expect(doc.root.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.root.info.version).toBe(model.service().node.version);
  });

  test('documents exactly the operations of the model', () => {
    const ids = doc.operations().map(({ operation }) => operation.operationId);

    expect([...ids].sort()).toEqual(modeled.map(({ name }) => name).sort());
  });

  test('signs every operation with SigV4, as the model service does', () => {
    expect(model.service().node.traits).toHaveProperty(['aws.auth#sigv4']);
    const schemes = doc.root.components.securitySchemes ?? {};
    const sigv4 = Object.keys(schemes).filter((name) => schemes[name]?.['x-amazon-apigateway-authtype'] === 'awsSigv4');

    expect(sigv4).toHaveLength(1);
    for (const { operation } of doc.operations()) {
      expect((operation.security ?? doc.root.security ?? []).some((requirement) => sigv4[0]! in requirement)).toBe(true);
    }
  });

  describe.each(modeled.map((fact) => [fact.name, fact] as const))('%s', (_, fact: OperationFact) => {
    test('has the method, the path and the one success status of its @http trait', () => {
      const { method, path, operation } = documented(fact.name);
      const successes = Object.keys(operation.responses).filter((status) => /^2\d\d$/.test(status));

      expect(method).toBe(fact.method);
      expect(uriShape(path)).toBe(uriShape(fact.uri));
      expect(successes).toEqual([String(fact.code)]);
    });

    test('binds each input member where the model does, with a compatible type', () => {
      const located = documented(fact.name);
      const { operation, parameters } = located;
      const pathLabels = uriLabels(located.path);
      const problems: string[] = [];

      for (const member of fact.input.filter(({ binding }) => binding !== 'body')) {
        // A path label's name is not on the wire: match it by its place in the URI.
        const name = member.binding === 'label' ? pathLabels[uriLabels(fact.uri).indexOf(member.wireName)] : member.wireName;
        const location = member.binding === 'label' ? 'path' : member.binding;
        const parameter = parameters.find((p) => p.name === name && p.in === location);
        if (name === undefined || parameter === undefined) {
          problems.push(`${member.name}: no ${location} parameter ${name}`);
          continue;
        }
        if (parameter['x-smithy-member'] !== member.name) problems.push(`${name}: x-smithy-member should be ${member.name}`);
        if ((parameter.required ?? false) !== member.required) problems.push(`${name}: required is ${member.required} in the model`);
        problems.push(...shapeProblems(model, doc, member.target, parameter.schema ?? {}, name, 'input'));
        // restJson1 repeats the key for each value of a list in the query: `tagKeys=a&tagKeys=b`.
        if (parameter.schema && doc.schema(parameter.schema).type === 'array' && parameter.explode === false) {
          problems.push(`${name}: a list is sent as repeated parameters (explode)`);
        }
      }
      const bound = fact.input.filter(({ binding }) => binding !== 'body').length;
      if (parameters.length !== bound) problems.push(`${parameters.length} parameters documented, the model binds ${bound}`);

      const body = fact.input.filter(({ binding }) => binding === 'body');
      const requestBody = operation.requestBody && doc.resolve(operation.requestBody);
      if (body.length === 0) {
        if (requestBody !== undefined) problems.push('a request body is documented, the model has no body member');
      } else {
        const schema = requestBody?.content?.[JSON_MEDIA_TYPE]?.schema;
        if (schema === undefined) problems.push('no application/json request body');
        else problems.push(...structureProblems(model, doc, body, schema, 'body', 'input'));
        if ((requestBody?.required ?? false) !== body.some((m) => m.required)) {
          problems.push('the request body is required exactly when the model requires a body member');
        }
      }

      expect(problems).toEqual([]);
    });

    test('answers with every output member, with a compatible type', () => {
      const { operation } = documented(fact.name);
      const success = doc.response(operation, fact.code)!;
      const problems: string[] = [];

      if (fact.output === undefined) {
        if (success.content !== undefined) problems.push('the model output is Unit: no body');
      } else {
        const schema = success.content?.[JSON_MEDIA_TYPE]?.schema;
        const body = fact.output.filter(({ binding }) => binding === 'body');
        if (schema === undefined) problems.push('no application/json body');
        else problems.push(...structureProblems(model, doc, body, schema, 'body', 'output'));
        for (const header of fact.output.filter(({ binding }) => binding === 'header')) {
          if (doc.header(success, header.wireName) === undefined) problems.push(`no ${header.wireName} header`);
        }
      }

      expect(problems).toEqual([]);
    });

    test('documents every error the model lists, at its @httpError status, with its members', () => {
      const { operation } = documented(fact.name);
      const problems: string[] = [];

      for (const error of fact.errors) {
        const response = doc.response(operation, error.status);
        if (response === undefined || !doc.errorTypes(response).includes(error.name)) {
          problems.push(`${error.name}: not documented at ${error.status}`);
          continue;
        }
        const schema = response.content?.[JSON_MEDIA_TYPE]?.schema;
        const body = error.members.filter(({ binding }) => binding === 'body');
        if (schema === undefined) problems.push(`${error.name}: no application/json body`);
        else problems.push(...structureProblems(model, doc, body, schema, error.name, 'output'));
        for (const header of error.members.filter(({ binding }) => binding === 'header')) {
          if (doc.header(response, header.wireName) === undefined) problems.push(`${error.name}: no ${header.wireName} header`);
        }
      }

      expect(problems).toEqual([]);
    });
  });
});

describe('api/openapi.yaml against the implementation', () => {
  test('has exactly the routes of lib/operations.ts, greedy labels written as plain ones', () => {
    const routes = doc.operations().map(({ method, path }) => `${method} ${path}`);
    const implemented = operations.map((op) => `${op.method} ${op.path.replace(/\{(\w+)\+\}/g, '{$1}')}`);

    expect([...routes].sort()).toEqual([...implemented].sort());
  });

  test.each(operations.map((op) => [op.name, op] as const))('gives %s its deployed route key in x-route-key', (name, op) => {
    expect(documented(name).operation['x-route-key']).toBe(routeKey(op));
  });

  test('documents every error type the implementation sends, each at its status in ERROR_STATUS', () => {
    const statuses = new Map<string, Set<number>>();
    for (const located of doc.operations()) {
      for (const { type, status } of documentedErrors(located)) statuses.set(type, (statuses.get(type) ?? new Set()).add(status));
    }
    const byType = Object.fromEntries([...statuses].filter(([type]) => type in ERROR_STATUS).map(([type, s]) => [type, [...s]]));

    expect(byType).toEqual(Object.fromEntries(Object.entries(ERROR_STATUS).map(([type, status]) => [type, [status]])));
  });

  test.each(modeled.map((fact) => [fact.name, fact] as const))(
    'marks in x-not-in-model exactly the errors %s documents that the model lacks, all of them ones the implementation sends',
    (name, fact) => {
      const problems = documentedErrors(documented(name)).flatMap(({ type, notInModel }) => {
        const inModel = fact.errors.some((error) => error.name === type);
        if (inModel === notInModel) return [`${type}: ${inModel ? 'is in the model' : 'is not in the model'}`];
        return !inModel && !(type in ERROR_STATUS) ? [`${type}: not a type the implementation sends`] : [];
      });

      expect(problems).toEqual([]);
    },
  );

  test('shows in its error examples only messages lambda/domain/errors.ts and lib/local/base/refusals.ts produce, under their own type', () => {
    // The same arguments the examples use; the wording comes from the factories.
    const messages: readonly ApiError[] = [
      notFound(),
      unknownResource(),
      limitExceeded(DEFAULT_QUOTA),
      invalidLimit(),
      notAString(true),
      notAString(1),
      invalidPosition(),
      invalidDescription(),
      conflict('9ao60f'),
      missingPatchPath(),
      malformedBody('expected a JSON object'),
      unsupportedPatchOp('/description', 'add'),
      unsupportedPatchPath('/tags', 'replace', ['/description']),
      validationFailed([enumViolation('bogus', 'updateClientCertificateInput.patchOperations.1.member.op', PATCH_OPS)]),
      validationFailed([missingMember('tagResourceInput.tags')]),
      tooManyRequests(),
      serviceUnavailable(),
      internalFailure(),
      missingAuthenticationToken(),
      unrecognizedClient(),
      requestEntityTooLarge(),
    ];
    const problems: string[] = [];
    let checked = 0;

    for (const { operation } of doc.operations()) {
      for (const status of Object.keys(operation.responses).filter((s) => Number(s) >= 400)) {
        const response = doc.response(operation, status)!;
        const types = doc.errorTypes(response);
        for (const [name, example] of Object.entries(response.content?.[JSON_MEDIA_TYPE]?.examples ?? {})) {
          const type = name.split('-')[0]!;
          const message = (example.value as { message?: unknown } | undefined)?.message;
          checked++;
          if (!types.includes(type)) problems.push(`${status} example ${name}: ${type} is not a type of this response`);
          if (!messages.some((error) => error.type === type && error.message === message)) {
            problems.push(`${status} example ${name}: no ${type} is sent with "${String(message)}"`);
          }
        }
      }
    }

    expect(checked).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  describe('documents the representations the handlers render, plain JSON and HAL', () => {
    const certificate = (id: string, description?: string): ClientCertificate => ({
      clientCertificateId: id,
      ...(description === undefined ? {} : { description }),
      pemEncodedCertificate: '-----BEGIN CERTIFICATE-----\r\nMIIC6TC...yQAGEHvs=\r\n-----END CERTIFICATE-----',
      createdDate: 1466029993,
      expirationDate: 1466029993 + VALIDITY_SECONDS,
      tags: { team: 'web' },
    });
    // What each operation's handler returns (lambda/handlers/*.ts), in the cases that change its shape.
    const cases: readonly (readonly [string, string, Representation])[] = [
      [
        'GenerateClientCertificate',
        'a certificate with a description',
        { kind: 'ClientCertificate', certificate: certificate('9ao60f', 'mine'), created: true },
      ],
      [
        'GenerateClientCertificate',
        'a certificate without tags',
        { kind: 'ClientCertificate', certificate: { ...certificate('9ao60f'), tags: {} }, created: true },
      ],
      ['GetClientCertificate', 'a certificate without a description', { kind: 'ClientCertificate', certificate: certificate('9ao60f') }],
      ['UpdateClientCertificate', 'a certificate', { kind: 'ClientCertificate', certificate: certificate('9ao60f', '') }],
      ['GetClientCertificates', 'an empty page', { kind: 'ClientCertificates', items: [], limit: 25 }],
      [
        'GetClientCertificates',
        'one certificate and more to come',
        { kind: 'ClientCertificates', items: [certificate('a00001')], limit: 1, position: 'WyJ2MSIsImEwMDAwMSJd' },
      ],
      [
        'GetClientCertificates',
        'two certificates',
        { kind: 'ClientCertificates', items: [certificate('a00001'), certificate('a00002', 'x')], limit: 25 },
      ],
      [
        'GetClientCertificates',
        'a certificate without tags',
        { kind: 'ClientCertificates', items: [{ ...certificate('a00001'), tags: {} }], limit: 25 },
      ],
      ['GetTags', 'unicode tags', { kind: 'Tags', tags: { équipe: '東京 ２' } }],
      ['GetTags', 'tags', { kind: 'Tags', tags: { team: 'web', stage: 'prod' } }],
    ];

    test.each(cases)('%s: %s', (name, _, representation) => {
      const fact = modeled.find((op) => op.name === name)!;
      const { content } = doc.response(documented(name).operation, fact.code)!;

      expect(conformanceProblems(doc, plain(representation), content?.[JSON_MEDIA_TYPE]?.schema ?? { type: 'null' })).toEqual([]);
      // No HAL form means no HAL media type documented, and the other way round.
      const halBody = hal(representation);
      expect(content?.[HAL_MEDIA_TYPE] === undefined).toBe(halBody === undefined);
      if (halBody !== undefined) expect(conformanceProblems(doc, halBody, content![HAL_MEDIA_TYPE]!.schema!)).toEqual([]);
    });
  });
});
