import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayClient, GetClientCertificateCommand } from '@aws-sdk/client-api-gateway';
import type { LocalService } from '../../../lib/local/service.js';
import { localServiceOptionsFromEnvironment, SettingError } from '../../../lib/local/settings.js';
import { send } from '../../support/http.js';
import { startTestService } from '../../support/service.js';
import { signed } from '../../support/signing.js';

/**
 * The control plane as a service starts with it: seeded from SEED_FILE, with FAULTS_FILE's rules and
 * the `faults` option's in force, and with AUTH=sigv4 its paths signed like every other.
 */

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const KEY = { accessKeyId: 'AKIDCONTROLTEST', secretAccessKey: 'control-secret', accountId: ACCOUNT };

const file = (name: string, content: unknown): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'control-')), name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

const SEED = {
  namespaces: {
    [`${ACCOUNT}#${REGION}`]: {
      certificates: [
        {
          clientCertificateId: 'seed01',
          description: 'seeded',
          pemEncodedCertificate: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----',
          createdDate: 1_700_000_000,
          expirationDate: 1_731_536_000,
          tags: { from: 'seed' },
          version: 4,
          quotaSlot: 7,
        },
      ],
      quotaSlots: [{ index: 7, owner: 'seed01', claimedAt: 1_700_000_000_000 }],
    },
  },
};
const FILE_RULE = { operations: ['GetTags'], action: { answerLost: true } };
const OPTION_RULE = { operations: ['GetClientCertificates'], action: { delayMs: 10, when: 'after' } };

describe('a service started with SEED_FILE, FAULTS_FILE, the faults option and AUTH=sigv4', () => {
  let service: LocalService;
  const signedControl = async (method: string, path: string) =>
    send(service.url, await signed(service.url, { method, path }, { credentials: KEY, region: REGION }));

  beforeAll(async () => {
    service = await startTestService({
      sigv4: { credentials: KEY, service: 'apigateway' },
      seedFile: file('seed.json', SEED),
      faultsFile: file('faults.json', [FILE_RULE]),
      faults: [OPTION_RULE],
    });
  });
  afterAll(() => service?.close());

  it('serves the seeded certificate to the SDK', async () => {
    const client = new APIGatewayClient({ endpoint: service.url, region: REGION, credentials: KEY });

    const answer = await client.send(new GetClientCertificateCommand({ clientCertificateId: 'seed01' }));

    expect(answer).toMatchObject({ clientCertificateId: 'seed01', description: 'seeded', tags: { from: 'seed' } });
  });

  it('exports the seed exactly as it was given', async () => {
    const response = await signedControl('GET', '/_local/state');

    expect(response.body.toString()).toBe(JSON.stringify(SEED));
  });

  it("has the file's rules, then the option's, in force", async () => {
    const response = await signedControl('GET', '/_local/faults');

    expect(response.json).toMatchObject({
      rules: [
        { id: 'fault-1', ...FILE_RULE, hits: 0 },
        { id: 'fault-2', ...OPTION_RULE, hits: 0 },
      ],
    });
  });

  it('offers the same control to the process that started it', async () => {
    const id = service.control.addFault({ operations: ['GetTags'], action: { error: { type: 'NotFoundException' } }, when: { next: 1 } });

    expect(service.control.faults().map((rule) => rule.id)).toEqual(['fault-1', 'fault-2', id]);
    expect(() => service.control.addFault({ operations: ['GetTags'], action: { error: { type: 'LimitExceededException' } } })).toThrow(
      'GetTags cannot answer "LimitExceededException"',
    );
    expect(service.control.removeFaults(id)).toBe(true);
    expect(await service.control.exportState()).toEqual(SEED);
  });

  it('refuses unsigned and wrongly signed control requests as it refuses any other', async () => {
    const unsigned = await send(service.url, { method: 'POST', path: '/_local/reset?all' });
    const wrongKey = await send(
      service.url,
      await signed(
        service.url,
        { method: 'POST', path: '/_local/reset?all' },
        { credentials: { ...KEY, secretAccessKey: 'wrong' }, region: REGION },
      ),
    );
    const health = await signedControl('GET', '/_local/health');
    const state = await signedControl('GET', '/_local/state');

    expect(unsigned.status).toBe(403);
    expect(unsigned.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    expect(wrongKey.status).toBe(403);
    expect(wrongKey.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
    expect(health.status).toBe(200);
    expect(state.json).toEqual(SEED); // neither refused reset removed anything
  });
});

describe('SEED_FILE and FAULTS_FILE in the environment', () => {
  it('are read once and handed on parsed when their documents are sound', () => {
    const seed = file('seed.json', SEED);
    const faults = file('faults.json', [FILE_RULE]);

    expect(localServiceOptionsFromEnvironment({ SEED_FILE: seed, FAULTS_FILE: faults })).toMatchObject({
      seed: SEED,
      faults: [FILE_RULE],
    });
  });

  it.each([
    ['SEED_FILE', 'not json', 'SEED_FILE'],
    [
      'SEED_FILE',
      { namespaces: { [`${ACCOUNT}#${REGION}`]: { certificates: [], quotaSlots: [{ index: 60, owner: 'x', claimedAt: 0 }] } } },
      '.quotaSlots[0].index must be a whole number from 0 to 59',
    ],
    ['FAULTS_FILE', { operations: ['GetTags'] }, 'must be a JSON list of fault rules'],
    ['FAULTS_FILE', [FILE_RULE, { ...FILE_RULE, when: { every: 0 } }], "rule 1: 'when.every' must be a whole number from 1"],
  ])('refuse to start with a bad %s, naming the file and what is wrong', (name, content, problem) => {
    const path = file('bad.json', content);

    const start = () => localServiceOptionsFromEnvironment({ [name]: path });

    expect(start).toThrow(SettingError);
    expect(start).toThrow(`${name} ${JSON.stringify(path)}: `);
    expect(start).toThrow(problem);
  });

  it('refuse to start with a file that cannot be read', () => {
    expect(() => localServiceOptionsFromEnvironment({ SEED_FILE: '/nonexistent/seed.json' })).toThrow(
      'SEED_FILE "/nonexistent/seed.json": ENOENT',
    );
  });
});
