import type { APIGatewayClient, ClientCertificate } from '@aws-sdk/client-api-gateway';
import { APIGatewayServiceException, GetTagsCommand, paginateGetClientCertificates } from '@aws-sdk/client-api-gateway';
import { certificateArn } from './target.js';

// The clients themselves come from the conformance target (./target.ts), the one place that knows
// where they point and how they sign.

/** The error a call fails with; fails the test if the call succeeds. */
export const failureOf = async (call: Promise<unknown>): Promise<APIGatewayServiceException> => {
  try {
    await call;
  } catch (error) {
    // Named in the failure: a bare "received Error" said nothing of what went wrong (a refusal, a reset).
    if (!(error instanceof APIGatewayServiceException)) {
      const { name, message, $metadata } = error as { name?: string; message?: string; $metadata?: unknown };
      throw new Error(`expected the API's error, got ${name}: ${message} ${JSON.stringify($metadata ?? {})}`, { cause: error });
    }
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
};

/** The resource without the SDK's response metadata, for comparing two answers. */
export const resource = ({ $metadata: _, ...certificate }: ClientCertificate & { $metadata?: unknown }): ClientCertificate => certificate;

/** The tags of certificate `id`, as GetTags answers them. */
export const tagsOf = async (client: APIGatewayClient, id: string) =>
  (await client.send(new GetTagsCommand({ resourceArn: certificateArn(id) }))).tags;

/** Every id a full walk with the SDK paginator returns, in order, duplicates kept. */
export const listedIds = async (client: APIGatewayClient, pageSize = 100): Promise<string[]> => {
  const ids: string[] = [];
  for await (const page of paginateGetClientCertificates({ client, pageSize }, {})) {
    ids.push(...(page.items ?? []).map((c) => c.clientCertificateId!));
  }
  return ids;
};

/** How many times `id` is in `ids`. */
export const occurrences = (ids: readonly string[], id: string): number => ids.filter((x) => x === id).length;

/** The HTTP status a call through the SDK came to, a failure's included (0 when none came back). */
export const statusOf = async (call: Promise<{ $metadata: { httpStatusCode?: number } }>): Promise<number> => {
  try {
    return (await call).$metadata.httpStatusCode ?? 0;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  }
};
