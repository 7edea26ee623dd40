import { nodeVersionProblem } from '../../../../lib/local/base/node-version.js';

describe('the Node.js the package runs on', () => {
  test.each(['22.8.0', '22.23.3', '24.0.0', '26.1.0'])('%s will do', (version) => {
    expect(nodeVersionProblem(version)).toBeUndefined();
  });

  test.each(['22.7.0', '20.20.2', '18.20.8'])('%s is told, in one line, which Node it needs and how to get it', (version) => {
    expect(nodeVersionProblem(version)).toBe(
      `client-certificate-api needs Node.js 22.8 or later (22 or 24, the maintained LTS lines); this is v${version}. ` +
        'Install one, or add node@24 to your devDependencies (npm install -D node@24) so that npx and npm scripts run it.',
    );
  });
});
