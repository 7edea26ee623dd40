import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { namespaceOf } from '../../../lambda/http/namespace.js';

const context = { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f' } as Context;
const event = (requestContext: object) => ({ requestContext }) as unknown as APIGatewayProxyEventV2;

describe('the namespace a request works in', () => {
  test('with IAM authorization: the account that signed, in the function region', () => {
    const signed = event({ authorizer: { iam: { accessKey: 'AKID', accountId: '111122223333' } } });

    expect(namespaceOf(signed, context)).toEqual({ account: '111122223333', region: 'eu-west-1' });
  });

  test("without an authorizer (auth=none): the function's own account, in its region", () => {
    expect(namespaceOf(event({ requestId: 'r' }), context)).toEqual({ account: '123456789012', region: 'eu-west-1' });
  });
});
