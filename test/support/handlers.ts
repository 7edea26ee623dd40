import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpResponse } from '../../lambda/http/responses.js';
import type { ClientCertificateStore } from '../../lambda/store/client-certificate-store.js';
import { httpApiEvent, lambdaContext } from '../../lib/local/functions/lambda-runtime.js';
import { operations } from '../../lib/operations.js';

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<HttpResponse>;

/** Invokes a handler as Lambda would for an HTTP API request to `operationName`. */
export const invoke = async (
  handler: Handler,
  operationName: string,
  { id, arn, query = '', body }: { id?: string; arn?: string; query?: string; body?: unknown } = {},
): Promise<{ statusCode: number; headers: Record<string, string>; json: Record<string, unknown> }> => {
  const operation = operations.find((o) => o.name === operationName)!;
  const event = httpApiEvent({
    operation,
    pathParameters: { ...(id === undefined ? {} : { clientcertificate_id: id }), ...(arn === undefined ? {} : { resource_arn: arn }) },
    rawQueryString: query,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const response = await handler(event, lambdaContext(operation, 'us-east-1'));
  return { statusCode: response.statusCode, headers: response.headers, json: response.body ? JSON.parse(response.body) : {} };
};

/** Records the name of every DynamoDB command the client sends, to count store work (in `sent`, which several clients may share). */
export const recordCommands = (client: DynamoDBDocumentClient, sent: string[] = []): string[] => {
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return sent;
};

/** `store`, with some of its methods replaced: to make something happen between a handler's calls. */
export const overriding = (store: ClientCertificateStore, overrides: Partial<ClientCertificateStore>): ClientCertificateStore => ({
  create: (certificate) => store.create(certificate),
  load: (id) => store.load(id),
  saveIfVersion: (certificate, version) => store.saveIfVersion(certificate, version),
  delete: (id) => store.delete(id),
  list: (page) => store.list(page),
  ...overrides,
});
