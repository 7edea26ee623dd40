/**
 * The oldest Node.js the package runs on: 22.8 brought `module.getCompileCacheDir`, the newest API
 * it uses (test/package runs it on the newest 22 and on 24). Lambda runs 24 (`nodejs24.x`).
 */
export const OLDEST_NODE = [22, 8] as const;

/** The one line an older Node is told, from the command and from the library alike; `undefined` when this one will do. */
export const nodeVersionProblem = (version: string = process.versions.node): string | undefined => {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [oldestMajor, oldestMinor] = OLDEST_NODE;
  if (major > oldestMajor || (major === oldestMajor && minor >= oldestMinor)) return undefined;
  return (
    `client-certificate-api needs Node.js ${oldestMajor}.${oldestMinor} or later (22 or 24, the maintained LTS lines); this is v${version}. ` +
    'Install one, or add node@24 to your devDependencies (npm install -D node@24) so that npx and npm scripts run it.'
  );
};
