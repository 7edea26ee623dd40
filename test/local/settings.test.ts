import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localServiceOptionsFromEnvironment } from '../../lib/local/settings.js';

/** A credentials file holding `text`. */
const credentialsFile = (text: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'credentials-')), 'keys.csv');
  writeFileSync(path, text);
  return path;
};

describe('the local service configured from the environment', () => {
  test('by default checks no signature and throttles nothing', () => {
    const options = localServiceOptionsFromEnvironment({});

    expect(options).toMatchObject({ port: 3000, sigv4: undefined, throttle: undefined, defaultAccountId: undefined });
  });

  test('AUTH=sigv4 checks against the key pair in the environment, for apigateway unless SIGV4_SERVICE says otherwise', () => {
    const keys = { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret' };

    expect(localServiceOptionsFromEnvironment({ AUTH: 'sigv4', ...keys }).sigv4).toEqual({
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      service: 'apigateway',
    });
    expect(localServiceOptionsFromEnvironment({ AUTH: 'sigv4', SIGV4_SERVICE: 'execute-api', AWS_SESSION_TOKEN: 't', ...keys }).sigv4).toEqual({
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 't' },
      service: 'execute-api',
    });
  });

  test('THROTTLE_RATE and THROTTLE_BURST together set the stage limits', () => {
    expect(localServiceOptionsFromEnvironment({ THROTTLE_RATE: '2.5', THROTTLE_BURST: '10' }).throttle).toEqual({ rate: 2.5, burst: 10 });
  });

  test.each([
    [{ AUTH: 'sigv4', AWS_SECRET_ACCESS_KEY: 's' }, 'AWS_ACCESS_KEY_ID must be set with AUTH=sigv4'],
    [{ AUTH: 'sigv4', AWS_ACCESS_KEY_ID: 'a' }, 'AWS_SECRET_ACCESS_KEY must be set with AUTH=sigv4'],
    [{ AUTH: 'iam' }, "AUTH must be 'none' or 'sigv4', got 'iam'"],
    [{ THROTTLE_RATE: '10' }, 'THROTTLE_BURST must be set with THROTTLE_RATE'],
    [{ THROTTLE_BURST: '10' }, 'THROTTLE_RATE must be set with THROTTLE_BURST'],
    [{ THROTTLE_RATE: '0', THROTTLE_BURST: '1' }, "THROTTLE_RATE must be a positive number, got '0'"],
    [{ THROTTLE_RATE: '1', THROTTLE_BURST: '1.5' }, "THROTTLE_BURST must be a positive integer, got '1.5'"],
    [{ PORT: 'http' }, "PORT must be a port number, got 'http'"],
  ])('%j refuses to start: %s', (env, message) => {
    expect(() => localServiceOptionsFromEnvironment(env)).toThrow(message);
  });

  test('CREDENTIALS_FILE lists the key pairs AUTH=sigv4 accepts, each with its account; DEFAULT_ACCOUNT_ID sets the default', () => {
    const path = credentialsFile('# harness keys\nAKIDONE,secret-one,111111111111\n\nAKIDTWO, secret-two ,222222222222\n');

    expect(localServiceOptionsFromEnvironment({ AUTH: 'sigv4', CREDENTIALS_FILE: path, DEFAULT_ACCOUNT_ID: '123456789012' })).toMatchObject({
      sigv4: {
        credentials: [
          { accessKeyId: 'AKIDONE', secretAccessKey: 'secret-one', accountId: '111111111111' },
          { accessKeyId: 'AKIDTWO', secretAccessKey: 'secret-two', accountId: '222222222222' },
        ],
      },
      defaultAccountId: '123456789012',
    });
  });

  test.each([
    ['AKID,secret\n', 'line 1: expected ACCESS_KEY_ID,SECRET_ACCESS_KEY,ACCOUNT_ID'],
    ['AKID,secret,1234\n', "line 1: account id must be 12 digits, got '1234'"],
    ['AKID,s,111111111111\nAKID,t,222222222222\n', 'line 2: access key AKID is listed twice'],
    ['# nothing\n', 'lists no key pair'],
  ])('a malformed CREDENTIALS_FILE (%j) stops the service, naming the file and line', (text, message) => {
    const path = credentialsFile(text);

    expect(() => localServiceOptionsFromEnvironment({ AUTH: 'sigv4', CREDENTIALS_FILE: path })).toThrow(`CREDENTIALS_FILE ${path} ${message}`);
  });

  test.each([
    [{ AUTH: 'sigv4', CREDENTIALS_FILE: '/nonexistent/keys.csv' }, 'CREDENTIALS_FILE /nonexistent/keys.csv cannot be read (ENOENT)'],
    [{ CREDENTIALS_FILE: '/nonexistent/keys.csv' }, 'CREDENTIALS_FILE is read only with AUTH=sigv4'],
    [{ DEFAULT_ACCOUNT_ID: '12345678901x' }, "DEFAULT_ACCOUNT_ID must be 12 digits, got '12345678901x'"],
  ])('%j refuses to start: %s', (env, message) => {
    expect(() => localServiceOptionsFromEnvironment(env)).toThrow(message);
  });
});
