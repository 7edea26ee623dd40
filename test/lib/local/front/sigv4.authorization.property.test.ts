import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { ApiError } from '../../../../lambda/domain/errors.js';
import { callerOf } from '../../../../lib/local/front/caller.js';
import type { ReceivedRequest, RequestSignature } from '../../../../lib/local/front/sigv4.js';
import { isSigned, NodeSha256, readSignature, sigv4Verifier } from '../../../../lib/local/front/sigv4.js';

/**
 * The Authorization header, mutated: two workers' keys in two accounts sign requests as the AWS SDK
 * does, then their headers are changed as a worker might to act in the other's namespace. The
 * namespace must always be that of the key whose signature verified, and a header the service reads
 * at all must name the same credential to every other way of reading it.
 */

const ONE = { accessKeyId: 'AKIDWORKERONE', secretAccessKey: 'secret-one', accountId: '111111111111' };
const TWO = { accessKeyId: 'AKIDWORKERTWO', secretAccessKey: 'secret-two', accountId: '222222222222' };
const NOW = Date.UTC(2026, 10, 30, 10, 0, 0);
const SERVICE_REGION = 'us-east-1';
const verify = sigv4Verifier({ credentials: [ONE, TWO], now: () => NOW });
const callerFor = (signature: RequestSignature) =>
  callerOf(signature, SERVICE_REGION, { accountsByAccessKey: new Map([ONE, TWO].map((key) => [key.accessKeyId, key.accountId])) });

type Key = typeof ONE;

interface Signed {
  readonly headers: Record<string, string>;
  readonly authorization: string;
}

const shape = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE'),
  body: fc.string({ maxLength: 20 }),
  regions: fc.tuple(fc.constantFrom('us-east-1', 'eu-west-1'), fc.constantFrom('us-east-1', 'eu-west-1')),
  signer: fc.constantFrom(0, 1),
});
type Shape = typeof shape extends fc.Arbitrary<infer T> ? T : never;

const signedBy = async (key: Key, region: string, { method, body }: Shape): Promise<Signed> => {
  const signer = new SignatureV4({ credentials: key, region, service: 'apigateway', sha256: NodeSha256 });
  const unsigned = {
    method,
    protocol: 'http:',
    hostname: 'localhost',
    port: 3000,
    path: '/clientcertificates',
    headers: { host: 'localhost:3000' },
    body,
  };
  const done = await signer.sign(unsigned, { signingDate: new Date(NOW) });
  const headers = Object.fromEntries(Object.entries(done.headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { headers, authorization: headers.authorization! };
};

const signatureValue = (signed: Signed) => /Signature=(\w+)/.exec(signed.authorization)![1];

/** The header as a mutation sees it: its lines (node:http keeps the first), each a scheme and components. */
interface Header {
  readonly lines: readonly string[];
  /** The main line's index in `lines`. */
  readonly main: number;
}

type Change = (header: Header, own: string, other: string) => Header;

const schemeOf = (line: string) => line.slice(0, Math.max(line.indexOf(' '), 0));
const componentsOf = (line: string) => line.slice(line.indexOf(' ') + 1).split(', ');
const withComponents = (line: string, change: (components: string[]) => string[]) =>
  `${schemeOf(line)} ${change(componentsOf(line)).join(', ')}`;
const onMain = (header: Header, change: (line: string) => string): Header => ({
  ...header,
  lines: header.lines.map((line, i) => (i === header.main ? change(line) : line)),
});
const at = (items: readonly unknown[], n: number) => n % (items.length + 1);
const insertAt = <T>(items: T[], n: number, item: T) => [...items.slice(0, at(items, n)), item, ...items.slice(at(items, n))];
const named = (components: readonly string[], name: string) => components.find((c) => c.startsWith(`${name}=`)) ?? `${name}=x`;

const WHITE = [' ', '\t', '  ', ' \t'];

/** What a worker might do to a signed Authorization header. */
const mutation = fc.oneof<fc.Arbitrary<Change>[]>(
  // The other key's component (its Credential, mostly) spliced in anywhere, or put in place of one's own.
  fc.record({ name: fc.constantFrom('Credential', 'Credential', 'Signature', 'SignedHeaders'), n: fc.nat(), replace: fc.boolean() }).map(
    ({ name, n, replace }): Change =>
      (h, _, other) =>
        onMain(h, (line) =>
          withComponents(line, (cs) => {
            const theirs = named(componentsOf(other), name);
            return replace ? cs.map((c) => (c.startsWith(`${name}=`) ? theirs : c)) : insertAt(cs, n, theirs);
          }),
        ),
  ),
  fc.record({ i: fc.nat(), j: fc.nat(), how: fc.constantFrom('repeat', 'drop', 'swap') }).map(
    ({ i, j, how }): Change =>
      (h) =>
        onMain(h, (line) =>
          withComponents(line, (cs) => {
            const [a, b] = [i % cs.length, j % cs.length];
            if (how === 'repeat') return insertAt(cs, j, cs[a]!);
            if (how === 'drop') return cs.filter((_, k) => k !== a);
            const swapped = [...cs];
            [swapped[a], swapped[b]] = [cs[b]!, cs[a]!];
            return swapped;
          }),
        ),
  ),
  // White space before or after an '=', a ',' or the scheme's space, or inside a value.
  fc.record({ n: fc.nat(), space: fc.constantFrom(...WHITE), after: fc.boolean(), mark: fc.constantFrom('=', ',', ' ', '/', ';') }).map(
    ({ n, space, after, mark }): Change =>
      (h) =>
        onMain(h, (line) => {
          const places = [...line].flatMap((c, i) => (c === mark ? [i + (after ? 1 : 0)] : []));
          const place = places[n % Math.max(places.length, 1)] ?? 0;
          return line.slice(0, place) + space + line.slice(place);
        }),
  ),
  fc.record({ i: fc.nat(), how: fc.constantFrom('lower', 'upper', 'empty', 'scheme') }).map(
    ({ i, how }): Change =>
      (h) =>
        onMain(h, (line) => {
          if (how === 'scheme') return line.replace(/^\S+/, (scheme) => scheme.toLowerCase());
          return withComponents(line, (cs) =>
            cs.map((c, k) => {
              if (k !== i % cs.length) return c;
              const [name, value] = c.split(/=(.*)/s) as [string, string?];
              if (how === 'empty') return `${name}=`;
              return `${how === 'lower' ? name.toLowerCase() : name.toUpperCase()}=${value ?? ''}`;
            }),
          );
        }),
  ),
  fc
    .constantFrom<[RegExp, string]>(
      [/$/, ','],
      [/$/, ', '],
      [/ /, ' ,'],
      [/, /, ', , '],
      [/, /g, ','],
      [/, /g, ' , '],
      [/ /, '  '],
      [/$/, ', Foo=bar'],
      [/ /, ' X-Amz-Date=20261130T100000Z, '],
      [/Signature=/, 'Signature=0'],
    )
    .map(
      ([pattern, replacement]): Change =>
        (h) =>
          onMain(h, (line) => line.replace(pattern, replacement)),
    ),
  // A second Authorization line, one's own, the other key's or another scheme's, before or after.
  fc.record({ line: fc.constantFrom('own', 'theirs', 'Bearer x'), before: fc.boolean() }).map(
    ({ line, before }): Change =>
      (h, own, other) => {
        const extra = line === 'own' ? own : line === 'theirs' ? other : line;
        return before ? { lines: [extra, ...h.lines], main: h.main + 1 } : { lines: [...h.lines, extra], main: h.main };
      },
  ),
);

/** The request with these Authorization lines, as node:http hands it over: `headers` keeps the first, `rawHeaders` all. */
const received = (signed: Signed, lines: readonly string[], { method, body }: Shape): ReceivedRequest => {
  const { authorization: _, ...others } = signed.headers;
  return {
    method,
    target: '/clientcertificates',
    headers: { ...others, authorization: lines[0] },
    rawHeaders: [...Object.entries(others).flat(), ...lines.flatMap((line) => ['Authorization', line])],
    body: Buffer.from(body),
  };
};

// Other ways to read the credential of an Authorization header, each what some reader does.
const otherReaders: Record<string, (lines: readonly string[]) => readonly string[]> = {
  /** The first match in the line node:http keeps, as this service's namespace reader did. */
  'first in the kept line': (lines) => [/\bCredential=([^,\s]+)/.exec(lines[0] ?? '')?.[1] ?? ''],
  /** The lines joined, split at commas, trimmed, the last of each name: AWS's own rule (scratchstack's "AWS Auth Error Ordering", 6c). */
  'last, split at commas': (lines) => {
    const parts = lines
      .join(', ')
      .replace(/^\S+\s+/, '')
      .split(',');
    const values = parts.map((part) => part.trim().split(/=(.*)/s)).filter(([name]) => name === 'Credential');
    return [values.at(-1)?.[1] ?? ''];
  },
  /** Split at white space and commas, as API Gateway does (`Credential= key` answers that 'key' has no '='). */
  'last, split at white space': (lines) => {
    const tokens = lines
      .join(', ')
      .split(/[\s,]+/)
      .slice(1);
    return [
      tokens
        .filter((token) => token.startsWith('Credential='))
        .at(-1)
        ?.slice('Credential='.length) ?? '',
    ];
  },
  /** Every credential named in any case, anywhere: there must be one. */
  'any, in any case': (lines) => [...new Set(Array.from(lines.join(', ').matchAll(/credential\s*=\s*([^,\s]*)/gi), (m) => m[1] ?? ''))],
};

describe('Method: readSignature and sigv4Verifier, the Authorization headers of two keys in two accounts, mutated', () => {
  test('the namespace is always that of the key whose signature verified, and no other reader sees another credential', async () => {
    const tally = { runs: 0, verified: 0, readButNotVerified: 0, refusedUnread: 0 };

    await fc.assert(
      fc.asyncProperty(shape, fc.array(mutation, { minLength: 1, maxLength: 3 }), async (request, changes) => {
        const keys = request.signer === 0 ? [ONE, TWO] : [TWO, ONE];
        const [own, other] = [await signedBy(keys[0]!, request.regions[0], request), await signedBy(keys[1]!, request.regions[1], request)];
        const original = readSignature(received(own, [own.authorization], request));
        expect(await verify(received(own, [own.authorization], request), original)).toBeUndefined();
        // Each original's signature, and the caller its own header gives.
        const signers = new Map(
          [own, other].map((s) => [
            signatureValue(s),
            callerFor(readSignature(received(s, [s.authorization], request)) as RequestSignature),
          ]),
        );
        const header = changes.reduce<Header>((h, change) => change(h, own.authorization, other.authorization), {
          lines: [own.authorization],
          main: 0,
        });
        const mutated = received(own, header.lines, request);

        const signature = readSignature(mutated);
        const answer = await verify(mutated, signature);

        tally.runs++;
        if (signature instanceof ApiError || !isSigned(signature)) {
          tally.refusedUnread++;
          expect(answer).toBeInstanceOf(ApiError);
          // Unsigned (the default namespace where signatures are not checked) only where no reader sees a credential.
          if (!(signature instanceof ApiError)) expect(otherReaders['any, in any case']!(header.lines)).toEqual([]);
          return;
        }
        const credential = `${signature.accessKeyId}/${signature.scopeDate}/${signature.scopeRegion}/${signature.scopeService}/aws4_request`;
        for (const [reader, read] of Object.entries(otherReaders)) expect([reader, read(header.lines)]).toEqual([reader, [credential]]);
        if (answer !== undefined) {
          tally.readButNotVerified++;
          return;
        }
        tally.verified++;
        expect(callerFor(signature)).toEqual(signers.get(signature.signature));
      }),
      { seed: 20261207, numRuns: 2_000 },
    );

    expect(tally.runs).toBe(2_000);
    // Some mutations keep the claim (components reordered, white space beside a comma, the other key's whole header): they may pass.
    expect(tally.verified).toBeGreaterThan(0);
    expect(tally.readButNotVerified).toBeGreaterThan(0);
    expect(tally.refusedUnread).toBeGreaterThan(0);
  });
});
