import Sequencer from '@jest/test-sequencer';

/**
 * Suites that run long from small files. Jest starts the suites it has timings for longest first, the
 * others largest file first; on a fresh clone (CI, a newcomer) it has no timings, and these would start
 * late and finish the run alone. The slowest-suites list `npm test` prints says when one belongs here.
 */
const LONG_FROM_SMALL_FILES = [
  'test/package/installed.test.ts', // packs, installs, then runs the package on three Node versions
  'test/lib/cfn-lint.test.ts', // waits for the bundled stack, then cfn-lint (Python) on three templates
  'test/service/parallel-workers.test.ts', // eight worker processes against one service
  'test/lib/local/functions/key-pool.test.ts', // waits on key generations at the lowest priority
  'test/docs/pytest.test.ts', // pytest and boto3: some 13 s from a 1.5 KB file, the last suite of a fresh run
];

export default class LongSuitesFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const first = sorted.filter((test) => test.duration == null && LONG_FROM_SMALL_FILES.some((path) => test.path.endsWith(path)));
    return [...first, ...sorted.filter((test) => !first.includes(test))];
  }
}
