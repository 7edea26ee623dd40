import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { LambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { appSettings, DEFAULT_STACK_NAME } from '../../lib/app-settings.js';

const settings = (context: Record<string, unknown>) => appSettings(new App({ context }));

describe('Method: appSettings', () => {
  test('with no context: the default stack name, IAM on, everything else left to the construct', () => {
    const { stackName, props } = settings({});

    expect(stackName).toBe(DEFAULT_STACK_NAME);
    expect(props).toMatchObject({ iamAuthorization: true, removalPolicy: RemovalPolicy.RETAIN, tracing: false });
    expect(props.clientCertificateQuota).toBeUndefined();
    expect(props.apiName).toBeUndefined();
    expect(props).toMatchObject({ deletionProtection: undefined, alarmOnNoTraffic: undefined, sourceMaps: undefined, rollout: undefined });
  });

  test('takes the safe-deploy settings: a rollout by name, deletion protection, the no-traffic alarm and source maps', () => {
    const { props } = settings({ rollout: 'canary', deletionProtection: 'false', alarmOnNoTraffic: 'true', sourceMaps: true });

    expect(props).toMatchObject({
      rollout: LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
      deletionProtection: false,
      alarmOnNoTraffic: true,
      sourceMaps: true,
    });
    expect(settings({ rollout: 'linear' }).props.rollout).toBe(LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES);
  });

  test('takes -c strings and cdk.json values alike', () => {
    const fromCli = settings({
      quota: '100',
      throttleRate: '0.5',
      throttleBurst: '80',
      tracing: 'true',
      stackName: 'Certs-Blue',
      apiName: 'certs-blue',
    });
    const fromJson = settings({
      quota: 100,
      throttleRate: 0.5,
      throttleBurst: 80,
      tracing: true,
      stackName: 'Certs-Blue',
      apiName: 'certs-blue',
    });

    for (const { stackName, props } of [fromCli, fromJson]) {
      expect(stackName).toBe('Certs-Blue');
      expect(props).toMatchObject({
        clientCertificateQuota: 100,
        throttleRateLimit: 0.5,
        throttleBurstLimit: 80,
        tracing: true,
        apiName: 'certs-blue',
      });
    }
  });

  test('passes an alarm topic ARN on', () => {
    const arn = 'arn:aws:sns:eu-west-1:111111111111:pager';

    expect(settings({ alarmTopicArn: arn }).props.alarmTopicArn).toBe(arn);
  });

  test.each([
    ['quota', '0', 'context quota must be a positive integer, got "0"'],
    ['quota', '2.5', 'context quota must be a positive integer, got "2.5"'],
    ['quota', '', 'context quota must be a positive integer, got ""'],
    ['quota', 'sixty', 'context quota must be a positive integer, got "sixty"'],
    ['quota', '0x10', 'context quota must be a positive integer, got "0x10"'],
    ['quota', '1e3', 'context quota must be a positive integer, got "1e3"'],
    ['throttleRate', ' 10', 'context throttleRate must be a positive number, got " 10"'],
    ['throttleBurst', '1.5', 'context throttleBurst must be a positive integer, got "1.5"'],
    ['throttleRate', '0', 'context throttleRate must be a positive number, got "0"'],
    ['throttleRate', '-3', 'context throttleRate must be a positive number, got "-3"'],
    ['auth', 'off', 'context auth must be one of iam, none, got "off"'],
    ['tracing', 'yes', 'context tracing must be one of true, false, got "yes"'],
    ['stackName', 'my stack', 'context stackName must be a CloudFormation stack name, got "my stack"'],
    ['alarmTopicArn', 'pager', 'context alarmTopicArn must be an SNS topic ARN, got "pager"'],
    ['rollout', 'fast', 'context rollout must be one of canary, linear, got "fast"'],
    ['deletionProtection', 'off', 'context deletionProtection must be one of true, false, got "off"'],
    ['alarmOnNoTraffic', '1', 'context alarmOnNoTraffic must be one of true, false, got "1"'],
    ['sourceMaps', 'yes', 'context sourceMaps must be one of true, false, got "yes"'],
  ])('refuses %s=%j, naming it', (key, value, message) => {
    expect(() => settings({ [key]: value })).toThrow(message);
  });
});

test('cdk synth of the app with quota=0 fails before anything is deployed, naming the value', async () => {
  const outdir = mkdtempSync(join(tmpdir(), 'app-settings-'));
  try {
    const failure = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ quota: '0', 'aws:cdk:bundling-stacks': [] }) },
    }).then(
      () => undefined,
      (error: { stderr: string }) => error,
    );

    expect(failure?.stderr).toContain('context quota must be a positive integer, got "0"');
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
