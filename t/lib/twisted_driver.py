"""
t/lib/twisted_driver.py: drives `./disttrial --worker` with Twisted's own
AMP (twisted.protocols.amp), the way trial's distributed manager does:
the worker is spawned with pipes on fds 3 (AMP in) and 4 (AMP out), and
the stream dialect's commands (Twisted 22.10 and later) are declared
here, so this runs on older Twisted too (Debian 12 has 22.4).

usage: python3 t/lib/twisted_driver.py SCRATCH-DIRECTORY

Run from the top of the tree.  Prints one line per check, "ok DESC" or
"not ok DESC", and "# ..." notes; t/worker-twisted.sh numbers them.
Exits 0 if every check passed.
"""

import os
import sys
import time

from twisted.internet import defer, protocol, reactor
from twisted.protocols import amp
from twisted.python import log

FX = "t/fixtures/worker"
DEADLINE = 60


class Start(amp.Command):
    arguments = [(b"directory", amp.Unicode())]
    response = [(b"success", amp.Boolean())]


class Run(amp.Command):
    arguments = [(b"testCase", amp.Unicode())]
    response = [(b"success", amp.Boolean())]


class Bogus(amp.Command):
    arguments = [(b"whatever", amp.Unicode())]
    response = [(b"success", amp.Boolean())]


class AddSuccess(amp.Command):
    arguments = [(b"testName", amp.Unicode())]
    response = [(b"success", amp.Boolean())]


class AddError(amp.Command):
    arguments = [
        (b"testName", amp.Unicode()),
        (b"errorClass", amp.Unicode()),
        (b"errorStreamId", amp.Integer()),
        (b"framesStreamId", amp.Integer()),
    ]
    response = [(b"success", amp.Boolean())]


class AddFailure(amp.Command):
    arguments = [
        (b"testName", amp.Unicode()),
        (b"failStreamId", amp.Integer()),
        (b"failClass", amp.Unicode()),
        (b"framesStreamId", amp.Integer()),
    ]
    response = [(b"success", amp.Boolean())]


class AddSkip(amp.Command):
    arguments = [(b"testName", amp.Unicode()), (b"reason", amp.Unicode())]
    response = [(b"success", amp.Boolean())]


class AddExpectedFailure(amp.Command):
    arguments = [
        (b"testName", amp.Unicode()),
        (b"errorStreamId", amp.Integer()),
        (b"todo", amp.Unicode()),
    ]
    response = [(b"success", amp.Boolean())]


class AddUnexpectedSuccess(amp.Command):
    arguments = [(b"testName", amp.Unicode()), (b"todo", amp.Unicode())]
    response = [(b"success", amp.Boolean())]


class TestWrite(amp.Command):
    arguments = [(b"out", amp.Unicode())]
    response = [(b"success", amp.Boolean())]


class StreamOpen(amp.Command):
    arguments = []
    response = [(b"streamId", amp.Integer())]


class StreamWrite(amp.Command):
    arguments = [(b"streamId", amp.Integer()), (b"data", amp.String())]
    response = []


class Checks:
    def __init__(self):
        self.failed = 0

    def __call__(self, cond, desc, *notes):
        print(("ok " if cond else "not ok ") + desc)
        if not cond:
            self.failed += 1
            for n in notes:
                for line in str(n).splitlines()[:20]:
                    print("# " + line[:300])
        sys.stdout.flush()
        return cond


check = Checks()


class Manager(amp.AMP):
    """
    The manager's side: answers the worker's commands, joins streams,
    and keeps every event (a tuple) in arrival order.
    """

    def __init__(self):
        amp.AMP.__init__(self)
        self.streams = {}
        self.nextid = 0
        self.events = []
        self.problems = []
        self.answered = set()

    def note(self, ev):
        name = ev[1]
        for t in self.answered:
            if name == t or name.startswith(t + " "):
                self.problems.append("%s after the Run of %s was answered"
                                     % (ev[0], t))
        self.events.append(ev)

    def text(self, sid):
        chunks = self.streams.pop(sid)
        for c in chunks:
            if len(c) > 65535:
                self.problems.append("a StreamWrite of %d bytes" % len(c))
        return b"".join(chunks).decode("utf-8"), len(chunks)

    @StreamOpen.responder
    def streamOpen(self):
        sid = self.nextid
        self.nextid += 1
        self.streams[sid] = []
        return {"streamId": sid}

    @StreamWrite.responder
    def streamWrite(self, streamId, data):
        self.streams[streamId].append(data)
        return {}

    @TestWrite.responder
    def testWrite(self, out):
        if out.startswith("--> ") and out.endswith(" <--"):
            self.answered.discard(out[4:-4])
        self.events.append(("TestWrite", out))
        return {"success": True}

    @AddSuccess.responder
    def addSuccess(self, testName):
        self.note(("AddSuccess", testName))
        return {"success": True}

    @AddSkip.responder
    def addSkip(self, testName, reason):
        self.note(("AddSkip", testName, reason))
        return {"success": True}

    @AddUnexpectedSuccess.responder
    def addUnexpectedSuccess(self, testName, todo):
        self.note(("AddUnexpectedSuccess", testName, todo))
        return {"success": True}

    @AddError.responder
    def addError(self, testName, errorClass, errorStreamId, framesStreamId):
        text, nchunks = self.text(errorStreamId)
        frames = len(self.streams.pop(framesStreamId))
        self.note(("AddError", testName, errorClass, text, frames, nchunks))
        return {"success": True}

    @AddFailure.responder
    def addFailure(self, testName, failStreamId, failClass, framesStreamId):
        text, nchunks = self.text(failStreamId)
        frames = len(self.streams.pop(framesStreamId))
        self.note(("AddFailure", testName, failClass, text, frames, nchunks))
        return {"success": True}

    @AddExpectedFailure.responder
    def addExpectedFailure(self, testName, errorStreamId, todo):
        text, nchunks = self.text(errorStreamId)
        self.note(("AddExpectedFailure", testName, text, todo))
        return {"success": True}


class WorkerTransport:
    """AMP's transport: writes go to the worker's fd 3."""

    def __init__(self, transport):
        self.transport = transport

    def write(self, data):
        self.transport.writeToChild(3, data)

    def writeSequence(self, seq):
        for data in seq:
            self.write(data)

    def loseConnection(self):
        self.transport.closeChildFD(3)

    def getHost(self):
        return "manager"

    def getPeer(self):
        return "worker"


class WorkerProcess(protocol.ProcessProtocol):
    def __init__(self, manager):
        self.manager = manager
        self.ended = defer.Deferred()
        self.err = b""

    def connectionMade(self):
        self.manager.makeConnection(WorkerTransport(self.transport))

    def childDataReceived(self, fd, data):
        if fd == 4:
            self.manager.dataReceived(data)
        elif fd == 2:
            self.err += data

    def processEnded(self, reason):
        self.manager.connectionLost(reason)
        self.ended.callback(reason.value)


def results(events, path):
    """The results of one test, in order, without the TestWrites."""
    return [e for e in events if e[0] != "TestWrite" and
            (e[1] == path or e[1].startswith(path + " "))]


def writes(events, path):
    """The TestWrite lines between PATH's banner and the next banner."""
    out, inside = [], False
    for e in events:
        if e[0] != "TestWrite":
            continue
        if e[1].startswith("--> ") and e[1].endswith(" <--"):
            inside = e[1] == "--> %s <--" % path
        elif inside:
            out.append(e[1])
    return out


@defer.inlineCallbacks
def run(m, path):
    n = len(m.events)
    t0 = time.monotonic()
    r = yield m.callRemote(Run, testCase=path)
    m.answered.add(path)
    check(r["success"] is True, "Run %s is answered success=True" % path, r)
    ev = m.events[n:]
    check(len(ev) > 0 and ev[0] == ("TestWrite", "--> %s <--" % path),
          "%s: the first command is its banner" % path, ev[:1])
    return results(ev, path), writes(ev, path), time.monotonic() - t0


def expect(got, want, desc):
    """got and want are lists of result tuples; a want text ending in
    '...' only has to start the got text."""
    ok = len(got) == len(want)
    for g, w in zip(got, want):
        if len(g) != len(w):
            ok = False
            continue
        for a, b in zip(g, w):
            if isinstance(b, str) and b.endswith("...") and \
               isinstance(a, str):
                ok = ok and a.startswith(b[:-3])
            else:
                ok = ok and a == b
    check(ok, desc, "got:  %r" % (got,), "want: %r" % (want,))


@defer.inlineCallbacks
def drive(scratch):
    m = Manager()
    proc = WorkerProcess(m)
    env = dict(os.environ)
    env.pop("DISTTRIAL_WORKER", None)
    reactor.spawnProcess(proc, "./disttrial", ["./disttrial", "--worker"],
                         env=env,
                         childFDs={0: "w", 1: "r", 2: "r", 3: "w", 4: "r"})
    directory = os.path.join(scratch, "0")
    r = yield m.callRemote(Start, directory=directory)
    check(r["success"] is True, "Start is answered success=True", r)
    check(os.path.isdir(directory), "the Start directory is made")
    check(m.events[:1] == [("TestWrite", "Log opened.")],
          'the first command is TestWrite("Log opened.")', m.events[:1])

    try:
        yield m.callRemote(Bogus, whatever="x")
        check(False, "an unknown command is refused")
    except amp.UnhandledCommand as e:
        check("Unhandled Command: b'Bogus'" in str(e),
              "an unknown command gets UNHANDLED \"Unhandled Command: "
              "b'Bogus'\"", e)
    except Exception as e:
        check(False, "an unknown command gets UNHANDLED", repr(e))

    p = FX + "/pass.sh"
    got, out, _ = yield run(m, p)
    expect(got, [("AddSuccess", p)], "exit 0: AddSuccess")
    check(out == ["pass output"], "its output is a TestWrite", out)

    p = FX + "/fail1.sh"
    got, out, _ = yield run(m, p)
    expect(got, [("AddFailure", p, "twisted.trial.unittest.FailTest",
                  "exited with status 1\n--- output ---\nboom\nsecond line"
                  "...", 0, 1)],
           "exit 1: AddFailure with its text streamed, empty frames")

    p = FX + "/skip77.sh"
    got, out, _ = yield run(m, p)
    expect(got, [("AddSkip", p, "no widgets here")], "exit 77: AddSkip")

    p = FX + "/hard99.sh"
    got, out, _ = yield run(m, p)
    expect(got, [("AddError", p, "builtins.RuntimeError",
                  "exited with status 99...", 0, 1)],
           "exit 99: AddError builtins.RuntimeError")

    p = FX + "/no-such-test"
    got, out, _ = yield run(m, p)
    expect(got, [("AddError", p, "builtins.OSError",
                  "cannot execute %s: No such file or directory..." % p,
                  0, 1)], "a missing test: AddError builtins.OSError")

    p = FX + "/tap-fail.sh"
    got, out, _ = yield run(m, p)
    expect(got, [("AddSuccess", p + " 1 - good"),
                 ("AddFailure", p + " 2 - bad", "twisted.trial.unittest.FailTest",
                  "not ok 2 - bad\n# got 1\n# expected 2...", 0, 1)],
           "TAP: AddSuccess and AddFailure named PATH N - DESC")

    p = FX + "/tap-todo.sh"
    got, out, _ = yield run(m, p)
    expect(got, [("AddExpectedFailure", p + " 1 - unwritten",
                  "not ok 1 - unwritten # TODO not yet...", "not yet"),
                 ("AddUnexpectedSuccess", p + " 2 - fixed", "should fail"),
                 ("AddExpectedFailure", p + " 3", "not ok 3 # TODO...",
                  "Test expected to fail"),
                 ("AddExpectedFailure", p + " 4 - plural",
                  "not ok 4 - plural # todos later...", "later")],
           "TAP TODO: AddExpectedFailure and AddUnexpectedSuccess")

    p = FX + "/tap-skipall.sh"
    got, out, _ = yield run(m, p)
    expect(got, [("AddSkip", p, "no network here")], "TAP skip-all: AddSkip")

    p = FX + "/tap-shortplan.sh"
    got, out, _ = yield run(m, p)
    expect(got, [("AddSuccess", p + " 1 - a"), ("AddSuccess", p + " 2 - b"),
                 ("AddError", p, "builtins.ValueError",
                  "planned 3 tests but ran 2...", 0, 1)],
           "TAP: a bad plan is one AddError builtins.ValueError")

    p = FX + "/bigtail.sh"
    got, out, _ = yield run(m, p)
    ok = len(got) == 1 and got[0][0] == "AddFailure"
    check(ok and len(got[0][3].encode()) > 65535 and got[0][5] >= 2,
          "a failure text over 65535 bytes comes in several StreamWrites",
          got and got[0][:3], got and (len(got[0][3]), got[0][5]))
    check(ok and got[0][3].endswith(
        "line 1999 0000000000000000000000000000000000000000\n"),
        "... and ends with the last line")

    p = FX + "/invalid-utf8.sh"
    got, out, _ = yield run(m, p)
    expect(got, [("AddSuccess", p)], "output that is not UTF-8: AddSuccess")
    check(any("bad \ufffd\ufffd bytes" in o for o in out),
          "... its TestWrites are repaired, and Twisted accepts them", out)

    p = FX + "/stray-twisted.sh"
    got, out, secs = yield run(m, p)
    expect(got, [("AddSuccess", p),
                 ("AddSkip", p + " processes left behind",
                  "the test left 1 process running:\npid ...")],
           "a stray child: AddSuccess, and an AddSkip naming the child")
    check(any(r[0] == "AddSkip" and "sleep 31352" in r[2] for r in got),
          "... by its command line", got)
    check(secs < 1.5, "... answered after a short grace (%.2f s)" % secs)
    check(any("still held" in o for o in out),
          "... with a TestWrite saying the output was still held", out)

    # Pipelined: both Runs at once, answered in order.
    p1, p2 = FX + "/fail1.sh", FX + "/tap-pass.sh"
    n = len(m.events)
    order = []
    d1 = m.callRemote(Run, testCase=p1)
    d1.addCallback(lambda r: (order.append(p1), m.answered.add(p1), r)[2])
    d2 = m.callRemote(Run, testCase=p2)
    d2.addCallback(lambda r: (order.append(p2), m.answered.add(p2), r)[2])
    r1, r2 = yield defer.gatherResults([d1, d2])
    check(r1["success"] is True and r2["success"] is True,
          "pipelined Runs are both answered success=True")
    check(order == [p1, p2], "... in the order sent", order)
    ev = m.events[n:]
    check(len(results(ev, p1)) == 1 and len(results(ev, p2)) == 3,
          "... each test with its own results", ev)
    banners = [e[1] for e in ev if e[0] == "TestWrite" and
               e[1].startswith("--> ")]
    check(banners == ["--> %s <--" % p1, "--> %s <--" % p2],
          "... one after the other", banners)

    check(not m.problems, "no result after its Run's answer, no stream "
          "over 65535 bytes", *m.problems)
    check(not m.streams, "every stream opened was used",
          sorted(m.streams))

    proc.transport.closeChildFD(3)
    reason = yield proc.ended
    check(getattr(reason, "exitCode", None) == 0,
          "EOF on fd 3: the worker exits 0", reason)
    check(proc.err == b"", "the worker wrote nothing on stderr", proc.err)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: twisted_driver.py SCRATCH-DIRECTORY\n")
        sys.exit(2)
    errors = []

    def observer(ev):
        if ev.get("isError"):
            errors.append(ev)

    log.addObserver(observer)

    def timeout():
        check(False, "the driver finished within %d s" % DEADLINE)
        reactor.stop()

    later = reactor.callLater(DEADLINE, timeout)

    def done(result):
        if later.active():
            later.cancel()
        if reactor.running:
            reactor.stop()
        return result

    def crashed(f):
        check(False, "the driver ran to its end", f.getTraceback())

    d = defer.maybeDeferred(drive, sys.argv[1])
    d.addErrback(crashed)
    d.addBoth(done)
    reactor.run()
    msgs = []
    for ev in errors:
        f = ev.get("failure")
        msgs.append(f.getTraceback() if f is not None else
                    " ".join(str(x) for x in ev.get("message", ())))
    check(not errors, "Twisted logged no error", *msgs)
    sys.exit(1 if check.failed else 0)


if __name__ == "__main__":
    main()
