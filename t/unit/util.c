/*
 * t/unit/util.c: the ground floor: byte buffers, UTF-8 (validate, repair,
 * cut, count), signal names, the kill ladder, and files written whole
 * (replace_*: a scratch file no one can plant, a target that is not a
 * regular file written in place, never replaced; all in a directory of
 * its own under $TMPDIR, never /dev).
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../util.h"
#include "tap.h"

static int
samebytes(const void *a, size_t alen, const void *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static void
buffers(void)
{
	struct buf b = { 0 };
	size_t i;
	int good = 1;

	for (i = 0; i < 100000; i++)
		buf_addc(&b, (int)(i % 251));
	for (i = 0; i < b.len; i++)
		if (b.data[i] != i % 251)
			good = 0;
	ok(good && b.len == 100000 && b.cap >= b.len,
	    "a buffer grows to 100000 bytes and keeps them");
	buf_consume(&b, 99990);
	ok(b.len == 10 && b.data[0] == 99990 % 251,
	    "consume drops bytes from the front");
	buf_consume(&b, 50);
	ok(b.len == 0, "consuming more than it holds empties it");
	buf_addstr(&b, "abc");
	buf_add(&b, "", 0);
	ok(b.len == 3 && memcmp(b.data, "abc", 3) == 0, "addstr, add nothing");
	buf_free(&b);
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "free resets it");
}

static int
fixed(const char *in, size_t len, const char *want)
{
	struct buf out = { 0 };
	int r;

	utf8_repair(&out, (const unsigned char *)in, len);
	r = samebytes(out.data, out.len, want, strlen(want)) &&
	    utf8_valid(out.data, out.len);
	buf_free(&out);
	return r;
}

#define U(s) (const unsigned char *)(s), sizeof(s) - 1
#define R "\xef\xbf\xbd"

static void
utf8(void)
{
	ok(utf8_valid(U("")) && utf8_valid(U("caf\xc3\xa9 \xe2\x98\x83")) &&
	    utf8_valid(U("\xf0\x9f\x98\x80")) && utf8_valid(U("\xf4\x8f\xbf\xbf")),
	    "valid UTF-8, up to U+10FFFF, is valid");
	ok(!utf8_valid(U("\xff")) && !utf8_valid(U("\xc3")) &&
	    !utf8_valid(U("\xc0\xaf")) && !utf8_valid(U("\xe0\x80\xaf")) &&
	    !utf8_valid(U("\xed\xa0\x80")) && !utf8_valid(U("\xf4\x90\x80\x80")) &&
	    !utf8_valid(U("\x80")), "stray, cut, overlong, surrogate, "
	    "past U+10FFFF and lone continuation bytes are invalid");
	ok(fixed("a\xff" "b", 3, "a" R "b"), "repair: one bad byte, one U+FFFD");
	ok(fixed("\xe2\x98", 2, R), "repair: a cut sequence is one U+FFFD");
	ok(fixed("\xe2\x98x\xe2\x98\x83", 6, R "x\xe2\x98\x83"),
	    "repair: a cut sequence then a good one");
	ok(fixed("\xc0\xaf", 2, R R), "repair: overlong C0 AF is two U+FFFD");
	ok(fixed("\xed\xa0\x80", 3, R R R), "repair: a surrogate is three");
	ok(fixed("\xf0\x9f\x98", 3, R), "repair: a cut 4-byte sequence is one");
	ok(fixed("caf\xc3\xa9", 5, "caf\xc3\xa9"), "repair keeps good text");
}

static void
cuts(void)
{
	ok(utf8_cut(U("abcdef"), 4) == 4 && utf8_cut(U("ab"), 4) == 2,
	    "cut: ASCII is cut where asked; a short text is whole");
	ok(utf8_cut(U("ab\xe2\x98\x83"), 3) == 2 &&
	    utf8_cut(U("ab\xe2\x98\x83"), 4) == 2 &&
	    utf8_cut(U("ab\xe2\x98\x83"), 5) == 5,
	    "cut: never inside a 3-byte sequence");
	ok(utf8_cut(U("a\x80\x80\x80\x80\x80"), 5) == 5,
	    "cut: a run of 4+ continuation bytes is cut where it stands");
	ok(utf8_count(U("caf\xc3\xa9 \xe2\x98\x83")) == 6 &&
	    utf8_count(U("")) == 0, "count: code points, not bytes");
	ok(utf8_span(U("a\xc3\xa9\xe2\x98\x83z"), 2) == 3 &&
	    utf8_span(U("a\xc3\xa9\xe2\x98\x83z"), 0) == 0 &&
	    utf8_span(U("a\xc3\xa9"), 9) == 3,
	    "span: the bytes of the first n code points");
}

static void
signals(void)
{
	ok(strcmp(signame(SIGKILL), "SIGKILL") == 0 &&
	    strcmp(signame(SIGTERM), "SIGTERM") == 0 &&
	    strcmp(signame(0), "unknown") == 0, "signal names");
}

static void
ladder(void)
{
	struct ladder l = { 0 };
	long long t;

	ok(ladder_due(&l, now_ms()) == 0, "a ladder not started sends nothing");
	ladder_start(&l, 100000);
	t = l.due;
	ok(ladder_due(&l, t - 1) == 0, "nothing before the first rung is due");
	ok(ladder_due(&l, t) == SIGTERM && l.due == t + LADDER_GRACEMS,
	    "SIGTERM when due, then the grace");
	ok(ladder_due(&l, t + 1) == 0, "nothing during the grace");
	ok(ladder_due(&l, t + LADDER_GRACEMS) == SIGKILL && l.due == 0,
	    "SIGKILL after the grace, and the ladder is done");
	ok(ladder_due(&l, t + 10 * LADDER_GRACEMS) == 0, "then nothing more");
	ok(now_ms() <= now_ms(), "the clock does not go back");
}

static char dir[64];

/* dir/name, in a static buffer (so a target that must last is copied). */
static const char *
at(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* Whether fd (closed here) reads exactly want at once. */
static int
fdholds(int fd, const char *want)
{
	char got[256];
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, got, sizeof(got));
	close(fd);
	return n >= 0 && samebytes(got, (size_t)n, want, strlen(want));
}

static int
holds(const char *path, const char *want)
{
	return fdholds(open(path, O_RDONLY), want);
}

/* The entries of dir but . and .. */
static int
entries(void)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		fatal("%s:", dir);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static int
writeall(const char *path, const char *text)
{
	struct replace r;

	if (replace_open(&r, path) < 0)
		return -1;
	fputs(text, r.f);
	return replace_close(&r);
}

static ino_t
inode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* lstat's file type of path: S_IFREG, S_IFLNK, ...; 0 if none. */
static mode_t
type(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0;
}

/* A new file, a regular file replaced, the scratch file's name and flags. */
static void
replaced(void)
{
	struct replace r;
	struct stat st;
	char target[128], planted[160];
	ino_t victim;

	ok(writeall(at("new"), "one\n") == 0 && holds(at("new"), "one\n") &&
	    entries() == 1, "replace: a new file, whole, no scratch file left");
	if (stat(at("new"), &st) < 0)
		st.st_mode = 0;
	ok((st.st_mode & 0777) == 0644, "... with the mode a new file gets "
	    "(umask 022: 644, not mkstemp's 600): %o",
	    (unsigned)(st.st_mode & 0777));
	ok(writeall(at("victim"), "precious\n") == 0, "a victim file");
	victim = inode(at("victim"));
	snprintf(planted, sizeof(planted), "%s.tmp%ld", at("new"),
	    (long)getpid());
	ok(symlink("victim", planted) == 0,
	    "a link to it planted as new.tmp<pid>");
	snprintf(target, sizeof(target), "%s", at("new"));
	ok(replace_open(&r, target) == 0 && r.tmp != NULL &&
	    strncmp(r.tmp, at("new.tmp"), strlen(at("new.tmp"))) == 0 &&
	    strcmp(r.tmp, planted) != 0,
	    "the scratch file is beside the target, under another name");
	ok(r.f != NULL && (fcntl(fileno(r.f), F_GETFD) & FD_CLOEXEC) != 0,
	    "... close-on-exec");
	fputs("two\n", r.f);
	ok(replace_close(&r) == 0 && holds(at("new"), "two\n") &&
	    type(at("new")) == S_IFREG, "the file is replaced, whole");
	ok(holds(at("victim"), "precious\n") && inode(at("victim")) == victim,
	    "... the planted link's target untouched");
	ok(type(planted) == S_IFLNK && entries() == 3,
	    "... the link left as it was, and no scratch file");
	unlink(planted);
}

/* A link and a FIFO are written in place, never replaced. */
static void
inplace(void)
{
	ino_t victim = inode(at("victim"));
	int rd;

	ok(symlink("victim", at("link")) == 0, "a link to a regular file");
	ok(writeall(at("link"), "xml\n") == 0 && type(at("link")) == S_IFLNK,
	    "replace: a link is written through, not replaced");
	ok(holds(at("victim"), "xml\n") && inode(at("victim")) == victim,
	    "... its target written in place, truncated");
	ok(mkfifo(at("fifo"), 0600) == 0, "a FIFO");
	errno = 0;
	ok(writeall(at("fifo"), "lost\n") < 0 && errno == ENXIO,
	    "replace: a FIFO no one reads is an error (ENXIO), not a wait");
	rd = open(at("fifo"), O_RDONLY | O_NONBLOCK);
	ok(rd >= 0 && writeall(at("fifo"), "read\n") == 0,
	    "a FIFO with a reader is written");
	ok(fdholds(rd, "read\n"), "... the reader reads it");
	ok(type(at("fifo")) == S_IFIFO && entries() == 4,
	    "... still a FIFO, no scratch file left");
}

/* replace_check writes nothing; a failed rename leaves no scratch file. */
static void
checks(void)
{
	struct replace r;
	char target[128];

	ok(replace_check(at("new")) == 0 && replace_check(at("none")) == 0 &&
	    replace_check(at("fifo")) == 0 && entries() == 4,
	    "check: a file, no file, a FIFO: writable, nothing written");
	errno = 0;
	ok(replace_check(at("no/such")) < 0 && errno == ENOENT,
	    "check: no such directory");
	errno = 0;
	ok(replace_check(dir) < 0 && errno == EISDIR, "check: a directory");
	ok(symlink("none", at("dangling")) == 0 &&
	    replace_check(at("dangling")) < 0 && errno == ENOENT &&
	    type(at("dangling")) == S_IFLNK,
	    "check: a dangling link is not followed into a new file");
	unlink(at("dangling"));
	snprintf(target, sizeof(target), "%s", at("gone"));
	ok(replace_open(&r, target) == 0 && mkdir(target, 0700) == 0 &&
	    mkdir(at("gone/sub"), 0700) == 0, "a target that became a "
	    "directory");
	fputs("x\n", r.f);
	ok(replace_close(&r) < 0 && entries() == 5,
	    "... cannot be replaced: -1, and no scratch file left");
	rmdir(at("gone/sub"));
	rmdir(at("gone"));
}

static void
replaces(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/disttrial-utilXXXXXX",
	    t != NULL && *t != '\0' && strlen(t) < 32 ? t : "/tmp");
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp:");
	umask(022);
	replaced();
	inplace();
	checks();
	unlink(at("new"));
	unlink(at("victim"));
	unlink(at("link"));
	unlink(at("fifo"));
	rmdir(dir);
}

int
main(void)
{
	buffers();
	utf8();
	cuts();
	signals();
	ladder();
	replaces();
	return tap_done();
}
