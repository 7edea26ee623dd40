import type { ClientCertificate } from '@aws-sdk/client-api-gateway';
import { APIGatewayServiceException } from '@aws-sdk/client-api-gateway';

// The clients themselves come from the conformance target (./target.ts), the one place that knows
// where they point and how they sign.

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
export const resource = ({ $metadata: _, ...certificate }: ClientCertificate & { $metadata?: unknown }): ClientCertificate => certificate;
