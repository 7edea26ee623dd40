import { localServiceOptionsFromEnvironment } from '../../lib/local/settings.js';

describe('the local service configured from the environment', () => {
  test('by default checks no signature and throttles nothing', () => {
    const options = localServiceOptionsFromEnvironment({});

    expect(options).toMatchObject({ port: 3000, sigv4: undefined, throttle: undefined });
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
});
