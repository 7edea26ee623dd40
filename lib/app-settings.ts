import { RemovalPolicy } from 'aws-cdk-lib';
import { LambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import type { Construct } from 'constructs';
import type { ClientCertificateStackProps } from './client-certificate-stack.js';

/**
 * The gradual rollouts `-c rollout=` names. Each lasts longer than the 15 minutes the latency alarms
 * need to fire (3 periods of 5), so a slow new version is rolled back before it takes all the traffic.
 */
export const ROLLOUTS = {
  canary: LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  linear: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
} as const;

/** The stack's name when the `stackName` context value is not given. */
export const DEFAULT_STACK_NAME = 'ClientCertificateApi';

/**
 * The app's stack name and props from its context (`-c key=value`, or cdk.json), each value
 * checked here so a bad one fails `cdk synth` naming its key, never a deployment half-way.
 * `-c` gives strings, cdk.json JSON values: both are accepted.
 */
export const appSettings = (app: Construct): { stackName: string; props: ClientCertificateStackProps } => {
  const context = (key: string): unknown => app.node.tryGetContext(key);
  const refuse = (key: string, what: string): never => {
    throw new Error(`context ${key} must be ${what}, got ${JSON.stringify(context(key))}`);
  };
  const number = (key: string, ok: (n: number) => boolean, what: string): number | undefined => {
    const value = context(key);
    if (value === undefined) return undefined;
    // Decimal digits only from -c: `-c quota=` or `-c quota=0x10` must not deploy 0 or 16.
    const parsed = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    return typeof parsed === 'number' && ok(parsed) ? parsed : refuse(key, what);
  };
  const choice = <T extends string>(key: string, choices: readonly T[], fallback: T): T => {
    const value = String(context(key) ?? fallback);
    return choices.includes(value as T) ? (value as T) : refuse(key, `one of ${choices.join(', ')}`);
  };
  const positiveInteger = (n: number) => Number.isInteger(n) && n >= 1;
  const flag = (key: string): boolean | undefined =>
    context(key) === undefined ? undefined : choice(key, ['true', 'false'], 'false') === 'true';
  const rollout = context('rollout') === undefined ? undefined : choice('rollout', ['canary', 'linear'], 'canary');
  const alarmTopicArn = context('alarmTopicArn');
  if (alarmTopicArn !== undefined && (typeof alarmTopicArn !== 'string' || !alarmTopicArn.startsWith('arn:')))
    refuse('alarmTopicArn', 'an SNS topic ARN');
  const stackName = context('stackName') ?? DEFAULT_STACK_NAME;
  if (typeof stackName !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) refuse('stackName', 'a CloudFormation stack name');
  const apiName = context('apiName');
  if (apiName !== undefined && typeof apiName !== 'string') refuse('apiName', 'a string');

  return {
    stackName: stackName as string,
    props: {
      description: 'Amazon API Gateway ClientCertificate API on HTTP API, Lambda and DynamoDB',
      iamAuthorization: choice('auth', ['iam', 'none'], 'iam') === 'iam',
      throttleRateLimit: number('throttleRate', (n) => Number.isFinite(n) && n > 0, 'a positive number'),
      throttleBurstLimit: number('throttleBurst', positiveInteger, 'a positive integer'),
      clientCertificateQuota: number('quota', positiveInteger, 'a positive integer'),
      removalPolicy: choice('removalPolicy', ['retain', 'destroy'], 'retain') === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      apiName: apiName as string | undefined,
      tracing: choice('tracing', ['true', 'false'], 'false') === 'true',
      deletionProtection: flag('deletionProtection'),
      alarmOnNoTraffic: flag('alarmOnNoTraffic'),
      sourceMaps: flag('sourceMaps'),
      rollout: rollout === undefined ? undefined : ROLLOUTS[rollout],
      ...(alarmTopicArn === undefined ? {} : { alarmTopicArn: alarmTopicArn as string }),
    },
  };
};
