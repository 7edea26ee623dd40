import { environmentWithFlags, FLAGS } from '../../../lib/local/command.js';
import { accessLine } from '../../../lib/local/console.js';
import { localServiceOptionsFromEnvironment, SettingError } from '../../../lib/local/settings.js';

describe('the command line', () => {
  test('a flag sets its variable, over the environment, and is checked by the same rules', () => {
    const { env } = environmentWithFlags(['--port', '0', '--data-dir=memory', '--quota', '5'], { PORT: '3100', AWS_REGION: 'eu-west-1' });

    expect(localServiceOptionsFromEnvironment(env)).toMatchObject({ port: 0, dataDir: 'memory', quota: 5, region: 'eu-west-1' });
    expect(() => localServiceOptionsFromEnvironment(environmentWithFlags(['--port=-1'], {}).env)).toThrow('PORT must be a port number');
  });

  test('every flag names a variable the settings read (empty, each is refused by name)', () => {
    for (const [, variable] of FLAGS) {
      expect(() => localServiceOptionsFromEnvironment({ [variable]: '' })).toThrow(variable);
    }
  });

  test('an unknown flag, or one without its value, is one line naming it', () => {
    expect(() => environmentWithFlags(['--prot', '0'], {})).toThrow(SettingError);
    expect(() => environmentWithFlags(['--prot', '0'], {})).toThrow(/^Unknown option '--prot'.*\(--help lists the options\)$/);
    expect(() => environmentWithFlags(['--port'], {})).toThrow(/--port/);
  });

  test('--help is asked for', () => {
    expect(environmentWithFlags(['--help'], {}).help).toBe(true);
  });
});

describe('accessLine', () => {
  test("one short line per answer, the stand-in's own refusals included", () => {
    const at = new Date('2026-11-30T10:31:02.123Z');
    const entry = {
      apiRequestId: 'a',
      requestId: 'r-1',
      method: 'GET',
      path: '/nope',
      routeKey: '-',
      status: 404,
      errorType: 'NotFoundException',
      responseBytes: 23,
      durationMs: 0.6,
    };

    expect(accessLine(entry, at)).toBe('10:31:02.123 GET /nope 404 NotFoundException 1ms r-1');
    expect(accessLine({ ...entry, status: 201, errorType: undefined, durationMs: 57.2 }, at)).toBe('10:31:02.123 GET /nope 201 - 57ms r-1');
  });

  test('a forwarded answer (UPSTREAM_URL) is marked at the end of its line', () => {
    const entry = {
      apiRequestId: 'a',
      requestId: 'up-1',
      method: 'POST',
      path: '/restapis',
      routeKey: '-',
      status: 201,
      responseBytes: 9,
      durationMs: 3,
    };

    expect(accessLine({ ...entry, forwarded: true }, new Date('2026-11-30T10:31:02.123Z'))).toBe(
      '10:31:02.123 POST /restapis 201 - 3ms up-1 forwarded',
    );
  });
});
