"""
t/lib/twisted_manager.py: Twisted's own manager side of trial -j
(twisted.trial._dist.worker: LocalWorker, LocalWorkerAMP) drives
`./disttrial --worker`, with results going to a real trial TestResult.
With Twisted before 22.10 (Debian 12 has 22.4) that manager speaks the
old dialect and refuses StreamOpen, so the worker must fall back to
inline texts; with a newer Twisted it speaks the stream dialect.

usage: python3 t/lib/twisted_manager.py SCRATCH-DIRECTORY

The manager imports each errorClass/failClass by name, so a module
"disttrial" with those classes is written to the scratch directory and
put on sys.path first.  Prints "ok DESC" / "not ok DESC" lines and
"# ..." notes for t/worker-twistedmanager.sh; exits 0 if all passed.
"""

import os
import sys

FX = "t/fixtures/worker"
CLASSES = ["TestFailure", "HardError", "Signal", "Timeout", "BadPlan",
           "BailOut", "ExecFailed", "WorkerLost", "WorkerError"]

scratch = sys.argv[1]
os.makedirs(scratch, exist_ok=True)
with open(os.path.join(scratch, "disttrial.py"), "w") as f:
    for c in CLASSES:
        f.write("class %s(Exception):\n    pass\n\n" % c)
sys.path.insert(0, scratch)

from twisted.internet import defer, reactor  # noqa: E402
from twisted.trial import reporter  # noqa: E402
from twisted.trial._dist import worker  # noqa: E402

failed = 0


def check(cond, desc, *notes):
    global failed
    print(("ok " if cond else "not ok ") + desc)
    if not cond:
        failed += 1
        for n in notes:
            for line in str(n).splitlines()[:20]:
                print("# " + line[:300])
    sys.stdout.flush()


class Case:
    """What trial's manager needs of a test: its id."""

    def __init__(self, path):
        self.path = path

    def id(self):
        return self.path

    def __str__(self):
        return self.path


def summary(r):
    return ("successes=%d failures=%d errors=%d skips=%d xfail=%d xpass=%d"
            % (r.successes, len(r.failures), len(r.errors), len(r.skips),
               len(r.expectedFailures), len(r.unexpectedSuccesses)))


@defer.inlineCallbacks
def main():
    amp = worker.LocalWorkerAMP()
    proto = worker.LocalWorker(amp, os.path.join(scratch, "0"), "test.log")
    reactor.spawnProcess(proto, "./disttrial", ["disttrial", "--worker"],
                         childFDs={0: "w", 1: "r", 2: "r", 3: "w", 4: "r"},
                         env=os.environ)
    results = {}
    for name in ["pass.sh", "fail1.sh", "sigkill.sh", "skip77.sh",
                 "tap-fail.sh", "tap-todo.sh", "bigtail.sh"]:
        r = reporter.TestResult()
        print("# running " + name)
        sys.stdout.flush()
        answer = yield amp.run(Case(os.path.join(FX, name)), r)
        results[name] = (r, answer)
    # As trial's manager does at the end: close the worker's AMP input.
    proto.transport.closeChildFD(3)
    try:
        yield proto.endDeferred
    except Exception:
        pass    # ProcessDone, or the failure it carries
    verify(results)


def verify(results):
    r, a = results["pass.sh"]
    check(a == {"success": True}, "pass.sh: the Run is answered success=True",
          a)
    check(r.successes == 1 and r.wasSuccessful(), "pass.sh: one success",
          summary(r))
    r, a = results["fail1.sh"]
    check(len(r.failures) == 1 and r.successes == 0,
          "fail1.sh: one failure", summary(r))
    if r.failures:
        f = r.failures[0][1]
        check(f.type.__name__ == "TestFailure" and
              f.type.__module__ == "disttrial",
              "... of class disttrial.TestFailure", f.type)
        check(str(f.value).startswith("exited with status 1\n--- output"),
              "... whose text says why, then the output", str(f.value))
    r, a = results["sigkill.sh"]
    check(len(r.errors) == 1 and
          r.errors[0][1].type.__name__ == "Signal",
          "sigkill.sh: one error of class disttrial.Signal", summary(r))
    r, a = results["skip77.sh"]
    check(len(r.skips) == 1 and r.successes == 0, "skip77.sh: one skip",
          summary(r))
    r, a = results["tap-fail.sh"]
    check(r.successes == 1 and len(r.failures) == 1 and not r.errors,
          "tap-fail.sh: its points, one success and one failure",
          summary(r))
    if r.failures:
        check(str(r.failures[0][1].value).startswith("not ok 2"),
              "... the failure's text is its not ok line",
              str(r.failures[0][1].value))
    r, a = results["tap-todo.sh"]
    check(len(r.expectedFailures) == 3 and len(r.unexpectedSuccesses) == 1,
          "tap-todo.sh: three expected failures, one unexpected success",
          summary(r))
    r, a = results["bigtail.sh"]
    check(len(r.failures) == 1, "bigtail.sh: one failure", summary(r))
    if r.failures:
        n = len(str(r.failures[0][1].value).encode("utf-8"))
        check(0 < n <= 65535, "... its text fits one AMP value (%d bytes)"
              % n)
    for name, (r, a) in results.items():
        check(a == {"success": True}, "%s: the Run is answered success=True"
              % name, a)


def stop(_=None):
    if reactor.running:
        reactor.stop()


def timeout():
    check(False, "the whole exchange ends within 60 s")
    stop()


def run():
    reactor.callLater(60, timeout)
    d = defer.maybeDeferred(main)
    d.addErrback(lambda f: check(False, "the manager ran", f.getTraceback()))
    d.addBoth(stop)
    reactor.run()
    sys.exit(1 if failed else 0)


run()
