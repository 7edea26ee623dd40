import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { LambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { BUILD_DEADLINE_MS, bundledStack, STACK_NAME, synth } from '../support/stack.js';
import { skipMark } from '../support/target-settings.js';

/**
 * cfn-lint (AWS CloudFormation Linter, a Python tool) checks the synthesized templates against
 * CloudFormation's resource specifications: properties, values, references. It is not an npm
 * package, so it is used when it is on PATH. CI machines are not known to have it (.ci/run installs
 * only the AWS CLI), so its absence skips this file, loudly, everywhere.
 */
const CFN_LINT = process.env.CFN_LINT || 'cfn-lint';
const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};
// Looked up as the shell looks a command up, not run: `cfn-lint --version` costs 3 s of CPU (Python
// importing cfn-lint, behind pyenv's shim). One found but broken fails the test below with its error.
const found = CFN_LINT.includes('/')
  ? executable(CFN_LINT)
  : (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, CFN_LINT)));
const absent = found ? undefined : `no ${CFN_LINT} on PATH (pip install cfn-lint, or set CFN_LINT)`;

if (absent !== undefined) {
  console.warn(`\n!!! ${absent}: the cfn-lint check of the synthesized templates is SKIPPED.\n`);
}

const lintTest =
  absent === undefined
    ? test
    : (name: string, fn: () => Promise<void>, timeout?: number) => test.skip(`${name}${skipMark(absent)}`, fn, timeout);

/**
 * Checks left out, each for its reason. W3005 (a DependsOn that a GetAtt already implies): CDK's
 * Function depends on its role and the role's policy explicitly, so the function is created only once
 * its role may act; the GetAtt alone would not wait for the policy. Harmless, and not ours to change.
 */
const IGNORED = ['W3005'];

lintTest(
  'cfn-lint finds nothing in the templates: by default, bundled as cdk synth makes it, and with every option that adds resources',
  async () => {
    const { outdir } = await bundledStack();
    const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
    try {
      const variants = {
        rollout: synth({ rollout: LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES, alarmOnNoTraffic: true }),
        sandbox: synth({ iamAuthorization: false, tracing: true, deletionProtection: false }),
      };
      const files = [join(outdir, `${STACK_NAME}.template.json`)];
      for (const [name, { template }] of Object.entries(variants)) {
        const file = join(dir, `${name}.template.json`);
        writeFileSync(file, JSON.stringify(template.toJSON()));
        files.push(file);
      }

      const found = await promisify(execFile)(CFN_LINT, ['--format', 'parseable', '--ignore-checks', ...IGNORED, '--', ...files], {
        encoding: 'utf8',
      }).then(
        ({ stdout }) => stdout,
        (error: { stdout?: string; message: string }) => error.stdout || error.message,
      );

      expect(found.trim().split('\n').filter(Boolean)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  BUILD_DEADLINE_MS,
);
