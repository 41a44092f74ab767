# disttrial: POSIX make.  The user's CFLAGS sit beside STDFLAGS.
.POSIX:
.SUFFIXES:
.SUFFIXES: .c .o

PREFIX = /usr/local
MANPREFIX = $(PREFIX)/share/man
CC = cc
CFLAGS = -O2
STDFLAGS = -std=c99 -pedantic -Wall -Wextra -Wshadow -Wmissing-prototypes
FUZZCC = clang
FUZZFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined

OBJ = amp.o discover.o disttrial.o junit.o reporter.o state.o stream.o tap.o \
    util.o worker.o workertrial.o
HDR = amp.h discover.h junit.h reporter.h state.h stream.h tap.h util.h \
    worker.h workertrial.h
UNIT = t/unit/amp t/unit/reporter t/unit/state t/unit/stream t/unit/tap \
    t/unit/util
TOOLS = t/lib/wdriver t/lib/sigdfl t/lib/slowpipe t/lib/leave

all: disttrial

disttrial: $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $(OBJ) $(LDLIBS)

.c.o:
	$(CC) $(STDFLAGS) $(CFLAGS) -c -o $@ $<

$(OBJ): $(HDR)

t/unit/amp: t/unit/amp.o amp.o stream.o util.o
	$(CC) $(LDFLAGS) -o $@ t/unit/amp.o amp.o stream.o util.o $(LDLIBS)
t/unit/reporter: t/unit/reporter.o junit.o reporter.o util.o
	$(CC) $(LDFLAGS) -o $@ t/unit/reporter.o junit.o reporter.o util.o \
	    $(LDLIBS)
# t/unit/state includes state.c, its string functions counted.
t/unit/state: t/unit/state.o util.o
	$(CC) $(LDFLAGS) -o $@ t/unit/state.o util.o $(LDLIBS)
t/unit/state.o: state.c
t/unit/stream: t/unit/stream.o stream.o util.o
	$(CC) $(LDFLAGS) -o $@ t/unit/stream.o stream.o util.o $(LDLIBS)
t/unit/tap: t/unit/tap.o tap.o util.o
	$(CC) $(LDFLAGS) -o $@ t/unit/tap.o tap.o util.o $(LDLIBS)
t/unit/util: t/unit/util.o util.o
	$(CC) $(LDFLAGS) -o $@ t/unit/util.o util.o $(LDLIBS)
t/unit/amp.o t/unit/reporter.o t/unit/state.o t/unit/stream.o t/unit/tap.o \
    t/unit/util.o: t/unit/tap.h $(HDR)
t/lib/wdriver: t/lib/wdriver.o amp.o stream.o util.o
	$(CC) $(LDFLAGS) -o $@ t/lib/wdriver.o amp.o stream.o util.o $(LDLIBS)
t/lib/wdriver.o: $(HDR)
t/lib/sigdfl: t/lib/sigdfl.c
	$(CC) $(STDFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ t/lib/sigdfl.c $(LDLIBS)
t/lib/slowpipe: t/lib/slowpipe.c
	$(CC) $(STDFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ t/lib/slowpipe.c $(LDLIBS)
t/lib/leave: t/lib/leave.c
	$(CC) $(STDFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ t/lib/leave.c $(LDLIBS)

# disttrial runs its own suite, named by its operands: the unit programs
# in t/unit and the t/*.sh scripts.  Fixture suites (t/fixtures/) and
# helpers (t/lib/) are never named, so the fixtures' deliberate failures
# are not collected.
check: disttrial $(UNIT) $(TOOLS)
	./disttrial t/unit t/*.sh

example: disttrial
	./disttrial examples

# libFuzzer targets: the AMP decoder and the stream table, the TAP
# parser, the manager fed a worker's bytes, the worker fed a manager's.
# Run one with: t/fuzz/amp -max_total_time=60 (README.md).
FUZZ = t/fuzz/amp t/fuzz/tap t/fuzz/manager t/fuzz/worker
fuzz: $(FUZZ)
t/fuzz/amp: t/fuzz/amp.c amp.c stream.c util.c $(HDR)
	$(FUZZCC) $(STDFLAGS) $(FUZZFLAGS) -o $@ t/fuzz/amp.c amp.c \
	    stream.c util.c
t/fuzz/tap: t/fuzz/tap.c tap.c util.c $(HDR)
	$(FUZZCC) $(STDFLAGS) $(FUZZFLAGS) -o $@ t/fuzz/tap.c tap.c util.c
t/fuzz/manager: t/fuzz/manager.c amp.c junit.c reporter.c stream.c util.c \
    worker.c $(HDR)
	$(FUZZCC) $(STDFLAGS) $(FUZZFLAGS) -o $@ t/fuzz/manager.c amp.c \
	    junit.c reporter.c stream.c util.c worker.c
t/fuzz/worker: t/fuzz/worker.c workertrial.c amp.c stream.c tap.c util.c \
    $(HDR)
	$(FUZZCC) $(STDFLAGS) $(FUZZFLAGS) -o $@ t/fuzz/worker.c amp.c \
	    stream.c tap.c util.c

lint:
	mandoc -Tlint -Wwarning disttrial.1

install: disttrial
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1
	cp -f disttrial $(DESTDIR)$(PREFIX)/bin/
	chmod 755 $(DESTDIR)$(PREFIX)/bin/disttrial
	cp -f disttrial.1 $(DESTDIR)$(MANPREFIX)/man1/
	chmod 644 $(DESTDIR)$(MANPREFIX)/man1/disttrial.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/disttrial
	rm -f $(DESTDIR)$(MANPREFIX)/man1/disttrial.1

clean:
	rm -f disttrial $(OBJ) $(UNIT) $(TOOLS) t/unit/*.o t/lib/*.o $(FUZZ)
	rm -rf _trial_temp _trial_temp-* _trial_temp.lock
