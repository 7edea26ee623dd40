import { malformedQueryString } from '../domain/errors.js';

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The one reading of a query string: the handlers' parameters and the local SigV4 check's canonical
 * query both come from it, so a request cannot mean one thing to the signature and another to the
 * handler. Parameters in the order sent, repeats kept (`tagKeys=a&tagKeys=b`), a name without `=`
 * has the empty value, empty pieces (`&&`) are skipped.
 *
 * A raw `+` is a space, as API Gateway decodes it (aws/aws-cdk#19827: `?sort=-+createdAt` reached the
 * function as `"- createdAt"`) and as AWS's SigV4 servers canonicalise it: a request signed with `%20`
 * and sent with `+` verifies on S3 (mhart/aws4fetch#83), the Selling Partner API expected `%20` where a
 * client had signed `+` (saleweaver/python-amazon-sp-api#405), and the AWS docs' "Create a canonical
 * request" spell a space `%20`, never `+`. A real plus travels as `%2B`.
 *
 * `undefined` when a name or value is not valid percent-encoded UTF-8 (`%zz`, `%FF`, a lone surrogate):
 * such a query has no one meaning, so it is refused rather than guessed at.
 */
export const decodeQuery = (raw: string): URLSearchParams | undefined => {
  if (LONE_SURROGATE.test(raw)) return undefined;
  const parameters = new URLSearchParams();
  for (const piece of raw.split('&')) {
    if (piece === '') continue;
    const at = piece.indexOf('=');
    const name = decodeComponent(at < 0 ? piece : piece.slice(0, at));
    const value = at < 0 ? '' : decodeComponent(piece.slice(at + 1));
    if (name === undefined || value === undefined) return undefined;
    parameters.append(name, value);
  }
  return parameters;
};

/** The query as a handler sees it (`rawQueryString` of the event); malformed percent-encoding is a 400. */
export const queryParameters = (raw: string | undefined): URLSearchParams => {
  const parameters = decodeQuery(raw ?? '');
  if (parameters === undefined) throw malformedQueryString();
  return parameters;
};

const decodeComponent = (raw: string): string | undefined => {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
};
