// Plain JavaScript, typed by target-settings.d.ts: the conformance report, a jest reporter and so
// loaded without the TypeScript transform, reads the same settings and skip marks as the tests.

export const SIGNINGS = ['execute-api', 'apigateway', 'none'];

/**
 * Where the conformance suite points, from the environment, read once:
 * - `CONFORMANCE_URL`: unset, the local service started in-process; set, that base URL, nothing started
 * - `CONFORMANCE_SIGNING`: `execute-api` | `apigateway` | `none`; `none` locally, `execute-api` for a URL
 * - `AWS_REGION`: the region signed for and named in ARNs; `us-east-1`
 * Throws naming the variable at fault, so a mistyped setting never runs the suite against something else.
 */
export const targetSettings = (env = process.env) => {
  const url = env.CONFORMANCE_URL || undefined;
  if (url !== undefined && !/^https?:$/.test(parsedUrl(url)?.protocol ?? '')) {
    throw new Error(`CONFORMANCE_URL must be an http or https URL, got '${url}'`);
  }
  const signing = env.CONFORMANCE_SIGNING || (url === undefined ? 'none' : 'execute-api');
  if (!SIGNINGS.includes(signing)) {
    throw new Error(`CONFORMANCE_SIGNING must be one of ${SIGNINGS.join(', ')}, got '${signing}'`);
  }
  return {
    url: url?.replace(/\/+$/, ''),
    local: url === undefined,
    signing,
    region: env.AWS_REGION || 'us-east-1',
  };
};

const parsedUrl = (text) => {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
};

const MARK = / \[skipped: ([^\]]*)\]/g;

/** What a skipped check's title carries, so the report can say why: `name [skipped: <reason>]`; no `]` in the reason. */
export const skipMark = (reason) => ` [skipped: ${reason}]`;

/** Why a check was skipped, from its own title or an enclosing describe's; `undefined` if no title says. */
export const skipReasonOf = (titles) => {
  for (const title of [...titles].reverse()) {
    const [match] = title.matchAll(MARK);
    if (match !== undefined) return match[1];
  }
  return undefined;
};

/** A title without its skip mark: a check has the same name whichever target it ran against. */
export const withoutSkipMark = (title) => title.replace(MARK, '');
