/**
 * The one list of the API's operations: the CDK stack turns each into a Lambda function and an
 * HTTP API route, the local server into a route on its HTTP listener. Both host the same module.
 */
export interface Operation {
  /** The operation's name in the API Gateway model, e.g. `UpdateClientCertificate`. */
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The route path in HTTP API syntax, with `{label}` path parameters. */
  readonly path: string;
  /** The handler module under `lambda/handlers/`, without extension; it exports `handler`. */
  readonly module: string;
  /** The only DynamoDB actions the handler performs on the certificate table. */
  readonly tableActions: readonly string[];
}

export const operations: readonly Operation[] = [
  {
    name: 'GenerateClientCertificate',
    method: 'POST',
    path: '/clientcertificates',
    module: 'generate-client-certificate',
    tableActions: ['dynamodb:PutItem'],
  },
  {
    name: 'GetClientCertificate',
    method: 'GET',
    path: '/clientcertificates/{clientcertificate_id}',
    module: 'get-client-certificate',
    tableActions: ['dynamodb:GetItem'],
  },
  {
    name: 'UpdateClientCertificate',
    method: 'PATCH',
    path: '/clientcertificates/{clientcertificate_id}',
    module: 'update-client-certificate',
    tableActions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
  },
];

/** `METHOD /path`, the form HTTP API uses for route keys. */
export const routeKey = (op: Operation): string => `${op.method} ${op.path}`;
