import { httpApiEvent, lambdaContext } from '../../../../lib/local/functions/lambda-runtime.js';
import { operations } from '../../../../lib/operations.js';

// The payload 2.0 format as the API Gateway developer guide describes it ("Create AWS Lambda proxy
// integrations for HTTP APIs"): cookies apart, repeated headers and query values joined by commas.
const update = operations.find((o) => o.name === 'UpdateClientCertificate')!;
const getTags = operations.find((o) => o.name === 'GetTags')!;

describe('Function: httpApiEvent', () => {
  test('passes a JSON body as text, and a binary one in base64', () => {
    const json = httpApiEvent({ operation: update, headers: { 'content-type': 'application/json' }, body: '{"a":"é"}' });
    const binary = httpApiEvent({
      operation: update,
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0xff, 0x00]),
    });

    expect([json.body, json.isBase64Encoded]).toEqual(['{"a":"é"}', false]);
    expect([binary.body, binary.isBase64Encoded]).toEqual(['/wA=', true]);
    expect(httpApiEvent({ operation: update }).body).toBeUndefined();
  });

  test('joins repeated query values and header values with commas, and lifts cookies out of the headers', () => {
    const event = httpApiEvent({
      operation: getTags,
      rawQueryString: 'tagKeys=a&tagKeys=b%20c',
      headers: { 'x-many': ['1', '2'], cookie: 'a=1; b=2' },
    });

    expect(event.queryStringParameters).toEqual({ tagKeys: 'a,b c' });
    expect(event.headers).toEqual({ 'x-many': '1,2' });
    expect(event.cookies).toEqual(['a=1', 'b=2']);
  });

  test("names the route, and by default puts the path parameters into the route's path, percent-encoded", () => {
    const arn = 'arn:aws:apigateway:us-east-1::/clientcertificates/abc123';
    const event = httpApiEvent({ operation: getTags, pathParameters: { resource_arn: arn }, requestId: 'r-1' });

    expect(event.routeKey).toBe('GET /tags/{resource_arn+}');
    expect(event.rawPath).toBe(`/tags/${encodeURIComponent(arn)}`);
    expect(event.pathParameters).toEqual({ resource_arn: arn });
    expect(event.requestContext).toMatchObject({ requestId: 'r-1', routeKey: event.routeKey, stage: '$default', http: { method: 'GET' } });
  });

  test('adds the IAM authorizer of a signed request, naming its account; none for an unsigned one', () => {
    const signed = httpApiEvent({ operation: update, caller: { accessKey: 'AKID', account: '111122223333' } });
    const unsigned = httpApiEvent({ operation: update, caller: { account: '111122223333' } });

    expect(signed.requestContext).toMatchObject({ authorizer: { iam: { accessKey: 'AKID', accountId: '111122223333' } } });
    expect(unsigned.requestContext).not.toHaveProperty('authorizer');
  });
});

describe('Function: lambdaContext', () => {
  test("names the function in the caller's region and account, and counts down to its deadline", () => {
    const context = lambdaContext(update, 'eu-west-1', 'req-1', Date.now() + 5_000, '111122223333');

    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:eu-west-1:111122223333:function:local-UpdateClientCertificate');
    expect(context.awsRequestId).toBe('req-1');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(4_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(5_000);
    expect(lambdaContext(update, 'eu-west-1', 'req-2', Date.now() - 1).getRemainingTimeInMillis()).toBe(0);
  });
});
