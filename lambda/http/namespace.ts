import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Namespace } from '../domain/namespace.js';

/** The part of the payload 2.0 request context an IAM-authorized route adds: who signed. */
interface IamAuthorized {
  readonly authorizer?: { readonly iam?: { readonly accountId?: string } };
}

/**
 * The caller's namespace. The account is the signer's, which HTTP API puts in the request context
 * of an IAM-authorized route; with no authorizer (`auth=none`), the function's own, as API Gateway
 * keeps a stack's certificates in its own account. The region is the function's: a request signed
 * for another region never reaches it on AWS. Both are read from the invoked function's ARN, which
 * the local stand-in gives the region and default account of each request, as LocalStack's
 * per-region functions would.
 */
export const namespaceOf = (event: APIGatewayProxyEventV2, context: Context): Namespace => {
  const [, , , region = '', functionAccount = ''] = (context.invokedFunctionArn ?? '').split(':');
  const signer = (event.requestContext as IamAuthorized | undefined)?.authorizer?.iam?.accountId;
  return { account: signer ?? functionAccount, region };
};
