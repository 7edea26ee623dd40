import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';

/** The parts of an OpenAPI 3.1 document the tests read; anything may be a local `$ref` instead. */

export interface Schema {
  readonly $ref?: string;
  readonly type?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly additionalProperties?: Schema | boolean;
  readonly propertyNames?: Schema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly allOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly pattern?: string;
  readonly minItems?: number;
  readonly maxLength?: number;
}

export interface Parameter {
  readonly $ref?: string;
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly explode?: boolean;
  readonly schema?: Schema;
  /** The model's member this parameter binds, where its name differs on the wire or in the path. */
  readonly 'x-smithy-member'?: string;
}

export interface Header {
  readonly $ref?: string;
  readonly required?: boolean;
  readonly schema?: Schema;
}

export interface MediaType {
  readonly schema?: Schema;
  readonly examples?: Readonly<Record<string, { readonly value?: unknown }>>;
}

export interface Response {
  readonly $ref?: string;
  readonly headers?: Readonly<Record<string, Header>>;
  readonly content?: Readonly<Record<string, MediaType>>;
  /** Error types this response documents that API Gateway's model does not have for the operation. */
  readonly 'x-not-in-model'?: readonly string[];
}

export interface RequestBody {
  readonly $ref?: string;
  readonly required?: boolean;
  readonly content?: Readonly<Record<string, MediaType>>;
}

export interface OperationObject {
  readonly operationId?: string;
  /** The HTTP API route key the operation is deployed as (greedy labels included). */
  readonly 'x-route-key'?: string;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: RequestBody;
  readonly responses: Readonly<Record<string, Response>>;
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type PathItem = { readonly parameters?: readonly Parameter[] } & Partial<Record<(typeof METHODS)[number], OperationObject>>;

export interface OpenApi {
  readonly openapi: string;
  readonly info: { readonly version: string };
  readonly paths: Readonly<Record<string, PathItem>>;
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly components: {
    readonly securitySchemes?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  };
}

/** One operation with where it lives and every parameter that applies to it, references resolved. */
export interface LocatedOperation {
  readonly path: string;
  /** Upper case, as `lib/operations.ts` and Smithy write it. */
  readonly method: string;
  readonly operation: OperationObject;
  readonly parameters: readonly Parameter[];
}

export class OpenApiDocument {
  readonly root: OpenApi;

  constructor(path: string) {
    this.root = load(readFileSync(path, 'utf8')) as OpenApi;
  }

  /** Follows local `$ref`s (`#/components/...`) until it reaches the node itself. */
  resolve<T extends { readonly $ref?: string }>(node: T): T {
    let current: T = node;
    for (let hops = 0; current.$ref !== undefined; hops++) {
      if (hops > 20 || !current.$ref.startsWith('#/')) throw new Error(`cannot resolve ${current.$ref}`);
      const target = current.$ref
        .slice(2)
        .split('/')
        .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
        .reduce<unknown>((at, token) => (at as Record<string, unknown> | undefined)?.[token], this.root);
      if (target === undefined) throw new Error(`dangling reference ${current.$ref}`);
      current = target as T;
    }
    return current;
  }

  /** A schema with its references resolved and any `allOf` merged into one object schema. */
  schema(node: Schema): Schema {
    const schema = this.resolve(node);
    if (schema.allOf === undefined) return schema;
    const { allOf, ...own } = schema;
    let merged: Schema = own;
    for (const part of allOf.map((each) => this.schema(each))) {
      merged = {
        ...merged,
        ...part,
        properties: { ...merged.properties, ...part.properties },
        required: [...(merged.required ?? []), ...(part.required ?? [])],
      };
    }
    return merged;
  }

  operations(): LocatedOperation[] {
    return Object.entries(this.root.paths).flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const operation = item[method];
        if (operation === undefined) return [];
        // An operation's own parameter overrides the path item's of the same name and location.
        const own = (operation.parameters ?? []).map((p) => this.resolve(p));
        const shared = (item.parameters ?? [])
          .map((p) => this.resolve(p))
          .filter((p) => !own.some((o) => o.name === p.name && o.in === p.in));
        return [{ path, method: method.toUpperCase(), operation, parameters: [...shared, ...own] }];
      }),
    );
  }

  operation(operationId: string): LocatedOperation | undefined {
    return this.operations().find(({ operation }) => operation.operationId === operationId);
  }

  response(operation: OperationObject, status: number | string): Response | undefined {
    const response = operation.responses[String(status)];
    return response === undefined ? undefined : this.resolve(response);
  }

  header(response: Response, name: string): Header | undefined {
    const entry = Object.entries(response.headers ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase());
    return entry === undefined ? undefined : this.resolve(entry[1]);
  }

  /** The error types a response documents: the values its `x-amzn-ErrorType` header may take. */
  errorTypes(response: Response): string[] {
    const header = this.header(response, 'x-amzn-ErrorType');
    const schema = header?.schema === undefined ? undefined : this.schema(header.schema);
    return [...(schema?.enum ?? []), ...(schema?.const === undefined ? [] : [schema.const])].map(String);
  }
}
