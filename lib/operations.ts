/**
 * The one list of the API's operations: the CDK stack turns each into a Lambda function and an
 * HTTP API route, the local server into a route on its HTTP listener. Both host the same module.
 */
export interface Operation {
  /** The operation's name in the API Gateway model, e.g. `UpdateClientCertificate`. */
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The route path in HTTP API syntax, with `{label}` path parameters (`{label+}`: greedy). */
  readonly path: string;
  /** The handler module under `lambda/handlers/`, without extension; it exports `handler`. */
  readonly module: string;
  /** The only DynamoDB actions the handler performs on the certificate table. */
  readonly tableActions: readonly string[];
  /**
   * The function's memory in MB, where it differs from FUNCTION_DEFAULTS.
   *
   * @default FUNCTION_DEFAULTS.memorySize
   */
  readonly memorySize?: number;
}

const CERTIFICATE = '/clientcertificates/{clientcertificate_id}';
// Greedy, so the ARN matches whether its slashes arrive percent-encoded (as the SDK sends them) or not.
const TAGS = '/tags/{resource_arn+}';

export const operations: readonly Operation[] = [
  {
    name: 'GenerateClientCertificate',
    method: 'POST',
    path: '/clientcertificates',
    module: 'generate-client-certificate',
    // Reads the quota slots, claims one, stores the certificate; frees the slot if that fails.
    // Reads back a Put whose condition failed, to tell its own landed retry from a taken id.
    tableActions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
    // One full vCPU (Lambda gives CPU in proportion to memory, a whole one at 1769 MB): creating the
    // certificate took 50-60 ms of CPU at the median and up to 220 ms at p99 (bench/key-generation.ts),
    // three and a half times that at 512 MB. It runs on one thread, so more memory would buy nothing.
    memorySize: 1769,
  },
  {
    name: 'GetClientCertificate',
    method: 'GET',
    path: CERTIFICATE,
    module: 'get-client-certificate',
    tableActions: ['dynamodb:GetItem'],
  },
  {
    name: 'GetClientCertificates',
    method: 'GET',
    path: '/clientcertificates',
    module: 'get-client-certificates',
    // A Query of the caller's namespace: never a Scan of the table.
    tableActions: ['dynamodb:Query'],
  },
  {
    name: 'UpdateClientCertificate',
    method: 'PATCH',
    path: CERTIFICATE,
    module: 'update-client-certificate',
    tableActions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  },
  {
    name: 'DeleteClientCertificate',
    method: 'DELETE',
    path: CERTIFICATE,
    module: 'delete-client-certificate',
    // Deletes the certificate, then frees its quota slot. Reads it back when a delete's outcome is
    // unknown (no answer, or a 5xx), to tell a delete that landed from one that did not.
    tableActions: ['dynamodb:DeleteItem', 'dynamodb:GetItem'],
  },
  {
    name: 'TagResource',
    method: 'PUT',
    path: TAGS,
    module: 'tag-resource',
    tableActions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  },
  {
    name: 'UntagResource',
    method: 'DELETE',
    path: TAGS,
    module: 'untag-resource',
    tableActions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  },
  {
    name: 'GetTags',
    method: 'GET',
    path: TAGS,
    module: 'get-tags',
    tableActions: ['dynamodb:GetItem'],
  },
];

/** What every operation's function is given on AWS; the local service gives its invocations the same. */
export const FUNCTION_DEFAULTS = { memorySize: 512, timeoutSeconds: 10 } as const;

/** `METHOD /path`, the form HTTP API uses for route keys. */
export const routeKey = (op: Operation): string => `${op.method} ${op.path}`;
