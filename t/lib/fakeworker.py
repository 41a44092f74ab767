"""
t/lib/fakeworker.py: a fake trial worker for the manager's tests.  It
speaks AMP on fds 3 (in) and 4 (out) the way Twisted 22.4's worker does
(the old dialect: failure and error texts and traceback frames inline),
with plain Python, no Twisted.

usage: python3 t/lib/fakeworker.py SOURCE

SOURCE is a Python file whose lines the frames of failures and errors
point at.  What a Run reports depends on the test id's last component:

    test_pass     AddSuccess
    test_fail     AddFailure, fail and frames inline (old dialect)
    test_error    AddError, error and frames inline
    test_todo     AddExpectedFailure, error inline
    test_skip     AddSkip
    test_xpass    AddUnexpectedSuccess
    test_log      two TestWrite lines, then AddSuccess
    test_two      AddError and AddFailure for the same test
    test_badtag   answers the Run with a tag that was never asked
    test_garbage  writes bytes that are not AMP
    test_exit3    exits with status 3 without answering the Run
    test_silent   answers the Run, having reported nothing
    test_refuse   answers the Run with an error, having reported nothing
    test_slow     AddSuccess, answered after 0.3 s: a Run that comes
                  meanwhile is a PROTOCOL problem, since this worker,
                  like Twisted's, does not say queueAhead in Start's
                  answer, and may not be sent a Run before the last is
                  answered

Like 22.4's worker it writes "Log opened." at start and "--> ID <--"
before each test, and answers a Run right after sending its results,
in one write.  It checks the manager's answers: every ask answered
once, with success=True (streamId and empty answers are not expected
here), and anything wrong goes to stderr (the worker's N/err.log) as a
line starting with "PROTOCOL".  It exits 0 at EOF on fd 3.
"""

import os
import select
import sys

AMP_IN = 3
AMP_OUT = 4


def put(key, value):
    if isinstance(key, str):
        key = key.encode()
    if isinstance(value, str):
        value = value.encode("utf-8")
    return (len(key).to_bytes(2, "big") + key +
            len(value).to_bytes(2, "big") + value)


def box(pairs):
    """Encodes a box, keys in sorted byte order as Twisted does."""
    items = sorted((k.encode() if isinstance(k, str) else k, v)
                   for k, v in pairs.items())
    return b"".join(put(k, v) for k, v in items) + b"\x00\x00"


def listof(values):
    out = b""
    for v in values:
        v = v.encode("utf-8")
        out += len(v).to_bytes(2, "big") + v
    return out


class Decoder:
    def __init__(self):
        self.buf = b""

    def feed(self, data):
        self.buf += data

    def boxes(self):
        while True:
            off = 0
            pairs = {}
            while True:
                if len(self.buf) - off < 2:
                    return
                klen = int.from_bytes(self.buf[off:off + 2], "big")
                off += 2
                if klen == 0:
                    self.buf = self.buf[off:]
                    yield pairs
                    break
                if len(self.buf) - off < klen + 2:
                    return
                key = self.buf[off:off + klen]
                off += klen
                vlen = int.from_bytes(self.buf[off:off + 2], "big")
                off += 2
                if len(self.buf) - off < vlen:
                    return
                pairs[key] = self.buf[off:off + vlen]
                off += vlen


class Worker:
    def __init__(self, source):
        self.source = source
        self.tag = 0
        self.asked = {}
        self.out = b""
        self.pending = b""

    def problem(self, text):
        sys.stderr.write("PROTOCOL " + text + "\n")
        sys.stderr.flush()

    def ask(self, command, **args):
        self.tag += 1
        tag = "%x" % self.tag
        self.asked[tag] = command
        args["_ask"] = tag
        args["_command"] = command
        self.out += box(args)

    def answer(self, tag, **args):
        args["_answer"] = tag
        self.out += box(args)

    def flush(self):
        while self.out:
            n = os.write(AMP_OUT, self.out)
            self.out = self.out[n:]

    def frames_fail(self):
        return listof([
            "_run", "/nonexistent/twisted/trial/_synctest.py", "383",
            "runWithWarningsSuppressed", "/nonexistent/twisted/trial/util.py",
            "212",
            "test_fail", self.source, "9",
            "helper", "/nonexistent/missing.py", "12",
            "failUnlessEqual", "/nonexistent/twisted/trial/_synctest.py",
            "444",
        ])

    def frames_error(self):
        return listof([
            "maybeDeferred", "/nonexistent/twisted/internet/defer.py", "190",
            "runWithWarningsSuppressed",
            "/nonexistent/twisted/internet/utils.py", "240",
            "runWithWarningsSuppressed",
            "/nonexistent/twisted/internet/utils.py", "236",
            "test_error", self.source, "12",
        ])

    def run(self, tag, test):
        name = test.rsplit(".", 1)[-1]
        self.ask("TestWrite", out="--> %s <--" % test)
        if name == "test_pass":
            self.ask("AddSuccess", testName=test)
        elif name == "test_fail":
            self.ask("AddFailure", testName=test, fail="1 != 2",
                     failClass="twisted.trial.unittest.FailTest",
                     frames=self.frames_fail())
        elif name == "test_error":
            self.ask("AddError", testName=test, error="boom",
                     errorClass="builtins.RuntimeError",
                     frames=self.frames_error())
        elif name == "test_todo":
            self.ask("AddExpectedFailure", testName=test,
                     error="expected to fail", todo="known bug")
        elif name == "test_skip":
            self.ask("AddSkip", testName=test, reason="not today")
        elif name == "test_xpass":
            self.ask("AddUnexpectedSuccess", testName=test,
                     todo="should have failed")
        elif name == "test_log":
            self.ask("TestWrite", out="hello from test_log")
            self.ask("TestWrite", out="second line caf\u00e9")
            self.ask("AddSuccess", testName=test)
        elif name == "test_two":
            self.ask("AddError", testName=test, error="first",
                     errorClass="builtins.RuntimeError",
                     frames=self.frames_error())
            self.ask("AddFailure", testName=test, fail="second",
                     failClass="twisted.trial.unittest.FailTest",
                     frames=self.frames_fail())
        elif name == "test_badtag":
            self.answer("ffff", success="True")
            return
        elif name == "test_garbage":
            self.flush()
            os.write(AMP_OUT, b"\xff\xffthis is not AMP\n")
            return
        elif name == "test_silent":
            pass
        elif name == "test_slow":
            self.ask("AddSuccess", testName=test)
            self.flush()
            ready, _, _ = select.select([AMP_IN], [], [], 0.3)
            if ready:
                data = os.read(AMP_IN, 65536)
                if b"Run" in data:
                    self.problem("a Run came before %s was answered" %
                                 test)
                self.pending += data
        elif name == "test_refuse":
            self.flush()
            os.write(AMP_OUT, box({"_error": tag.encode(),
                                   "_error_code": b"UNKNOWN",
                                   "_error_description": b"Unknown Error"}))
            return
        elif name == "test_exit3":
            self.flush()
            os._exit(3)
        else:
            self.problem("unknown test %r" % test)
        self.answer(tag, success="True")

    def handle(self, b):
        if b"_answer" in b:
            tag = b[b"_answer"].decode()
            if tag not in self.asked:
                self.problem("an answer for tag %r, never asked" % tag)
                return
            command = self.asked.pop(tag)
            if b.get(b"success") != b"True":
                self.problem("%s answered %r" % (command, b))
            return
        if b"_error" in b:
            self.problem("an error box: %r" % b)
            self.asked.pop(b[b"_error"].decode(), None)
            return
        command = b.get(b"_command")
        tag = b.get(b"_ask", b"").decode()
        if command == b"Start":
            self.answer(tag, success="True")
        elif command == b"Run":
            self.run(tag, b[b"testCase"].decode("utf-8"))
        else:
            self.problem("unexpected command %r" % command)

    def main(self):
        dec = Decoder()
        self.ask("TestWrite", out="Log opened.")
        self.flush()
        while True:
            data, self.pending = self.pending, b""
            if not data:
                data = os.read(AMP_IN, 65536)
            if not data:
                break
            dec.feed(data)
            for b in dec.boxes():
                self.handle(b)
            self.flush()
        for tag, command in sorted(self.asked.items()):
            self.problem("%s (tag %s) was never answered" % (command, tag))
        return 0


if __name__ == "__main__":
    sys.exit(Worker(sys.argv[1]).main())
