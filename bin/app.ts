import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ClientCertificateStack } from '../lib/client-certificate-stack.js';
import { numberFromContext } from '../lib/context.js';

const app = new App();

// Context comes as strings from `-c key=value` and as JSON values from cdk.json: accept both.
const numberContext = (key: string, kind: 'whole' | 'decimal'): number | undefined =>
  numberFromContext(key, app.node.tryGetContext(key), kind);

const choiceContext = <T extends string>(key: string, choices: readonly T[], fallback: T): T => {
  const value: unknown = app.node.tryGetContext(key) ?? fallback;
  if (!choices.includes(value as T)) {
    const got = JSON.stringify(value);
    throw new Error(`context ${key} must be one of ${choices.join(', ')}, got ${got}`);
  }
  return value as T;
};

new ClientCertificateStack(app, 'ClientCertificateApi', {
  description: 'Amazon API Gateway ClientCertificate API on HTTP API, Lambda and DynamoDB',
  iamAuthorization: choiceContext('auth', ['iam', 'none'], 'iam') === 'iam',
  throttleRateLimit: numberContext('throttleRate', 'decimal'),
  throttleBurstLimit: numberContext('throttleBurst', 'whole'),
  clientCertificateQuota: numberContext('quota', 'whole'),
  removalPolicy:
    choiceContext('removalPolicy', ['retain', 'destroy'], 'retain') === 'destroy'
      ? RemovalPolicy.DESTROY
      : RemovalPolicy.RETAIN,
});

// cdk-nag 3 is a policy-validation plugin: a finding the stack does not acknowledge fails synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
