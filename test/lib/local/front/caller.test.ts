import {
  APIGatewayClient,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetClientCertificatesCommand,
} from '@aws-sdk/client-api-gateway';
import type { SigV4Credentials } from '../../../../lib/local/front/sigv4.js';
import type { LocalService } from '../../../../lib/local/service.js';
import type { RawRequest, RawResponse } from '../../../support/http.js';
import { isAwsShapedError, send } from '../../../support/http.js';
import { startTestService } from '../../../support/service.js';
import { presigned, signed } from '../../../support/signing.js';

/**
 * Whose request it is, through the whole service: the namespace comes from the one credential the
 * signature is checked against, and an Authorization header that two readers could read as two
 * credentials is refused, with signatures checked (AUTH=sigv4, two workers' keys) or not (AUTH=none).
 */

const ONE = { accessKeyId: 'AKIDWORKERONE', secretAccessKey: 'secret-one', accountId: '111111111111' };
const TWO = { accessKeyId: 'AKIDWORKERTWO', secretAccessKey: 'secret-two', accountId: '222222222222' };
const REGION = 'us-east-1';
const MISSING_EQUAL_SIGN =
  /^Invalid key=value pair \(missing equal-sign\) in Authorization header \(hashed with SHA-256 and encoded with Base64\): '[A-Za-z0-9+/]{43}='\.$/;

let checked: LocalService;
let unchecked: LocalService;
const clients: APIGatewayClient[] = [];

const client = (service: LocalService, credentials: SigV4Credentials, region = REGION): APIGatewayClient => {
  const made = new APIGatewayClient({ endpoint: service.url, region, credentials, maxAttempts: 1 });
  clients.push(made);
  return made;
};

const ids = async (c: APIGatewayClient): Promise<string[]> =>
  ((await c.send(new GetClientCertificatesCommand({ limit: 500 }))).items ?? []).map((item) => item.clientCertificateId!).sort();

const namespaces = async (service: LocalService): Promise<string[]> => Object.keys((await service.control.exportState()).namespaces).sort();

/** `request` signed with `key`, its Authorization header then rewritten by `change`. */
const signedThenChanged = async (
  service: LocalService,
  request: RawRequest,
  key: SigV4Credentials,
  change: (authorization: string) => string,
): Promise<RawRequest> => {
  const sent = await signed(service.url, request, { credentials: key });
  return { ...sent, headers: { ...sent.headers, authorization: change(String(sent.headers!.authorization)) } };
};

/** The finding's attack: TWO's credential, same date and scope, put before (or after) ONE's own, signed by ONE. */
const spliceTwo =
  (where: 'before' | 'after') =>
  (authorization: string): string => {
    const scope = /Credential=[^/]+(\/[^,]+)/.exec(authorization)![1];
    const two = `Credential=${TWO.accessKeyId}${scope}`;
    return where === 'before' ? authorization.replace('Credential=', `${two}, Credential=`) : `${authorization}, ${two}`;
  };

const expectRefused = (response: RawResponse, type: string) => {
  expect(response.status).toBe(403);
  expect(response.headers['x-amzn-errortype']).toBe(type);
  expect(isAwsShapedError(response)).toBe(true);
};

beforeAll(async () => {
  checked = await startTestService({ sigv4: { credentials: [ONE, TWO] } });
  unchecked = await startTestService();
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await checked.close();
  await unchecked.close();
});

describe('with AUTH=sigv4 and two workers, ONE signing correctly with its own key', () => {
  test.each([['before'], ['after']] as const)(
    "with TWO's Credential spliced %s its own is refused 403 to list, update, delete and generate, and TWO's certificates are untouched",
    async (where) => {
      const two = client(checked, TWO);
      const id = (await two.send(new GenerateClientCertificateCommand({ description: 'two' }))).clientCertificateId!;
      const before = { twos: await ids(two), namespaces: await namespaces(checked) };
      const patch = JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: 'taken' }] });
      const attempts: RawRequest[] = [
        { path: '/clientcertificates' },
        { method: 'PATCH', path: `/clientcertificates/${id}`, headers: { 'content-type': 'application/json' }, body: patch },
        { method: 'DELETE', path: `/clientcertificates/${id}` },
        { method: 'POST', path: '/clientcertificates', headers: { 'content-type': 'application/json' }, body: '{}' },
      ];

      for (const attempt of attempts) {
        const response = await send(checked.url, await signedThenChanged(checked, attempt, ONE, spliceTwo(where)));

        expectRefused(response, 'IncompleteSignatureException');
        expect((response.json as { message: string }).message).toMatch(MISSING_EQUAL_SIGN);
      }
      expect((await two.send(new GetClientCertificateCommand({ clientCertificateId: id }))).description).toBe('two');
      expect(await ids(two)).toEqual(before.twos);
      expect(await namespaces(checked)).toEqual(before.namespaces);
      // The same request without the splice is ONE's own, in ONE's namespace.
      const own = await send(checked.url, await signed(checked.url, attempts[0]!, { credentials: ONE }));
      expect(own.status).toBe(200);
    },
  );
});

describe.each([
  ['AUTH=sigv4', () => checked],
  ['AUTH=none', () => unchecked],
])('with %s', (_, service) => {
  test("`Credential =`, a space before the '=', is 403 IncompleteSignatureException, the header hashed, not echoed", async () => {
    const request = await signedThenChanged(service(), { path: '/clientcertificates' }, ONE, (a) =>
      a.replace('Credential=', 'Credential ='),
    );

    const response = await send(service().url, request);

    expectRefused(response, 'IncompleteSignatureException');
    expect((response.json as { message: string }).message).toMatch(MISSING_EQUAL_SIGN);
  });

  test("a signing region `US-EAST-1` is 403 InvalidSignatureException naming it, not mapped to the service's region", async () => {
    const before = await namespaces(service());

    const response = await send(
      service().url,
      await signed(
        service().url,
        { method: 'POST', path: '/clientcertificates', headers: { 'content-type': 'application/json' }, body: '{}' },
        { credentials: ONE, region: 'US-EAST-1' },
      ),
    );

    expectRefused(response, 'InvalidSignatureException');
    expect(response.json).toEqual({ message: "Credential should be scoped to a valid region, not 'US-EAST-1'. " });
    expect(await namespaces(service())).toEqual(before);
  });

  test("two Authorization lines, TWO's or another scheme's and then ONE's, are refused 403, whichever a reader would keep", async () => {
    const request = { path: '/clientcertificates' };
    const asTwo = await signed(service().url, request, { credentials: TWO });
    const asOne = await signed(service().url, request, { credentials: ONE });

    for (const first of [String(asTwo.headers!.authorization), 'Bearer x']) {
      const response = await send(service().url, {
        ...asOne,
        headers: { ...asOne.headers, authorization: [first, String(asOne.headers!.authorization)] },
      });

      expectRefused(response, 'IncompleteSignatureException');
    }
  });
});

describe('with AUTH=none, where the access key id names the account', () => {
  test('a repeated Credential is refused 403 rather than one of them picked, and neither account gets a certificate', async () => {
    const [first, second] = [
      { accessKeyId: '333333333333', secretAccessKey: 'anything' },
      { accessKeyId: '444444444444', secretAccessKey: 'anything' },
    ];
    const request = await signedThenChanged(
      unchecked,
      { method: 'POST', path: '/clientcertificates', headers: { 'content-type': 'application/json' }, body: '{}' },
      second,
      (authorization) =>
        authorization.replace('Credential=', `Credential=${first.accessKeyId}/20261130/${REGION}/apigateway/aws4_request, Credential=`),
    );

    const response = await send(unchecked.url, request);

    expectRefused(response, 'IncompleteSignatureException');
    expect(await ids(client(unchecked, first))).toEqual([]);
    expect(await ids(client(unchecked, second))).toEqual([]);
  });

  test("a presigned URL with TWO's X-Amz-Credential added in another case is refused 403 rather than read either way", async () => {
    const url = await presigned(unchecked.url, { path: '/clientcertificates' }, { credentials: ONE }, 60);
    const theirs = decodeURIComponent(/X-Amz-Credential=([^&]+)/.exec(url.path)![1]!).replace(ONE.accessKeyId, TWO.accessKeyId);

    const response = await send(unchecked.url, { ...url, path: `${url.path}&x-amz-credential=${encodeURIComponent(theirs)}` });

    expectRefused(response, 'InvalidSignatureException');
  });

  test('an Authorization of another scheme stays unsigned: the default account, whatever it names', async () => {
    const anonymous = client(unchecked, { accessKeyId: 'AKIDNOTANACCOUNT', secretAccessKey: 'anything' });
    const id = (await anonymous.send(new GenerateClientCertificateCommand({}))).clientCertificateId!;

    const response = await send(unchecked.url, {
      path: `/clientcertificates/${id}`,
      headers: { authorization: `Bearer Credential=555555555555/20261130/${REGION}/apigateway/aws4_request` },
    });

    expect(response.status).toBe(200);
  });
});
