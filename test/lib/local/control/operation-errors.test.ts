import { MODELED_ERRORS } from '../../../../lib/local/control/operation-errors.js';
import { operations } from '../../../../lib/operations.js';
import { SmithyModel } from '../../../support/smithy.js';

const model = new SmithyModel('test/fixtures/apigateway-clientcertificate.smithy.json');

describe('MODELED_ERRORS', () => {
  it.each(model.operations().map((operation) => [operation.name, operation.errors.map((error) => error.name)] as const))(
    'lists for %s exactly the errors the Smithy model does',
    (name, errors) => {
      expect([...(MODELED_ERRORS[name] ?? [])].sort()).toEqual([...errors].sort());
    },
  );

  it('has an entry for every operation the service routes, and no other', () => {
    expect(Object.keys(MODELED_ERRORS).sort()).toEqual(operations.map((operation) => operation.name).sort());
  });
});
