import {
  APIGatewayClient,
  DeleteClientCertificateCommand,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetTagsCommand,
  paginateGetClientCertificates,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateClientCertificateCommand,
} from '@aws-sdk/client-api-gateway';
import fc from 'fast-check';
import { MAX_DESCRIPTION_LENGTH, VALIDITY_SECONDS } from '../../../../lambda/domain/client-certificate.js';
import { MAX_PEM_LENGTH } from '../../../../lambda/domain/pem.js';
import { TAG_RULES } from '../../../../lambda/domain/tag-rules.js';
import { LAST_RENDERABLE_DATE } from '../../../../lambda/http/representations.js';
import { MAX_VERSION } from '../../../../lambda/store/item.js';
import { namespaceOf, parseStateDocument } from '../../../../lib/local/control/state-document.js';
import type { LocalService } from '../../../../lib/local/service.js';
import { send } from '../../../support/http.js';
import { startTestService } from '../../../support/service.js';

/**
 * Any state document the parser accepts, imported into a running local service, leaves every
 * operation on every certificate it holds answering without a 5xx: through the AWS SDK and over raw
 * HTTP, in JSON and in HAL, and a Generate in each of its namespaces. A small quota makes full
 * namespaces, and so Generate's reading of every slot and of stale claims' owners, common.
 */

const QUOTA = 4;
let service: LocalService;

beforeAll(async () => {
  service = await startTestService({ quota: QUOTA });
});

afterAll(async () => {
  await service?.close();
});

const pem = (lines: number, breaks: string) =>
  ['-----BEGIN CERTIFICATE-----', ...Array.from({ length: lines }, () => 'MIIDbTCCAlWgAwIBAgIIK+/='), '-----END CERTIFICATE-----'].join(
    breaks,
  );
const longestPem = (() => {
  const shape = pem(1, '\r\n');
  return shape.replace(/\r\n[^-]+\r\n/, `\r\n${'A'.repeat(MAX_PEM_LENGTH - shape.length + 24)}\r\n`);
})();

const id = fc.stringMatching(/^[a-z0-9]{6}$/);
const extremes = (min: number, max: number) => fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max }));
/** Mostly `valid`, now and then `beyond`: what the parser must refuse, unless every later request can serve it. */
const mostly = <T>(valid: fc.Arbitrary<T>, beyond: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 15 }, { arbitrary: beyond, weight: 1 });
const tagText = (minLength: number, maxLength: number) =>
  fc.oneof(
    fc.string({ unit: fc.constantFrom('a', 'Z', '7', ' ', '+', '-', '=', '.', '_', ':', '/', '@', 'é', '\u4e2d'), minLength, maxLength }),
    fc.constantFrom('__proto__', 'constructor', 'toString').filter((t) => t.length >= minLength),
  );
const tags = fc
  .array(fc.tuple(tagText(1, TAG_RULES.maxKeyLength), tagText(0, TAG_RULES.maxValueLength)), { maxLength: TAG_RULES.maxTags })
  .map((pairs) => Object.fromEntries(pairs));

const certificateFields = fc.record(
  {
    description: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constant(''), fc.constant('d'.repeat(MAX_DESCRIPTION_LENGTH))),
    pemEncodedCertificate: fc.constantFrom(pem(17, '\r\n'), pem(2, '\n'), longestPem),
    createdDate: mostly(extremes(0, LAST_RENDERABLE_DATE - VALIDITY_SECONDS), fc.constant(8_640_000_000_001)),
    tags,
    version: mostly(extremes(1, MAX_VERSION), fc.constant(Number.MAX_SAFE_INTEGER)),
  },
  { requiredKeys: ['pemEncodedCertificate', 'createdDate', 'tags', 'version'] },
);

/** One namespace: certificates in distinct slots, the other slots free or claimed by certificates that are gone. */
const namespaceContent = fc
  .uniqueArray(id, { minLength: 0, maxLength: QUOTA + 2 })
  .chain((ids) =>
    fc.record({
      ids: fc.constant(ids),
      slots: fc.shuffledSubarray(
        Array.from({ length: QUOTA }, (_, i) => i),
        { minLength: Math.min(ids.length, QUOTA), maxLength: Math.min(ids.length, QUOTA) },
      ),
      held: fc.oneof(fc.constant(QUOTA), fc.integer({ min: 0, max: QUOTA })),
      fields: fc.array(certificateFields, { minLength: ids.length, maxLength: ids.length }),
      claimedAt: fc.array(extremes(0, Number.MAX_SAFE_INTEGER), { minLength: ids.length, maxLength: ids.length }),
      // A stale claim's owner that another slot's claim names too, now and then.
      sameOwner: mostly(fc.constant(false), fc.constant(true)),
    }),
  )
  .map(({ ids, slots, held, fields, claimedAt, sameOwner }) => {
    const holders = ids.slice(0, Math.min(held, slots.length));
    const certificates = holders.map((clientCertificateId, i) => ({
      clientCertificateId,
      ...fields[i],
      expirationDate: fields[i]!.createdDate + VALIDITY_SECONDS,
      quotaSlot: slots[i]!,
    }));
    // The ids past the holders own the remaining slots as stale claims: their certificates are gone.
    const quotaSlots = slots
      .map((index, i) => ({
        index,
        owner: sameOwner && i === slots.length - 1 ? ids[0]! : ids[i]!,
        claimedAt: i < holders.length ? 1_700_000_000_000 : claimedAt[i]!,
      }))
      .sort((a, b) => a.index - b.index);
    return { certificates: certificates.sort((a, b) => (a.clientCertificateId < b.clientCertificateId ? -1 : 1)), quotaSlots };
  });

const NAMESPACES = ['111111111111#us-east-1', '111111111111#eu-west-3', '222222222222#ap-southeast-2'];
const documents = fc
  .uniqueArray(fc.constantFrom(...NAMESPACES), { minLength: 1, maxLength: 2 })
  .chain((keys) => fc.tuple(...keys.map((key) => namespaceContent.map((content) => [key, content] as const))))
  .map((entries) => ({ namespaces: Object.fromEntries(entries) }));

const accepted = (document: unknown): boolean => {
  try {
    parseStateDocument(document, QUOTA);
    return true;
  } catch {
    return false;
  }
};

/** What every SDK answer and failure carries. */
interface MetadataBearer {
  readonly $metadata: { readonly httpStatusCode?: number };
}

/** The status a call through the SDK came to, a failure's included. */
const statusOf = async (call: Promise<MetadataBearer>): Promise<number> => {
  try {
    return (await call).$metadata.httpStatusCode ?? 0;
  } catch (error) {
    return (error as MetadataBearer).$metadata?.httpStatusCode ?? 0;
  }
};

/** A walk over every page of the list, two at a time: the last page's answer, or the first failure. */
const lastPage = async (client: APIGatewayClient): Promise<MetadataBearer> => {
  let last: MetadataBearer = { $metadata: {} };
  for await (const page of paginateGetClientCertificates({ client, pageSize: 2 }, {})) last = page;
  return last;
};

test('any document the parser accepts is imported, and every operation on every certificate then answers without a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(documents, async (document) => {
      fc.pre(accepted(document));
      await service.control.reset();
      await service.control.importState(document);

      const answers: [string, number][] = [];
      for (const [key, { certificates }] of Object.entries(document.namespaces)) {
        const { account, region } = namespaceOf(key);
        const sdk = new APIGatewayClient({ endpoint: service.url, region, credentials: { accessKeyId: account, secretAccessKey: 's' } });
        const authorization = `AWS4-HMAC-SHA256 Credential=${account}/20261207/${region}/apigateway/aws4_request, SignedHeaders=host, Signature=00`;
        const raw = async (name: string, path: string, accept?: string) => {
          const headers = { authorization, 'x-amz-date': '20261207T000000Z', ...(accept === undefined ? {} : { accept }) };
          answers.push([`${key} ${name}`, (await send(service.url, { path, headers })).status]);
        };
        const viaSdk = async (name: string, call: Promise<MetadataBearer>) => answers.push([`${key} ${name}`, await statusOf(call)]);

        await raw('List (HAL)', '/clientcertificates');
        await raw('List (JSON)', '/clientcertificates?limit=500', 'application/json');
        await viaSdk('List (SDK, every page)', lastPage(sdk));
        for (const { clientCertificateId } of certificates) {
          const arn = `arn:aws:apigateway:${region}::/clientcertificates/${clientCertificateId}`;
          await raw(`Get ${clientCertificateId} (HAL)`, `/clientcertificates/${clientCertificateId}`);
          await raw(`Get ${clientCertificateId} (JSON)`, `/clientcertificates/${clientCertificateId}`, 'application/json');
          await viaSdk(`Get ${clientCertificateId}`, sdk.send(new GetClientCertificateCommand({ clientCertificateId })));
          await viaSdk(
            `Update ${clientCertificateId}`,
            sdk.send(
              new UpdateClientCertificateCommand({
                clientCertificateId,
                patchOperations: [{ op: 'replace', path: '/description', value: 'updated' }],
              }),
            ),
          );
          await viaSdk(
            `TagResource ${clientCertificateId}`,
            sdk.send(new TagResourceCommand({ resourceArn: arn, tags: { added: 'yes' } })),
          );
          await viaSdk(
            `UntagResource ${clientCertificateId}`,
            sdk.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['added'] })),
          );
          await viaSdk(`GetTags ${clientCertificateId}`, sdk.send(new GetTagsCommand({ resourceArn: arn })));
        }
        // At a full quota, Generate reads every slot and the owners of stale claims.
        await viaSdk('Generate', sdk.send(new GenerateClientCertificateCommand({ description: 'new' })));
        for (const { clientCertificateId } of certificates)
          await viaSdk(`Delete ${clientCertificateId}`, sdk.send(new DeleteClientCertificateCommand({ clientCertificateId })));
        sdk.destroy();
      }

      // A 403 would be the front end's, never the operation's: the request did not reach it.
      expect(answers.filter(([, status]) => status === 0 || status === 403 || status >= 500)).toEqual([]);
    }),
    { seed: 20261207, numRuns: 20 },
  );
}, 300_000);
