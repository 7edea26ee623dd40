import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { ApiError, notFound } from '../../../lambda/domain/errors.js';
import { DeadlineExceededError } from '../../../lambda/store/deadline.js';
import { asStoreError, notApplied, StoreRejected } from '../../../lambda/store/errors.js';

/** A DynamoDB service error as the SDK throws it: its name, and the HTTP status it came with. */
const serviceError = (name: string, httpStatusCode: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } });

describe('Function: asStoreError', () => {
  test.each([
    [
      'throttling',
      'TooManyRequestsException',
      new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }),
    ],
    ['ThrottlingException', 'TooManyRequestsException', serviceError('ThrottlingException', 400)],
    ['a 5xx', 'ServiceUnavailableException', serviceError('InternalServerError', 500)],
    ['no answer (a dropped connection)', 'ServiceUnavailableException', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['the answer deadline', 'ServiceUnavailableException', new DeadlineExceededError('no time left')],
  ])('answers %s as %s', (_, type, error) => {
    const answered = asStoreError(error);

    expect(answered).toBeInstanceOf(ApiError);
    expect(answered).toMatchObject({ type, cause: error });
    expect(answered).not.toBeInstanceOf(StoreRejected);
  });

  test('answers a refusal of a request this service built (access denied) as 503, counted apart as StoreRejected', () => {
    const denied = serviceError('AccessDeniedException', 400);
    const answered = asStoreError(denied);

    expect(answered).toBeInstanceOf(StoreRejected);
    expect(answered).toMatchObject({ type: 'ServiceUnavailableException', message: 'Service Unavailable', cause: denied });
  });

  test("leaves the API's own errors and a failed condition for the caller to decide on", () => {
    const [missing, failed] = [notFound(), conditionFailed()];

    expect(asStoreError(missing)).toBe(missing);
    expect(asStoreError(failed)).toBe(failed);
  });
});

describe('Function: notApplied', () => {
  test('a refused write, or one never sent, changed nothing; one without an answer, or answered 5xx, may have', () => {
    expect(notApplied(conditionFailed())).toBe(true);
    expect(notApplied(serviceError('ValidationException', 400))).toBe(true);
    expect(notApplied(new DeadlineExceededError('no time left'))).toBe(true);
    expect(notApplied(serviceError('InternalServerError', 500))).toBe(false);
    expect(notApplied(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(false);
  });
});
