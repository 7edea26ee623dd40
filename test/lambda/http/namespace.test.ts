import type { Context } from 'aws-lambda';
import { namespaceOf } from '../../../lambda/http/namespace.js';
import { httpApiEvent } from '../../../lib/local/functions/lambda-runtime.js';
import { operations } from '../../../lib/operations.js';

const context = { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f' } as Context;
const operation = operations[0]!;

describe('the namespace a request works in', () => {
  test('with IAM authorization: the account that signed, in the function region', () => {
    const signed = httpApiEvent({ operation, caller: { accessKey: 'AKID', account: '111122223333' } });

    expect(namespaceOf(signed, context)).toEqual({ account: '111122223333', region: 'eu-west-1' });
  });

  test("without an authorizer (auth=none): the function's own account, in its region", () => {
    expect(namespaceOf(httpApiEvent({ operation }), context)).toEqual({ account: '123456789012', region: 'eu-west-1' });
  });
});
