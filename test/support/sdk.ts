import type { APIGatewayClientConfig, ClientCertificate } from '@aws-sdk/client-api-gateway';
import { APIGatewayClient, APIGatewayServiceException } from '@aws-sdk/client-api-gateway';

export const REGION = 'us-east-1';

/**
 * The real `@aws-sdk/client-api-gateway` client pointed at `endpoint`. It retries nothing: retries
 * would hide what the service answered first (429, 5xx) and, for a 409, the race itself.
 */
export const apiGatewayClient = (endpoint: string, config: Partial<APIGatewayClientConfig> = {}): APIGatewayClient =>
  new APIGatewayClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    ...config,
  });

/** The error a call fails with; fails the test if the call succeeds. */
export const failureOf = async (call: Promise<unknown>): Promise<APIGatewayServiceException> => {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(APIGatewayServiceException);
    return error as APIGatewayServiceException;
  }
  throw new Error('expected the call to fail, but it succeeded');
};

/** The resource without the SDK's response metadata, for comparing two answers. */
export const resource = ({ $metadata: _, ...certificate }: ClientCertificate & { $metadata?: unknown }): ClientCertificate =>
  certificate;
