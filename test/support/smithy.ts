import { readFileSync } from 'node:fs';

/**
 * Facts read from a Smithy JSON AST (https://smithy.io/2.0/spec/json-ast.html): the operations,
 * their HTTP bindings and errors, and the shapes their members target. Only what restJson1 puts
 * on the wire is read; documentation and endpoint rules are not.
 */

export type ShapeId = string;

interface MemberNode {
  readonly target: ShapeId;
  readonly traits?: Readonly<Record<string, unknown>>;
}

export interface ShapeNode {
  readonly type: string;
  readonly members?: Readonly<Record<string, MemberNode>>;
  /** Lists: the member shape. */
  readonly member?: MemberNode;
  /** Maps: the key and value shapes. */
  readonly key?: MemberNode;
  readonly value?: MemberNode;
  readonly input?: { readonly target: ShapeId };
  readonly output?: { readonly target: ShapeId };
  readonly errors?: readonly { readonly target: ShapeId }[];
  readonly version?: string;
  readonly traits?: Readonly<Record<string, unknown>>;
}

interface SmithyAst {
  readonly smithy: string;
  readonly service?: Readonly<Record<ShapeId, ShapeNode>>;
  readonly shapes: Readonly<Record<ShapeId, ShapeNode>>;
}

/** Where restJson1 puts a member: https://smithy.io/2.0/spec/http-bindings.html */
export type Binding = 'label' | 'query' | 'header' | 'body';

export interface MemberFact {
  /** The member's name in the model (and in the AWS SDKs). */
  readonly name: string;
  readonly binding: Binding;
  /** The name on the wire: the query or header name, or the JSON key (`@jsonName`, else the member name). */
  readonly wireName: string;
  readonly required: boolean;
  readonly target: ShapeId;
}

export interface ErrorFact {
  /** The error's shape name: what `x-amzn-ErrorType` carries. */
  readonly name: string;
  /** From `@httpError`. */
  readonly status: number;
  readonly members: readonly MemberFact[];
}

export interface OperationFact {
  readonly name: string;
  readonly method: string;
  /** The `@http` URI, e.g. `/clientcertificates/{clientCertificateId}`. */
  readonly uri: string;
  /** The success status, from `@http`'s `code`. */
  readonly code: number;
  readonly input: readonly MemberFact[];
  /** `undefined` when the output is `smithy.api#Unit`: no body at all. */
  readonly output: readonly MemberFact[] | undefined;
  readonly errors: readonly ErrorFact[];
}

const UNIT = 'smithy.api#Unit';

/** Smithy's prelude simple shapes, e.g. `smithy.api#String`, stand for their own type. */
const PRELUDE = /^smithy\.api#(Blob|Boolean|String|Byte|Short|Integer|Long|Float|Double|BigInteger|BigDecimal|Timestamp|Document)$/;

export class SmithyModel {
  private readonly ast: SmithyAst;

  constructor(path: string) {
    this.ast = JSON.parse(readFileSync(path, 'utf8')) as SmithyAst;
  }

  shape(id: ShapeId): ShapeNode {
    const prelude = PRELUDE.exec(id);
    if (prelude) return { type: prelude[1]!.toLowerCase() };
    const shape = this.ast.shapes[id];
    if (shape === undefined) throw new Error(`shape ${id} is not in the model`);
    return shape;
  }

  /**
   * The one service shape, with its traits (`aws.auth#sigv4`, the protocol) and version. The
   * subset keeps it apart from the shapes, under `service`, without its `type` and operations.
   */
  service(): { readonly id: ShapeId; readonly node: ShapeNode } {
    const services = [
      ...Object.entries(this.ast.service ?? {}),
      ...Object.entries(this.ast.shapes).filter(([, node]) => node.type === 'service'),
    ];
    if (services.length !== 1) throw new Error(`expected one service shape, found ${services.length}`);
    const [id, node] = services[0]!;
    return { id, node };
  }

  operations(): OperationFact[] {
    return Object.entries(this.ast.shapes)
      .filter(([, shape]) => shape.type === 'operation')
      .map(([id, shape]) => this.operation(id, shape));
  }

  private operation(id: ShapeId, shape: ShapeNode): OperationFact {
    const http = shape.traits?.['smithy.api#http'] as { method: string; uri: string; code?: number } | undefined;
    if (http === undefined) throw new Error(`${id} has no @http trait`);
    const output = shape.output?.target ?? UNIT;
    return {
      name: localName(id),
      method: http.method,
      uri: http.uri,
      code: http.code ?? 200,
      input: this.members(shape.input?.target ?? UNIT, 'input'),
      output: output === UNIT ? undefined : this.members(output, 'output'),
      errors: (shape.errors ?? []).map(({ target }) => {
        const status = this.shape(target).traits?.['smithy.api#httpError'];
        if (typeof status !== 'number') throw new Error(`${target} has no @httpError`);
        return { name: localName(target), status, members: this.members(target, 'output') };
      }),
    };
  }

  /**
   * The members of an input, output or error structure with their bindings. `@httpLabel` and
   * `@httpQuery` bind only in input: the model's ClientCertificates output marks `position` with
   * `@httpQuery`, which restJson1 ignores there, so it is a body member.
   */
  members(id: ShapeId, direction: 'input' | 'output'): MemberFact[] {
    if (id === UNIT) return [];
    return Object.entries(this.shape(id).members ?? {}).map(([name, member]) => {
      const traits = member.traits ?? {};
      const query = traits['smithy.api#httpQuery'];
      const header = traits['smithy.api#httpHeader'];
      const common = { name, required: 'smithy.api#required' in traits, target: member.target };
      if (direction === 'input' && 'smithy.api#httpLabel' in traits) return { ...common, binding: 'label', wireName: name };
      if (direction === 'input' && typeof query === 'string') return { ...common, binding: 'query', wireName: query };
      if (typeof header === 'string') return { ...common, binding: 'header', wireName: header };
      const jsonName = traits['smithy.api#jsonName'];
      return { ...common, binding: 'body', wireName: typeof jsonName === 'string' ? jsonName : name };
    });
  }
}

export const localName = (id: ShapeId): string => id.slice(id.indexOf('#') + 1);

/** The `{label}`s of an `@http` URI (or an OpenAPI path), in order, without a greedy `+`. */
export const uriLabels = (uri: string): string[] => [...uri.matchAll(/\{([^}]+?)\+?\}/g)].map((m) => m[1]!);

/** A URI with its labels blanked, so `/a/{x}` and `/a/{y+}` compare equal; any literal query dropped. */
export const uriShape = (uri: string): string => uri.split('?')[0]!.replace(/\{[^}]+\}/g, '{}');
