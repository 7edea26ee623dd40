import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_PAYLOAD_BYTES } from '../../../lib/local/front/http-api.js';
import { localServiceOptionsFromEnvironment, SettingError } from '../../../lib/local/settings.js';

/** A credentials file holding `text`. */
const credentialsFile = (text: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'credentials-')), 'keys.csv');
  writeFileSync(path, text);
  return path;
};

describe('the local service configured from the environment', () => {
  test('by default listens on loopback port 3000, keeps its store in .data, checks no signature and throttles nothing', () => {
    const options = localServiceOptionsFromEnvironment({});

    expect(options).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: '.data',
      sigv4: undefined,
      throttle: undefined,
      region: 'us-east-1',
      logFormat: 'text',
      logLevel: 'WARN',
      metrics: false,
    });
  });

  test('LOG_FORMAT=json gives the structured lines: the handlers at INFO, with their metrics, unless POWERTOOLS_LOG_LEVEL says otherwise', () => {
    expect(localServiceOptionsFromEnvironment({ LOG_FORMAT: 'json' })).toMatchObject({
      logFormat: 'json',
      logLevel: 'INFO',
      metrics: true,
    });
    expect(localServiceOptionsFromEnvironment({ LOG_FORMAT: 'json', POWERTOOLS_LOG_LEVEL: 'error' })).toMatchObject({ logLevel: 'ERROR' });
    expect(localServiceOptionsFromEnvironment({ POWERTOOLS_LOG_LEVEL: 'debug' })).toMatchObject({ logFormat: 'text', logLevel: 'DEBUG' });
  });

  test('ID_SEED seeds the ids of every namespace', () => {
    expect(localServiceOptionsFromEnvironment({ ID_SEED: 'run 42' })).toMatchObject({ idSeed: 'run 42' });
  });

  test('the handlers get the region and quota set', () => {
    expect(localServiceOptionsFromEnvironment({ AWS_REGION: 'eu-west-1', CLIENT_CERTIFICATE_QUOTA: '5' })).toMatchObject({
      region: 'eu-west-1',
      quota: 5,
    });
  });

  test('takes every well-formed value', () => {
    const env = {
      PORT: '0',
      HOST: 'localhost',
      DATA_DIR: 'memory',
      AWS_REGION: 'us-gov-west-1',
      CLIENT_CERTIFICATE_QUOTA: '1000',
      POWERTOOLS_LOG_LEVEL: 'silent',
    };

    expect(localServiceOptionsFromEnvironment(env)).toMatchObject({ port: 0, host: 'localhost', dataDir: 'memory' });
    for (const host of ['::1', '0.0.0.0', 'fe80::1', 'my-host.example.com', 'example.com.']) {
      expect(localServiceOptionsFromEnvironment({ HOST: host }).host).toBe(host);
    }
    for (const region of ['eu-central-2', 'cn-northwest-1', 'us-isob-east-1', 'eusc-de-east-1', 'ap-southeast-7']) {
      expect(() => localServiceOptionsFromEnvironment({ AWS_REGION: region })).not.toThrow();
    }
    expect(localServiceOptionsFromEnvironment({ PORT: '65535' }).port).toBe(65535);
  });

  test('AUTH=sigv4 checks against the key pair in the environment, for apigateway unless SIGV4_SERVICE says otherwise', () => {
    const keys = { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret' };

    expect(localServiceOptionsFromEnvironment({ AUTH: 'sigv4', ...keys }).sigv4).toEqual({
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      service: 'apigateway',
    });
    expect(
      localServiceOptionsFromEnvironment({ AUTH: 'sigv4', SIGV4_SERVICE: 'execute-api', AWS_SESSION_TOKEN: 't', ...keys }).sigv4,
    ).toEqual({
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 't' },
      service: 'execute-api',
    });
    // An empty session token means none, as it does to the AWS SDK.
    expect(localServiceOptionsFromEnvironment({ AUTH: 'sigv4', AWS_SESSION_TOKEN: '', ...keys }).sigv4?.credentials).not.toHaveProperty(
      'sessionToken',
    );
  });

  test('FUNCTION_CONCURRENCY sets how many invocations of each function run at once', () => {
    expect(localServiceOptionsFromEnvironment({ FUNCTION_CONCURRENCY: '4' }).functions).toEqual({ concurrency: 4 });
    expect(localServiceOptionsFromEnvironment({}).functions).toBeUndefined();
  });

  test('JOURNAL_SIZE sets how many requests the journal keeps per namespace, 0 for none', () => {
    expect(localServiceOptionsFromEnvironment({ JOURNAL_SIZE: '0' }).journalSize).toBe(0);
    expect(localServiceOptionsFromEnvironment({ JOURNAL_SIZE: '10000' }).journalSize).toBe(10_000);
    expect(localServiceOptionsFromEnvironment({}).journalSize).toBeUndefined();
  });

  test('ALLOWED_ORIGINS and ALLOWED_HOSTS list, comma-separated, the origins and host names a browser may call it by', () => {
    const env = {
      ALLOWED_ORIGINS: 'http://localhost:8080,https://console.example,chrome-extension://abc',
      ALLOWED_HOSTS: 'host.docker.internal,10.0.0.5,::1',
    };

    expect(localServiceOptionsFromEnvironment(env)).toMatchObject({
      allowedOrigins: ['http://localhost:8080', 'https://console.example', 'chrome-extension://abc'],
      allowedHosts: ['host.docker.internal', '10.0.0.5', '::1'],
    });
    expect(localServiceOptionsFromEnvironment({ ALLOWED_ORIGINS: '*' }).allowedOrigins).toEqual(['*']);
    expect(localServiceOptionsFromEnvironment({})).not.toHaveProperty('allowedOrigins');
  });

  test('THROTTLE_RATE and THROTTLE_BURST together set the stage limits', () => {
    expect(localServiceOptionsFromEnvironment({ THROTTLE_RATE: '2.5', THROTTLE_BURST: '10' }).throttle).toEqual({ rate: 2.5, burst: 10 });
  });

  const sigv4 = { AUTH: 'sigv4', AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret' };
  const throttle = { THROTTLE_RATE: '10', THROTTLE_BURST: '40' };
  test.each<[Record<string, string>, string]>([
    [{ PORT: 'http' }, 'PORT must be a port number from 0 to 65535 (0: any free port), got "http"'],
    [{ PORT: '' }, 'PORT must be a port number from 0 to 65535 (0: any free port), got ""'],
    [{ PORT: '0x50a' }, 'got "0x50a"'],
    [{ PORT: '1e3' }, 'got "1e3"'],
    [{ PORT: '3000.0' }, 'got "3000.0"'],
    [{ PORT: ' 3000' }, 'got " 3000"'],
    [{ PORT: '3000\n' }, 'got "3000\\n"'],
    [{ PORT: '+3000' }, 'got "+3000"'],
    [{ PORT: '-1' }, 'got "-1"'],
    [{ PORT: '03000' }, 'got "03000"'],
    [{ PORT: '65536' }, 'got "65536"'],
    [{ PORT: '99999999999999999999' }, 'got "99999999999999999999"'],
    [
      { HOST: '' },
      'HOST must be an address of this machine (unset: 127.0.0.1): an IPv4 address in four decimal parts, an IPv6 address or a host name, got ""',
    ],
    [{ HOST: ' 127.0.0.1' }, 'got " 127.0.0.1"'],
    [
      { HOST: '127.0.0.1:3000' },
      'HOST must be an address of this machine (unset: 127.0.0.1), without a port (the port is PORT), got "127.0.0.1:3000"',
    ],
    [{ HOST: 'localhost:3000' }, 'without a port'],
    [{ HOST: '[::1]' }, 'HOST must be an address of this machine (unset: 127.0.0.1), an IPv6 one without brackets, got "[::1]"'],
    [{ HOST: 'http://localhost' }, 'without a port'],
    [{ HOST: '127.1' }, 'four decimal parts, an IPv6 address or a host name, got "127.1"'],
    [{ HOST: '0x7f.0.0.1' }, 'got "0x7f.0.0.1"'],
    [{ HOST: '2130706433' }, 'got "2130706433"'],
    [{ HOST: '256.0.0.1' }, 'got "256.0.0.1"'],
    [{ HOST: 'my_host' }, 'got "my_host"'],
    [{ HOST: 'a'.repeat(64) }, 'got "aaaa'],
    [{ DATA_DIR: '' }, 'DATA_DIR must be a directory for the store, or memory to keep nothing on disk (unset: .data), got ""'],
    [{ DATA_DIR: ' ' }, 'got " "'],
    [{ DATA_DIR: 'data ' }, 'got "data "'],
    [
      { DATA_DIR: '~/store' },
      'DATA_DIR must be a directory for the store, or memory to keep nothing on disk (unset: .data); the shell did not expand ~, write $HOME, got "~/store"',
    ],
    [
      { DATA_DIR: 'MEMORY' },
      'DATA_DIR must be a directory for the store, or memory to keep nothing on disk (unset: .data), in lower case, got "MEMORY"',
    ],
    [{ AUTH: 'iam' }, "AUTH must be 'none' or 'sigv4', got \"iam\""],
    [{ AUTH: '' }, "AUTH must be 'none' or 'sigv4', got \"\""],
    [{ AUTH: 'SIGV4' }, 'got "SIGV4"'],
    [{ AUTH: 'sigv4', AWS_SECRET_ACCESS_KEY: 's' }, 'AWS_ACCESS_KEY_ID must be set with AUTH=sigv4'],
    [{ AUTH: 'sigv4', AWS_ACCESS_KEY_ID: 'a' }, 'AWS_SECRET_ACCESS_KEY must be set with AUTH=sigv4'],
    [
      { ...sigv4, AWS_ACCESS_KEY_ID: 'AKID/2026' },
      'AWS_ACCESS_KEY_ID must be an access key id: letters, digits and _ only, got "AKID/2026"',
    ],
    [{ ...sigv4, AWS_ACCESS_KEY_ID: 'AKID ' }, 'got "AKID "'],
    [
      { ...sigv4, AWS_SECRET_ACCESS_KEY: 'secret\n' },
      'AWS_SECRET_ACCESS_KEY begins or ends with white space: set it to the secret key alone',
    ],
    [{ ...sigv4, SIGV4_SERVICE: 'execute_api' }, "SIGV4_SERVICE must be 'apigateway' (the default) or 'execute-api', got \"execute_api\""],
    [{ ...sigv4, SIGV4_SERVICE: '' }, 'got ""'],
    [
      { SIGV4_SERVICE: 'execute-api' },
      'SIGV4_SERVICE is set but AUTH is not sigv4: set AUTH=sigv4 to check signatures, or unset SIGV4_SERVICE',
    ],
    [
      { FUNCTION_CONCURRENCY: '0' },
      'FUNCTION_CONCURRENCY must be invocations of each function at once, from 1 to 1000 (unset: 10), got "0"',
    ],
    [{ FUNCTION_CONCURRENCY: '1e1' }, 'got "1e1"'],
    [{ JOURNAL_SIZE: '10001' }, 'JOURNAL_SIZE must be requests kept per namespace, from 0 (none) to 10000 (unset: 1000), got "10001"'],
    [{ JOURNAL_SIZE: '-1' }, 'got "-1"'],
    [{ THROTTLE_RATE: '10' }, 'THROTTLE_BURST must be set with THROTTLE_RATE'],
    [{ THROTTLE_BURST: '10' }, 'THROTTLE_RATE must be set with THROTTLE_BURST'],
    [
      { ...throttle, THROTTLE_RATE: '0' },
      'THROTTLE_RATE must be a positive number of requests a second, in decimal digits (such as 10 or 2.5), got "0"',
    ],
    [{ ...throttle, THROTTLE_RATE: '1e3' }, 'got "1e3"'],
    [{ ...throttle, THROTTLE_RATE: '0x10' }, 'got "0x10"'],
    [{ ...throttle, THROTTLE_RATE: 'Infinity' }, 'got "Infinity"'],
    [{ ...throttle, THROTTLE_RATE: '9'.repeat(400) }, 'THROTTLE_RATE must be a positive number'],
    [{ ...throttle, THROTTLE_RATE: '.5' }, 'got ".5"'],
    [{ ...throttle, THROTTLE_RATE: ' 10' }, 'got " 10"'],
    [{ ...throttle, THROTTLE_BURST: '1.5' }, 'THROTTLE_BURST must be a whole number of requests from 1, got "1.5"'],
    [{ ...throttle, THROTTLE_BURST: '0' }, 'got "0"'],
    [{ ...throttle, THROTTLE_BURST: '4e1' }, 'got "4e1"'],
    [{ ...throttle, THROTTLE_BURST: '9007199254740993' }, 'got "9007199254740993"'],
    [
      { CLIENT_CERTIFICATE_QUOTA: 'abc' },
      'CLIENT_CERTIFICATE_QUOTA must be a whole number of certificates from 1 to 1000 (unset: 60), got "abc"',
    ],
    [{ CLIENT_CERTIFICATE_QUOTA: '' }, 'got ""'],
    [{ CLIENT_CERTIFICATE_QUOTA: '0' }, 'got "0"'],
    [{ CLIENT_CERTIFICATE_QUOTA: '6e1' }, 'got "6e1"'],
    [{ CLIENT_CERTIFICATE_QUOTA: '0x3c' }, 'got "0x3c"'],
    [{ CLIENT_CERTIFICATE_QUOTA: '1001' }, 'got "1001"'],
    [{ AWS_REGION: '' }, 'AWS_REGION must be an AWS region, such as us-east-1 (unset: us-east-1), got ""'],
    [{ AWS_REGION: 'moon' }, 'got "moon"'],
    [{ AWS_REGION: 'US-EAST-1' }, 'got "US-EAST-1"'],
    [{ AWS_REGION: 'us-east-1 ' }, 'got "us-east-1 "'],
    [{ AWS_REGION: 'us-east' }, 'got "us-east"'],
    [{ AWS_REGION: 'https://us-east-1' }, 'got "https://us-east-1"'],
    [
      { POWERTOOLS_LOG_LEVEL: 'LOUD' },
      'POWERTOOLS_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT (unset: WARN, or INFO with LOG_FORMAT=json), got "LOUD"',
    ],
    [{ ID_SEED: '' }, 'ID_SEED must be a seed of 1 to 256 printable ASCII characters (unset: random ids), got ""'],
    [{ ID_SEED: 'café' }, 'got "café"'],
    [{ ID_SEED: 'x'.repeat(257) }, 'ID_SEED must be a seed of 1 to 256'],
    [{ LOG_FORMAT: 'JSON' }, "LOG_FORMAT must be 'text' (one line per answer, the default) or 'json', got \"JSON\""],
    [{ LOG_FORMAT: '' }, 'LOG_FORMAT must be'],
    [{ POWERTOOLS_LOG_LEVEL: '' }, 'got ""'],
    [
      { ALLOWED_ORIGINS: 'http://localhost:8080/' },
      'ALLOWED_ORIGINS must be comma-separated origins, each scheme://host[:port] as a browser sends it (such as http://localhost:8080), or *, got "http://localhost:8080/"',
    ],
    [{ ALLOWED_ORIGINS: '' }, 'got ""'],
    [{ ALLOWED_ORIGINS: 'http://a.example,' }, 'got "http://a.example,"'],
    [{ ALLOWED_ORIGINS: 'http://localhost:80' }, 'got "http://localhost:80"'],
    [{ ALLOWED_ORIGINS: 'HTTP://Localhost' }, 'got "HTTP://Localhost"'],
    [{ ALLOWED_ORIGINS: 'localhost:8080' }, 'got "localhost:8080"'],
    [{ ALLOWED_ORIGINS: 'null' }, 'got "null"'],
    [{ ALLOWED_ORIGINS: '*,http://a.example' }, '* alone allows every origin'],
    [
      { ALLOWED_HOSTS: 'host.docker.internal:3000' },
      'ALLOWED_HOSTS must be comma-separated host names or IP addresses, without ports (such as host.docker.internal), got "host.docker.internal:3000"',
    ],
    [{ ALLOWED_HOSTS: '' }, 'got ""'],
    [
      { UPSTREAM_URL: 'ftp://127.0.0.1:5000' },
      'UPSTREAM_URL must be an http:// or https:// URL of at most 2048 characters, such as http://127.0.0.1:5000, got "ftp://127.0.0.1:5000"',
    ],
    [{ UPSTREAM_URL: '127.0.0.1:5000' }, 'got "127.0.0.1:5000"'],
    [{ UPSTREAM_URL: '' }, 'got ""'],
    [{ UPSTREAM_URL: `http://h/${'p'.repeat(2_048)}` }, 'UPSTREAM_URL must be an http:// or https:// URL of at most 2048 characters'],
    [{ UPSTREAM_URL: 'http://127.0.0.1:5000/?a=1' }, 'without a query or fragment'],
    [{ UPSTREAM_URL: 'http://127.0.0.1:5000/#x' }, 'without a query or fragment'],
    [{ UPSTREAM_URL: 'http://127.0.0.1:5000/\r\nX: y' }, 'without spaces or control characters'],
    [{ UPSTREAM_URL: ' http://127.0.0.1:5000' }, 'without spaces or control characters'],
    [{ ALLOWED_HOSTS: 'a b' }, 'got "a b"'],
  ])('%j refuses to start: %s', (env, message) => {
    expect(() => localServiceOptionsFromEnvironment(env)).toThrow(SettingError);
    expect(() => localServiceOptionsFromEnvironment(env)).toThrow(message);
  });

  test('a refusal is one line however the value looks, shortened when long, and never shows a secret', () => {
    const refusal = (env: Record<string, string>): string => {
      try {
        localServiceOptionsFromEnvironment(env);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('no refusal');
    };

    expect(refusal({ HOST: 'a\nb\r\u2028c\u0085' })).toBe(
      'HOST must be an address of this machine (unset: 127.0.0.1): an IPv4 address in four decimal parts, an IPv6 address or a host name, got "a\\nb\\r\\u2028c\\u0085"',
    );
    expect(refusal({ PORT: '9'.repeat(10_000) })).toBe(
      `PORT must be a port number from 0 to 65535 (0: any free port), got "${'9'.repeat(64)}..."`,
    );
    expect(refusal({ ...sigv4, AWS_SECRET_ACCESS_KEY: ' hunter2' })).not.toContain('hunter2');
    for (const url of [
      'http://user:hunter2@127.0.0.1:5000',
      'ftp://u:hunter2@h',
      'http://hunter2@h?x',
      'http:\\\\u:hunter2@127.0.0.1:5000',
      'http:/u:hunter2@127.0.0.1:5000',
      'http:u:hunter2@127.0.0.1',
    ])
      expect(refusal({ UPSTREAM_URL: url })).toBe(
        "UPSTREAM_URL must not hold credentials (user:password@): forwarded requests carry the client's own signature",
      );
  });

  test('UPSTREAM_URL names the emulator every route not served here is forwarded to, a path prefix and all', () => {
    expect(localServiceOptionsFromEnvironment({ UPSTREAM_URL: 'http://127.0.0.1:5000' }).upstreamUrl).toBe('http://127.0.0.1:5000');
    expect(localServiceOptionsFromEnvironment({ UPSTREAM_URL: 'https://[::1]:4566/prefix/' }).upstreamUrl).toBe(
      'https://[::1]:4566/prefix/',
    );
    expect(localServiceOptionsFromEnvironment({})).not.toHaveProperty('upstreamUrl');
  });
});

describe('SEED_FILE and FAULTS_FILE', () => {
  test.each(['SEED_FILE', 'FAULTS_FILE'])('%s larger than PUT /_local/state takes is refused by its size, in one line', (name) => {
    const path = join(mkdtempSync(join(tmpdir(), 'large-')), 'large.json');
    writeFileSync(path, '');
    truncateSync(path, 144 * 1024 * 1024); // sparse: 144 MB of nothing on disk

    expect(() => localServiceOptionsFromEnvironment({ [name]: path })).toThrow(
      new SettingError(`${name} ${JSON.stringify(path)}: larger than ${MAX_PAYLOAD_BYTES} bytes, the most PUT /_local/state takes`),
    );
  });
});

describe('accounts', () => {
  test('CREDENTIALS_FILE lists the key pairs AUTH=sigv4 accepts, each with its account; DEFAULT_ACCOUNT_ID sets the default', () => {
    const path = credentialsFile('# harness keys\nAKIDONE,secret-one,111111111111\n\nAKIDTWO, secret-two ,222222222222\n');

    expect(localServiceOptionsFromEnvironment({ AUTH: 'sigv4', CREDENTIALS_FILE: path, DEFAULT_ACCOUNT_ID: '123456789012' })).toMatchObject(
      {
        sigv4: {
          credentials: [
            { accessKeyId: 'AKIDONE', secretAccessKey: 'secret-one', accountId: '111111111111' },
            { accessKeyId: 'AKIDTWO', secretAccessKey: 'secret-two', accountId: '222222222222' },
          ],
        },
        defaultAccountId: '123456789012',
      },
    );
  });

  test.each([
    ['AKID,secret\n', 'line 1: expected ACCESS_KEY_ID,SECRET_ACCESS_KEY,ACCOUNT_ID[,all-namespaces]'],
    ['AKID,secret,1234\n', 'line 1: account id must be 12 digits, got "1234"'],
    ['AK/ID,secret,111111111111\n', 'line 1: an access key id is letters, digits and _ only, got "AK/ID"'],
    ['AKID,s,111111111111\nAKID,t,222222222222\n', 'line 2: access key AKID is listed twice'],
    ['# nothing\n', 'lists no key pair'],
  ])('a malformed CREDENTIALS_FILE (%j) stops the service, naming the file and line', (text, message) => {
    const path = credentialsFile(text);

    expect(() => localServiceOptionsFromEnvironment({ AUTH: 'sigv4', CREDENTIALS_FILE: path })).toThrow(
      new SettingError(`CREDENTIALS_FILE ${JSON.stringify(path)} ${message}`),
    );
  });

  test.each([
    [{ AUTH: 'sigv4', CREDENTIALS_FILE: '/nonexistent/keys.csv' }, 'CREDENTIALS_FILE "/nonexistent/keys.csv" cannot be read (ENOENT)'],
    [
      { CREDENTIALS_FILE: '/nonexistent/keys.csv' },
      'CREDENTIALS_FILE is set but AUTH is not sigv4: set AUTH=sigv4 to check signatures, or unset CREDENTIALS_FILE',
    ],
    [
      { DEFAULT_ACCOUNT_ID: '12345678901x' },
      'DEFAULT_ACCOUNT_ID must be an account id of 12 digits (unset: 000000000000), got "12345678901x"',
    ],
  ])('%j refuses to start: %s', (env, message) => {
    expect(() => localServiceOptionsFromEnvironment(env)).toThrow(message);
  });
});
