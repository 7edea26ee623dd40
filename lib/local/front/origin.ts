import type { IncomingHttpHeaders } from 'node:http';
import { isIPv6 } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { ApiError } from '../../../lambda/domain/errors.js';
import { crossSiteRequest, forbiddenHost, forbiddenOrigin, malformedHttpRequest } from '../base/refusals.js';
import { headerLines } from './header-lines.js';

/**
 * Who may address the service: by the `Host` a request names, and the `Origin` a browser adds.
 * The defaults keep web pages out, whatever the service listens on.
 */
export interface OriginSettings {
  /** The address the service listens on (HOST). */
  readonly host: string;
  /** Origins whose pages may call it besides its own; `*` any (but `null`). @default none */
  readonly allowedOrigins?: readonly string[] | undefined;
  /** Host names a request may name besides loopback names and `host`. @default none */
  readonly allowedHosts?: readonly string[] | undefined;
}

/** A request's refusal, or `undefined` to serve it; `rawHeaders` as node:http gives them, repeats included. */
export type OriginCheck = (headers: IncomingHttpHeaders, rawHeaders?: readonly string[]) => ApiError | undefined;

/**
 * Refuses what a web page could make a browser send, as LocalStack's CorsEnforcer does: a local
 * service that resets, seeds and injects faults on request must not be driven by any page that
 * happens to be open. A cross-site form POST (`text/plain`, no preflight) carries an `Origin` the
 * service does not allow; a cross-site GET carries `Sec-Fetch-Site`; a DNS-rebinding page, whose
 * own name now resolves to this machine, names that name in `Host`. SDKs and the AWS CLI send no
 * `Origin` and address the service by its own address, so they pass.
 */
export const originCheck = ({ host, allowedOrigins = [], allowedHosts = [] }: OriginSettings): OriginCheck => {
  const hosts = new Set([...ownNames(host), ...allowedHosts].map((name) => hostOf(isIPv6(name) ? `[${name}]` : name)));
  const origins = new Set(allowedOrigins);
  return (headers, rawHeaders = []) => {
    // node:http keeps the first of two Host lines; HTTP/1.1 answers such a request 400 (RFC 9112, 3.2).
    if (headerLines(rawHeaders, 'host').length > 1) return malformedHttpRequest();
    const requestHost = headers.host;
    // Only HTTP/1.0 may omit Host, and no browser does.
    if (requestHost !== undefined) {
      const name = hostOf(requestHost);
      if (name === undefined || !(isLoopback(name) || hosts.has(name))) return forbiddenHost(requestHost);
    }
    const origin = headers.origin;
    if (origin !== undefined) {
      // A page the service serves itself; the Host was checked above.
      const sameOrigin = requestHost !== undefined && origin.toLowerCase() === `http://${requestHost.toLowerCase()}`;
      // `null` is a sandboxed frame's or a file's: it could be anyone's.
      const allowed = sameOrigin || (origin !== 'null' && (origins.has('*') || origins.has(origin)));
      return allowed ? undefined : forbiddenOrigin(origin);
    }
    // A browser sends one of four values; only its own site's pass (repeats arrive joined, and fail).
    const site = headers['sec-fetch-site']?.toLowerCase();
    return site === undefined || site === 'same-origin' || site === 'none' ? undefined : crossSiteRequest(site);
  };
};

/** `host`'s own names: with a wildcard address, every address of this machine and its name. */
const ownNames = (host: string): string[] => {
  if (host !== '0.0.0.0' && host !== '::') return [host];
  const addresses = Object.values(networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address));
  return [host, hostname(), ...addresses];
};

/** Loopback by name: localhost and its subdomains (RFC 6761), 127.0.0.0/8, and ::1. */
const isLoopback = (name: string): boolean =>
  name === 'localhost' || name.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(name) || name === '[::1]';

/**
 * A host name as the URL parser gives it (lower case, an IP address in its one form, IPv6 in
 * brackets), without a port or trailing dot; `undefined` when it is none.
 */
const hostOf = (text: string): string | undefined =>
  // Characters a URL would read as a user, path or query could make any Host look like loopback.
  /^[\w.\-:[\]]+$/.test(text) ? URL.parse(`http://${text}`)?.hostname.replace(/\.$/, '') : undefined;
