import type { MemberFact, ShapeId, SmithyModel } from '../support/smithy.js';
import type { OpenApiDocument, Schema } from './openapi-document.js';

/**
 * Whether a documented JSON Schema carries a Smithy shape the way restJson1 puts it in a JSON body:
 * the problems found, none when it does. Timestamps are epoch-seconds numbers there (the protocol's
 * default `timestampFormat`), enums strings with the same values, maps objects of their value type,
 * structures objects with exactly the members' JSON names. Requiredness is compared for input only:
 * AWS models mark no output member required, so documenting what a response always has adds facts
 * rather than contradicting them.
 */
export const shapeProblems = (
  model: SmithyModel,
  doc: OpenApiDocument,
  target: ShapeId,
  node: Schema,
  at: string,
  direction: 'input' | 'output',
): string[] => {
  const shape = model.shape(target);
  const schema = doc.schema(node);
  const typed = (type: string): string[] =>
    schema.type === type ? [] : [`${at}: ${target} (${shape.type}) is ${type} on the wire, documented as ${schema.type ?? 'untyped'}`];
  switch (shape.type) {
    case 'string':
    case 'blob':
      return typed('string');
    case 'enum': {
      const modeled = Object.values(shape.members ?? {}).map((m) => String(m.traits?.['smithy.api#enumValue']));
      const documented = (schema.enum ?? []).map(String);
      const same = modeled.length === documented.length && modeled.every((v) => documented.includes(v));
      return [...typed('string'), ...(same ? [] : [`${at}: enum ${documented.join(', ')}, model has ${modeled.join(', ')}`])];
    }
    case 'timestamp':
      return typed('number');
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
    case 'biginteger':
      return typed('integer');
    case 'float':
    case 'double':
    case 'bigdecimal':
      return typed('number');
    case 'boolean':
      return typed('boolean');
    case 'list':
      return [
        ...typed('array'),
        ...(schema.items === undefined
          ? [`${at}: list without items`]
          : shapeProblems(model, doc, shape.member!.target, schema.items, `${at}[]`, direction)),
      ];
    case 'map': {
      const values = schema.additionalProperties;
      return [
        ...typed('object'),
        ...(typeof values === 'object'
          ? shapeProblems(model, doc, shape.value!.target, values, `${at}{}`, direction)
          : [`${at}: a map needs additionalProperties with the value's schema`]),
      ];
    }
    case 'structure':
      return structureProblems(
        model,
        doc,
        model.members(target, direction).filter((m) => m.binding === 'body'),
        schema,
        at,
        direction,
      );
    default:
      return [`${at}: ${target} is a ${shape.type}, which this check does not know`];
  }
};

/** An object schema against a structure's body members: the same JSON names, each compatible. */
export const structureProblems = (
  model: SmithyModel,
  doc: OpenApiDocument,
  members: readonly MemberFact[],
  node: Schema,
  at: string,
  direction: 'input' | 'output',
): string[] => {
  const schema = doc.schema(node);
  if (schema.type !== 'object') return [`${at}: a structure is an object, documented as ${schema.type ?? 'untyped'}`];
  const documented = Object.keys(schema.properties ?? {});
  const problems = [
    ...members.filter((m) => !documented.includes(m.wireName)).map((m) => `${at}: member ${m.wireName} is not documented`),
    ...documented.filter((name) => !members.some((m) => m.wireName === name)).map((name) => `${at}: ${name} is not in the model`),
    ...members.flatMap((m) => {
      const property = schema.properties?.[m.wireName];
      return property === undefined ? [] : shapeProblems(model, doc, m.target, property, `${at}.${m.wireName}`, direction);
    }),
  ];
  if (direction === 'input') {
    const required = new Set(schema.required ?? []);
    for (const m of members) {
      if (m.required !== required.has(m.wireName)) problems.push(`${at}.${m.wireName}: required is ${m.required} in the model`);
    }
  }
  return problems;
};

/**
 * Whether a value conforms to a documented schema: the problems found. Covers the keywords the
 * document uses; an object with `properties` and no `additionalProperties` is taken as closed,
 * so a member the code sends but the document leaves out is a problem.
 */
export const conformanceProblems = (doc: OpenApiDocument, value: unknown, node: Schema, at = '$'): string[] => {
  const schema = doc.schema(node);
  if (schema.oneOf !== undefined) {
    const passing = schema.oneOf.filter((branch) => conformanceProblems(doc, value, branch, at).length === 0).length;
    return passing === 1 ? [] : [`${at}: matches ${passing} of the oneOf branches, not exactly one`];
  }
  if ('const' in schema && value !== schema.const) return [`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`];
  if (schema.enum !== undefined && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of the enum`];
  if (schema.type !== undefined && jsonType(value, schema.type) !== schema.type) {
    return [`${at}: ${jsonType(value, schema.type)}, documented as ${schema.type}`];
  }
  if (typeof value === 'string') {
    const tooLong = schema.maxLength !== undefined && value.length > schema.maxLength;
    const unmatched = schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value);
    return [
      ...(tooLong ? [`${at}: longer than ${schema.maxLength}`] : []),
      ...(unmatched ? [`${at}: does not match ${schema.pattern}`] : []),
    ];
  }
  if (Array.isArray(value)) {
    return [
      ...(schema.minItems !== undefined && value.length < schema.minItems ? [`${at}: fewer than ${schema.minItems} items`] : []),
      ...(schema.items === undefined ? [] : value.flatMap((item, i) => conformanceProblems(doc, item, schema.items!, `${at}[${i}]`))),
    ];
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    const properties = schema.properties ?? {};
    const extra = schema.additionalProperties ?? schema.properties === undefined;
    return [
      ...(schema.required ?? []).filter((name) => !(name in value)).map((name) => `${at}: ${name} is missing`),
      ...entries.flatMap(([name, member]) => {
        const where = `${at}.${name}`;
        const nameProblems =
          schema.propertyNames === undefined ? [] : conformanceProblems(doc, name, schema.propertyNames, `${where} (name)`);
        if (name in properties) return [...nameProblems, ...conformanceProblems(doc, member, properties[name]!, where)];
        if (extra === false) return [`${where}: not documented`];
        return [...nameProblems, ...(extra === true ? [] : conformanceProblems(doc, member, extra, where))];
      }),
    ];
  }
  return [];
};

const jsonType = (value: unknown, expected: string): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return expected === 'integer' && Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
};
