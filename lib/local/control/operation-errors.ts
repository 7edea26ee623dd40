import type { ErrorType } from '../../../lambda/domain/errors.js';

/**
 * The errors the API Gateway Smithy model lists for each operation (`errors` of each operation
 * shape in api-gateway-2015-07-09.json; test/lib/local/control/operation-errors.test.ts checks this copy
 * against test/fixtures/apigateway-clientcertificate.smithy.json).
 */
export const MODELED_ERRORS: Readonly<Record<string, readonly ErrorType[]>> = {
  GenerateClientCertificate: [
    'BadRequestException',
    'ConflictException',
    'LimitExceededException',
    'TooManyRequestsException',
    'UnauthorizedException',
  ],
  GetClientCertificate: ['BadRequestException', 'NotFoundException', 'TooManyRequestsException', 'UnauthorizedException'],
  GetClientCertificates: ['BadRequestException', 'NotFoundException', 'TooManyRequestsException', 'UnauthorizedException'],
  UpdateClientCertificate: [
    'BadRequestException',
    'ConflictException',
    'LimitExceededException',
    'NotFoundException',
    'TooManyRequestsException',
    'UnauthorizedException',
  ],
  DeleteClientCertificate: [
    'BadRequestException',
    'ConflictException',
    'NotFoundException',
    'TooManyRequestsException',
    'UnauthorizedException',
  ],
  TagResource: [
    'BadRequestException',
    'ConflictException',
    'LimitExceededException',
    'NotFoundException',
    'TooManyRequestsException',
    'UnauthorizedException',
  ],
  UntagResource: [
    'BadRequestException',
    'ConflictException',
    'LimitExceededException',
    'NotFoundException',
    'TooManyRequestsException',
    'UnauthorizedException',
  ],
  GetTags: ['BadRequestException', 'NotFoundException', 'TooManyRequestsException', 'UnauthorizedException'],
};

/**
 * Errors the model lists for no operation but AWS's front end answers any request with, and this
 * service does too (503 when the store is unreachable; 500 InternalFailure): a client's retry
 * logic has to face them all the same.
 */
export const SERVICE_ERRORS: readonly ErrorType[] = ['ServiceUnavailableException', 'InternalFailure'];

/** Every error `operation` can answer, or `undefined` for an operation the API does not have. */
export const errorsOf = (operation: string): readonly ErrorType[] | undefined =>
  Object.hasOwn(MODELED_ERRORS, operation) ? [...MODELED_ERRORS[operation]!, ...SERVICE_ERRORS] : undefined;
