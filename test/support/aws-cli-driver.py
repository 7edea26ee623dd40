"""Runs AWS CLI commands for the tests without starting Python and loading botocore for each one.

Started by test/support/cli.ts with the interpreter named on the CLI's shebang line. It imports the
CLI's modules once, then for each request (one JSON line on stdin: the arguments, the environment, a
timeout) forks a child that runs the CLI's own script (/usr/bin/aws, `sys.exit(awscli.clidriver.main())`)
with that environment and arguments, on its own stdin, stdout and stderr. The child is a process
with the CLI's fresh state, as `aws` would be; only the interpreter's start-up and the imports are
shared. The answer is one JSON line on stdout: the exit code (null when killed at the timeout),
and everything the child wrote to stdout and stderr.
"""

import gc
import json
import os
import runpy
import select
import signal
import sys
import time
import traceback

CLI = sys.argv[1]
STARTED_WITH = json.loads(sys.argv[2])

# The imports the CLI's script does, and the handlers its driver loads at once: the time a fork saves.
import awscli.clidriver  # noqa: E402,F401
import awscli.handlers  # noqa: E402,F401  (imported by the first command: every customization)

# What the interpreter's start-up and those imports put in the environment: the C locale coerced to
# C.UTF-8 (LC_CTYPE), awscli's own data path (AWS_DATA_PATH). The CLI's process would set them too,
# the same way, as long as a command's environment leaves them, and the locale, to it.
SET_AT_START = {name: value for name, value in os.environ.items() if STARTED_WITH.get(name) != value}
LEFT_TO_START = {'LC_ALL', 'LC_CTYPE', 'LANG', *SET_AT_START, *(name for name in os.environ if name.startswith('PYTHON'))}


def child(args, env, stdin, stdout, stderr):
    """In the forked child: become `aws <args>` and exit as the script would."""
    os.dup2(stdin, 0)
    os.dup2(stdout, 1)
    os.dup2(stderr, 2)
    os.environ.clear()
    os.environ.update({**env, **SET_AT_START})
    sys.stdin = open(0, encoding=sys.stdin.encoding, errors=sys.stdin.errors, closefd=False)
    sys.argv = [CLI, *args]
    try:
        runpy.run_path(CLI, run_name='__main__')
        code = 0
    except SystemExit as exit:
        # As the interpreter reads SystemExit: None is 0, a number is itself, anything else is printed.
        if exit.code is None:
            code = 0
        elif isinstance(exit.code, int):
            code = exit.code
        else:
            print(exit.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    # What the interpreter does on its way out: exit handlers (logging's among them), then the streams.
    try:
        import atexit

        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(code & 0xFF)


def run(request):
    unfaithful = sorted(LEFT_TO_START & request['env'].keys())
    if unfaithful:
        return {'refused': f'a command run by the driver cannot set {", ".join(unfaithful)}: run the CLI as a process'}
    stdin_read, stdin_write = os.pipe()
    stdout_read, stdout_write = os.pipe()
    stderr_read, stderr_write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        for fd in (stdin_write, stdout_read, stderr_read):
            os.close(fd)
        child(request['args'], request['env'], stdin_read, stdout_write, stderr_write)
    for fd in (stdin_read, stdout_write, stderr_write):
        os.close(fd)
    # Both streams read as they come, so that neither pipe fills and stalls the child.
    output = {stdout_read: [], stderr_read: []}
    reading = [stdout_read, stderr_read]
    deadline = time.monotonic() + request['timeoutMs'] / 1000
    killed = False
    while reading:
        left = deadline - time.monotonic()
        if left <= 0 and not killed:
            os.kill(pid, signal.SIGTERM)
            killed = True
        ready, _, _ = select.select(reading, [], [], None if killed else max(left, 0))
        for fd in ready:
            chunk = os.read(fd, 65536)
            if chunk:
                output[fd].append(chunk)
            else:
                reading.remove(fd)
    _, status = os.waitpid(pid, 0)
    for fd in (stdout_read, stderr_read, stdin_write):
        os.close(fd)
    return {
        # As node's child_process reports it: the exit code, or null for a process ended by a signal.
        'exitCode': os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        'stdout': b''.join(output[stdout_read]).decode('utf-8', 'replace'),
        'stderr': b''.join(output[stderr_read]).decode('utf-8', 'replace'),
    }


# What every command would work out again the same way, before any is forked. The CLI names the Linux
# distribution in its user agent: the `distro` module runs `lsb_release`, a process of its own, and
# keeps the answer in module state that a fork inherits, so that is one `lsb_release` for the suite.
# A private function: a CLI without it just works it out per command, as before.
getattr(awscli.clidriver, '_get_distribution', lambda: None)()
# Every object so far moved out of the collector's reach: a child's collections then leave the pages it
# shares with this process unwritten, rather than copying them. The two took 11 commands from 7.0 s of
# CPU to 5.4 (driver included).
gc.freeze()

print(json.dumps({'ready': True}), flush=True)
for line in sys.stdin:
    print(json.dumps(run(json.loads(line))), flush=True)
