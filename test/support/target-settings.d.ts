/** The SigV4 signing service requests are scoped to, or `none` when nothing checks signatures. */
export type Signing = 'execute-api' | 'apigateway' | 'none';

export interface TargetSettings {
  /** The base URL without a trailing slash; `undefined` for the local service, whose URL is known once it listens. */
  readonly url: string | undefined;
  /** Whether the suite starts the local service itself. */
  readonly local: boolean;
  readonly signing: Signing;
  readonly region: string;
}

export declare const SIGNINGS: readonly Signing[];
export declare const targetSettings: (env?: Readonly<Record<string, string | undefined>>) => TargetSettings;
export declare const skipMark: (reason: string) => string;
export declare const skipReasonOf: (titles: readonly string[]) => string | undefined;
export declare const withoutSkipMark: (title: string) => string;
