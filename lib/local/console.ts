import type { AccessLogEntry } from './front/http-api.js';

/** Paths longer than this are cut in the text line; the JSON line keeps them whole. */
const PATH_SHOWN = 120;

/**
 * One answer in one short line: time (UTC), method, path, status, error type (`-` for none),
 * duration and the request id the client was sent, then `forwarded` for the upstream's answers, e.g.
 * `10:31:02.123 POST /clientcertificates 201 - 57ms 0b1c...`.
 */
export const accessLine = (
  { method, path, status, errorType, durationMs, requestId, forwarded }: AccessLogEntry,
  now = new Date(),
): string => {
  const shown = path.length > PATH_SHOWN ? `${path.slice(0, PATH_SHOWN)}...` : path;
  const line = `${now.toISOString().slice(11, 23)} ${method} ${shown} ${status} ${errorType ?? '-'} ${Math.round(durationMs)}ms ${requestId}`;
  return forwarded ? `${line} forwarded` : line;
};

/** One answer as a structured line, in HTTP API's access log terms. */
export const accessJson = (entry: AccessLogEntry): string => JSON.stringify({ message: 'answer', ...entry });

/** The access log on `stream`, in `format`. */
export const consoleAccessLog =
  (format: 'text' | 'json', stream: NodeJS.WritableStream = process.stdout) =>
  (entry: AccessLogEntry): void => {
    stream.write(`${format === 'json' ? accessJson(entry) : accessLine(entry)}\n`);
  };

/** What the command says once it is ready, for a harness to read: one JSON line. */
export interface ReadyLine {
  /** The value for `--endpoint-url`. */
  readonly url: string;
  readonly port: number;
  /** The service's own process, to signal: not that of npx or a shell in between. */
  readonly pid: number;
  /** The store's directory, absolute, or `memory`. */
  readonly dataDir: string;
  /** The package's version. */
  readonly version: string;
}

export const readyLine = (ready: ReadyLine): string => `${JSON.stringify(ready)}\n`;
