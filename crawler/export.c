/* export: `crawler export` (JSON Lines, CSV, WARC) and `crawler show`.
 * See export.h for the contract and docs/export.md for the user's view.
 *
 * Everything streams: one SELECT over urls in id order (a rowid scan, so
 * SQLite never sorts), one row formatted at a time into a fixed output
 * buffer, bodies and records decoded chunk by chunk as warc_read_record
 * hands them over.  The only buffers that grow are reused from row to row
 * (the redirect chain of the row, a CSV cell), so memory stays flat however
 * many rows the crawl has.  All statements run in one read transaction of a
 * read-only connection: the export is one consistent snapshot even while a
 * crawl writes (WAL mode).
 *
 * Output errors are sticky (struct out remembers the first errno) and are
 * checked once per row, which keeps the formatting code free of error paths.
 */
#define _GNU_SOURCE
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include "charset.h"
#include "io.h"
#include "url.h"
#include "warc.h"

#ifndef CRAWLER_VERSION
#define CRAWLER_VERSION "0.0.0"
#endif

#define OUT_CAP (256 * 1024)   /* bytes buffered before each write(2) */
#define CHUNK (64 * 1024)      /* record copy and compression buffers */
#define MAX_HOPS 20            /* redirect hops followed per row */
#define WARC_HEAD_MAX (64 * 1024) /* a WARC record header longer is corrupt */
#define STAGE_CAP 4096         /* iconv input per call */
#define BUSY_TIMEOUT_MS 10000
#define GZIP_LEVEL 6

#define DEFAULT_FIELDS "url,final_url,status,content_type,length,fetched_at," \
		       "depth,parent,title,links,error,extracted"

/* ---- output ---- */

/* A write buffer in front of a file descriptor, or (fd -1) a growable
 * in-memory string used for SQL text and CSV cells. */
struct out {
	int fd;
	char *buf;
	size_t len, cap;
	int err; /* errno of the first failure; later writes are dropped */
};

static int out_init(struct out *o, int fd, size_t cap)
{
	o->fd = fd;
	o->len = 0;
	o->err = 0;
	o->cap = cap;
	o->buf = malloc(cap);
	return o->buf ? 0 : -1;
}

static void out_flush(struct out *o)
{
	if (o->fd >= 0 && o->len > 0 && !o->err && io_write_all(o->fd, o->buf, o->len) < 0)
		o->err = errno;
	if (o->fd >= 0)
		o->len = 0;
}

static int out_grow(struct out *o, size_t need)
{
	size_t cap = o->cap;

	while (cap - o->len < need)
		cap *= 2;
	char *p = realloc(o->buf, cap);
	if (!p) {
		o->err = ENOMEM;
		return -1;
	}
	o->buf = p;
	o->cap = cap;
	return 0;
}

static void out_put(struct out *o, const void *p, size_t n)
{
	if (o->err || n == 0)
		return;
	if (o->fd < 0) {
		if (o->cap - o->len < n && out_grow(o, n) < 0)
			return;
	} else if (o->cap - o->len < n) {
		out_flush(o);
		if (n >= o->cap) {
			if (!o->err && io_write_all(o->fd, p, n) < 0)
				o->err = errno;
			return;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void out_putc(struct out *o, char c)
{
	out_put(o, &c, 1);
}

static void out_puts(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static void out_int(struct out *o, long long v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%lld", v);

	out_put(o, b, (size_t)n);
}

/* NUL-terminates a memory out so its text can be used as a C string. */
static const char *out_str(struct out *o)
{
	out_putc(o, '\0');
	if (o->err)
		return NULL;
	o->len--;
	return o->buf;
}

/* ---- UTF-8 validation and escaping ---- */

/* Incremental UTF-8 decoder (RFC 3629 ranges: no overlongs, surrogates or
 * code points past U+10FFFF), fed one byte at a time so sequences may be
 * split across chunks. */
struct utf8 {
	unsigned char seq[4];
	unsigned char len, need, lo, hi;
};

enum {
	U8_MORE,      /* inside a sequence */
	U8_CHAR,      /* seq[0..len) is one complete character */
	U8_BAD,       /* the byte cannot start a character */
	U8_BAD_AGAIN, /* the sequence so far is invalid; feed the byte again */
};

static int utf8_step(struct utf8 *u, unsigned char c)
{
	if (u->need == 0) {
		u->len = 0;
		if (c < 0x80) {
			u->seq[u->len++] = c;
			return U8_CHAR;
		}
		if (c >= 0xC2 && c <= 0xDF)
			u->need = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			u->need = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			u->need = 3;
		else
			return U8_BAD;
		u->lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
		u->hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
		u->seq[u->len++] = c;
		return U8_MORE;
	}
	if (c < u->lo || c > u->hi) {
		u->need = 0;
		return U8_BAD_AGAIN;
	}
	u->seq[u->len++] = c;
	u->lo = 0x80;
	u->hi = 0xBF;
	return --u->need ? U8_MORE : U8_CHAR;
}

enum esc_mode { ESC_JSON, ESC_CSV };

/* Bytes that go out as they are, found in runs for speed. */
static int esc_plain(unsigned char c, enum esc_mode m)
{
	if (m == ESC_CSV)
		return c < 0x80 && c != '"';
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

static void esc_ascii(struct out *o, unsigned char c, enum esc_mode m)
{
	static const char hex[] = "0123456789abcdef";
	char b[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	if (m == ESC_CSV) {
		out_put(o, "\"\"", c == '"' ? 2 : 0);
		if (c != '"')
			out_putc(o, (char)c);
		return;
	}
	switch (c) {
	case '"': out_puts(o, "\\\""); break;
	case '\\': out_puts(o, "\\\\"); break;
	case '\n': out_puts(o, "\\n"); break;
	case '\r': out_puts(o, "\\r"); break;
	case '\t': out_puts(o, "\\t"); break;
	case '\b': out_puts(o, "\\b"); break;
	case '\f': out_puts(o, "\\f"); break;
	default:
		if (c < 0x20)
			out_put(o, b, sizeof b);
		else
			out_putc(o, (char)c);
	}
}

/* Writes p[0..n) escaped for a JSON string or a quoted CSV cell, invalid
 * UTF-8 replaced by U+FFFD; an incomplete sequence at the end waits in u
 * for the next chunk (esc_end settles it). */
static void esc_feed(struct utf8 *u, struct out *o, const unsigned char *p,
		     size_t n, enum esc_mode m)
{
	size_t i = 0;

	while (i < n) {
		if (u->need == 0 && esc_plain(p[i], m)) {
			size_t j = i;

			while (j < n && esc_plain(p[j], m))
				j++;
			out_put(o, p + i, j - i);
			i = j;
			continue;
		}
		switch (utf8_step(u, p[i])) {
		case U8_CHAR:
			if (u->len == 1)
				esc_ascii(o, u->seq[0], m);
			else
				out_put(o, u->seq, u->len);
			i++;
			break;
		case U8_MORE:
			i++;
			break;
		case U8_BAD:
			out_puts(o, CHARSET_REPLACEMENT);
			i++;
			break;
		default:
			out_puts(o, CHARSET_REPLACEMENT);
		}
	}
}

static void esc_end(struct utf8 *u, struct out *o)
{
	if (u->need)
		out_puts(o, CHARSET_REPLACEMENT);
	u->need = 0;
}

static void json_str(struct out *o, const void *s, size_t n)
{
	struct utf8 u = { .need = 0 };

	out_putc(o, '"');
	esc_feed(&u, o, s, n, ESC_JSON);
	esc_end(&u, o);
	out_putc(o, '"');
}

/* RFC 4180: quoted only when it holds a comma, quote, CR or LF. */
static void csv_cell(struct out *o, const void *s, size_t n)
{
	struct utf8 u = { .need = 0 };
	const char *p = s;
	int quote = 0;

	for (size_t i = 0; i < n && !quote; i++)
		quote = p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n';
	if (quote)
		out_putc(o, '"');
	esc_feed(&u, o, s, n, ESC_CSV);
	esc_end(&u, o);
	if (quote)
		out_putc(o, '"');
}

/* ---- base64 (RFC 4648), streamed ---- */

struct b64 {
	unsigned char carry[3];
	size_t n;
};

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encodes one group of n (1..3) bytes as four characters into q. */
static void b64_quad(char *q, const unsigned char *in, size_t n)
{
	const char *a = b64_alphabet;
	unsigned v = (unsigned)in[0] << 16 | (n > 1 ? (unsigned)in[1] << 8 : 0) |
		     (n > 2 ? in[2] : 0);

	q[0] = a[v >> 18];
	q[1] = a[v >> 12 & 63];
	q[2] = n > 1 ? a[v >> 6 & 63] : '=';
	q[3] = n > 2 ? a[v & 63] : '=';
}

static void b64_feed(struct b64 *b, struct out *o, const unsigned char *p, size_t n)
{
	char q[4 * 256];
	size_t k = 0;

	while (b->n && b->n < 3 && n) {
		b->carry[b->n++] = *p++;
		n--;
	}
	if (b->n == 3) {
		b64_quad(q, b->carry, 3);
		k = 4;
		b->n = 0;
	}
	for (; n >= 3; p += 3, n -= 3) {
		b64_quad(q + k, p, 3);
		k += 4;
		if (k == sizeof q) {
			out_put(o, q, k);
			k = 0;
		}
	}
	out_put(o, q, k);
	memcpy(b->carry + b->n, p, n);
	b->n += n;
}

static void b64_end(struct b64 *b, struct out *o)
{
	char q[4];

	if (b->n) {
		b64_quad(q, b->carry, b->n);
		out_put(o, q, 4);
	}
	b->n = 0;
}

/* ---- charsets: body bytes to UTF-8 ---- */

static int word_in(const char *word, const char *const *set)
{
	for (; *set; set++)
		if (strcasecmp(word, *set) == 0)
			return 1;
	return 0;
}

static const char *find_ci(const char *s, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; s + n <= end; s++)
		if (strncasecmp(s, needle, n) == 0)
			return s;
	return NULL;
}

/* The charset parameter of a Content-Type value, lower-cased, into
 * out[CHARSET_NAME_MAX] ("" when none).  Only label characters are taken,
 * so nothing reaching iconv_open can carry "//" suffixes. */
static void content_type_charset(const char *ct, char *out)
{
	const char *end = ct + strlen(ct), *s = ct;
	size_t n;

	out[0] = '\0';
	while ((s = find_ci(s, end, "charset"))) {
		s += 7;
		s += strspn(s, " \t");
		if (*s != '=')
			continue;
		s += 1 + strspn(s + 1, " \t\"'");
		n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			      "0123456789-_.:+");
		charset_copy_lower(out, CHARSET_NAME_MAX, s, n);
		return;
	}
}

struct text_dec {
	struct out *o;
	struct utf8 u;
	struct charset cs; /* keeps its iconv descriptor across rows */
	char declared[CHARSET_NAME_MAX]; /* from the row's Content-Type */
	char pre[CHARSET_PRESCAN_LEN];
	size_t pre_len;
	int started;
	enum charset_decoder how;
	char carry[CHARSET_CARRY_MAX];
	size_t carry_len;
};

static int dec_sink(void *arg, const char *utf8, size_t len)
{
	struct text_dec *d = arg;

	esc_feed(&d->u, d->o, (const unsigned char *)utf8, len, ESC_JSON);
	return 0;
}

/* Through iconv in pieces; an incomplete sequence at the end of a chunk
 * waits in carry for the next one. */
static void dec_iconv(struct text_dec *d, const char *p, size_t n, int last)
{
	char in[CHARSET_CARRY_MAX + STAGE_CAP];

	while (n > 0 || (last && d->carry_len)) {
		size_t take = n < STAGE_CAP ? n : STAGE_CAP, len = d->carry_len + take;
		ssize_t left;

		memcpy(in, d->carry, d->carry_len);
		memcpy(in + d->carry_len, p, take);
		p += take;
		n -= take;
		left = charset_convert(&d->cs, in, len, last && n == 0, dec_sink, d);
		d->carry_len = left > 0 ? (size_t)left : 0;
		memcpy(d->carry, in + len - d->carry_len, d->carry_len);
	}
}

static void dec_undecided(struct text_dec *d, const char *p, size_t n, int last);

static void dec_convert(struct text_dec *d, const char *p, size_t n, int last)
{
	if (d->how == CHARSET_GUESS)
		dec_undecided(d, p, n, last);
	else if (d->how == CHARSET_ICONV)
		dec_iconv(d, p, n, last);
	else
		esc_feed(&d->u, d->o, (const unsigned char *)p, n, ESC_JSON);
}

/* Decides as html.c does: UTF-8 when the first non-ASCII byte starts a
 * valid UTF-8 sequence, else windows-1252. */
static void dec_decide(struct text_dec *d, const unsigned char *s, size_t n)
{
	d->how = charset_utf8_seq_ok(s, n) ? CHARSET_UTF8 : charset_use(&d->cs, "windows-1252");
}

/* Without a declared charset, ASCII passes through undecided wherever it
 * is, and the first non-ASCII byte decides; a sequence cut by the end of a
 * chunk waits in carry for the next one. */
static void dec_undecided(struct text_dec *d, const char *p, size_t n, int last)
{
	if (d->carry_len) {
		unsigned char seq[8];
		size_t k = d->carry_len, more = n < sizeof seq - k ? n : sizeof seq - k;
		memcpy(seq, d->carry, k);
		if (more) /* p is NULL at the end of the body */
			memcpy(seq + k, p, more);
		if (k + more < charset_utf8_seq_len(seq[0]) && !last) {
			memcpy(d->carry + k, p, more);
			d->carry_len += more;
			return;
		}
		dec_decide(d, seq, k + more);
		d->carry_len = 0;
		dec_convert(d, (const char *)seq, k, 0);
		dec_convert(d, p, n, last);
		return;
	}
	size_t i = 0;
	while (i < n && !(p[i] & 0x80))
		i++;
	esc_feed(&d->u, d->o, (const unsigned char *)p, i, ESC_JSON);
	if (i == n)
		return;
	if (n - i < charset_utf8_seq_len((unsigned char)p[i]) && !last) {
		memcpy(d->carry, p + i, n - i);
		d->carry_len = n - i;
		return;
	}
	dec_decide(d, (const unsigned char *)p + i, n - i);
	dec_convert(d, p + i, n - i, last);
}

/* Chooses the charset once the prescan window is full or the body ended;
 * without a declaration the choice waits for the first non-ASCII byte. */
static void dec_start(struct text_dec *d, int last)
{
	size_t bom;

	d->how = charset_choose(&d->cs, d->pre, d->pre_len,
				d->declared[0] ? d->declared : NULL, &bom);
	d->started = 1;
	dec_convert(d, d->pre + bom, d->pre_len - bom, last);
}

static void dec_begin(struct text_dec *d, struct out *o, const char *content_type)
{
	d->o = o;
	d->u.need = 0;
	d->pre_len = 0;
	d->started = 0;
	d->carry_len = 0;
	d->declared[0] = '\0';
	if (content_type)
		content_type_charset(content_type, d->declared);
}

static void dec_feed(struct text_dec *d, const unsigned char *p, size_t n)
{
	if (!d->started) {
		size_t room = sizeof d->pre - d->pre_len, take = room < n ? room : n;

		memcpy(d->pre + d->pre_len, p, take);
		d->pre_len += take;
		p += take;
		n -= take;
		if (d->pre_len < sizeof d->pre)
			return;
		dec_start(d, 0);
	}
	dec_convert(d, (const char *)p, n, 0);
}

static void dec_end(struct text_dec *d)
{
	if (!d->started)
		dec_start(d, 1);
	else if (d->how != CHARSET_UTF8)
		dec_convert(d, NULL, 0, 1);
	if (d->how == CHARSET_ICONV) {
		char outb[64], *op = outb;
		size_t room = sizeof outb;

		/* stateful charsets may owe a final shift sequence */
		iconv(d->cs.cd, NULL, NULL, &op, &room);
		dec_sink(d, outb, (size_t)(op - outb));
	}
	esc_end(&d->u, d->o);
}

/* ---- reading one stored record ---- */

enum rec_stage { REC_WARC_HEAD, REC_HTTP_HEAD, REC_BODY };
enum { REC_STOP = 1, REC_CORRUPT = 2 }; /* record_feed's non-zero returns */

/* Splits a record's decompressed bytes into WARC header, block (exactly
 * Content-Length bytes; the trailing CRLFCRLF is dropped) and, with
 * skip_http, the HTTP header block at the start of the block. */
struct record {
	char head[WARC_HEAD_MAX + 1];
	size_t head_len;
	enum rec_stage stage;
	int skip_http, nl;
	uint64_t left;
	int (*emit)(void *ctx, const unsigned char *p, size_t n); /* non-zero: stop */
	void *ctx;
};

static void record_begin(struct record *r, int skip_http,
			 int (*emit)(void *, const unsigned char *, size_t), void *ctx)
{
	r->head_len = 0;
	r->stage = REC_WARC_HEAD;
	r->skip_http = skip_http;
	r->nl = 0;
	r->left = 0;
	r->emit = emit;
	r->ctx = ctx;
}

/* Takes header bytes; returns how many it used, or (size_t)-1. */
static size_t record_head(struct record *r, const unsigned char *p, size_t n)
{
	size_t old = r->head_len, take = WARC_HEAD_MAX - old < n ? WARC_HEAD_MAX - old : n;
	size_t from = old > 3 ? old - 3 : 0;
	char *end, *cl;

	memcpy(r->head + old, p, take);
	r->head_len += take;
	r->head[r->head_len] = '\0';
	end = memmem(r->head + from, r->head_len - from, "\r\n\r\n", 4);
	if (!end)
		return r->head_len == WARC_HEAD_MAX ? (size_t)-1 : take;
	end[2] = '\0';
	cl = strcasestr(r->head, "\r\nContent-Length:");
	if (!cl)
		return (size_t)-1;
	errno = 0;
	r->left = strtoull(cl + 17, NULL, 10);
	if (errno)
		return (size_t)-1;
	r->stage = r->skip_http ? REC_HTTP_HEAD : REC_BODY;
	return (size_t)(end + 4 - r->head) - old;
}

/* Bytes used by the HTTP header block ("\n\n", "\n\r\n" or CRLFCRLF ends
 * it, as the WARC writer checks). */
static size_t record_http_head(struct record *r, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (r->nl) {
				r->stage = REC_BODY;
				return i + 1;
			}
			r->nl = 1;
		} else if (p[i] != '\r') {
			r->nl = 0;
		}
	}
	return n;
}

static int record_feed(void *ctx, const void *buf, size_t len)
{
	struct record *r = ctx;
	const unsigned char *p = buf;

	if (r->stage == REC_WARC_HEAD) {
		size_t used = record_head(r, p, len);

		if (used == (size_t)-1)
			return REC_CORRUPT;
		p += used;
		len -= used;
	}
	if (len > r->left)
		len = (size_t)r->left;
	r->left -= len;
	if (r->stage == REC_HTTP_HEAD) {
		size_t used = record_http_head(r, p, len);

		p += used;
		len -= used;
	}
	return len ? r->emit(r->ctx, p, len) : 0;
}

static int record_read_one(struct record *r, const char *warc_dir,
			   const struct warc_location *loc)
{
	int rc = warc_read_record(warc_dir, loc, record_feed, r);

	if (rc == REC_CORRUPT || (rc == 0 && (r->stage == REC_WARC_HEAD || r->left))) {
		errno = EINVAL;
		return -1;
	}
	return rc;
}

/* A revisit record of an identical payload holds the HTTP header block
 * only: its payload is in the response record with the same digest.  1 and
 * *loc set when r read such a revisit, 0 when not, -1 on a database error. */
static int revisited_payload(sqlite3 *db, const struct record *r,
			     struct warc_location *loc)
{
	static const char profile[] = "\r\nWARC-Profile: http://netpreserve.org/warc/1.1/"
				      "revisit/identical-payload-digest\r\n";
	const char *digest = strcasestr(r->head, "\r\nWARC-Payload-Digest: ");
	sqlite3_stmt *st;
	int rc;

	if (!strcasestr(r->head, profile) || !digest)
		return 0;
	digest += 23;
	if (sqlite3_prepare_v2(db, "SELECT warc_segment, warc_offset, warc_length FROM fetches"
			       " WHERE payload_digest = ? AND record = 'response' LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, digest, (int)strcspn(digest, "\r"), SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		loc->segment = (uint32_t)sqlite3_column_int64(st, 0);
		loc->offset = (uint64_t)sqlite3_column_int64(st, 1);
		loc->length = (uint64_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Reads the record at loc through r, and for a revisit of an identical
 * payload goes on with the payload of the record it refers to; 0, REC_STOP
 * (emit asked), or -1 with errno set. */
static int record_read(struct record *r, sqlite3 *db, const char *warc_dir,
		       const struct warc_location *loc)
{
	struct warc_location payload;
	int rc = record_read_one(r, warc_dir, loc);

	if (rc != 0)
		return rc;
	switch (revisited_payload(db, r, &payload)) {
	case 0:
		return 0;
	case 1:
		record_begin(r, 1, r->emit, r->ctx);
		return record_read_one(r, warc_dir, &payload);
	default:
		errno = EIO;
		return -1;
	}
}

/* ---- the export ---- */

enum col {
	C_ID, C_URL, C_STATE, C_STATUS, C_CTYPE, C_LENGTH, C_FETCHED, C_DEPTH,
	C_PARENT, C_VIA, C_TITLE, C_LINKS, C_ERROR, C_ERROR_DETAIL, C_REASON,
	C_DIGEST, C_EXTRACTED, C_SEGMENT, C_OFFSET, C_WLENGTH, C_REQLEN,
	C_RULES /* the rule columns follow */
};

/* extracted is JSON by construction; the json_valid guard only keeps a
 * hand-edited row from breaking a JSON Lines line (it becomes null). */
static const char select_sql[] =
	"SELECT u.id, u.url, u.state, u.status, u.content_type, u.length,"
	" u.fetched_at, u.depth, p.url, u.via, u.title, u.links, u.error,"
	" u.error_detail, u.reason, u.payload_digest,"
	" CASE WHEN json_valid(u.extracted) THEN u.extracted END,"
	" u.warc_segment, u.warc_offset, u.warc_length, u.warc_request_length";

/* NOT INDEXED keeps the plan a rowid scan, already in id order: with an
 * index on a filtered column SQLite would sort all matching rows first. */
static const char from_sql[] =
	" FROM urls AS u NOT INDEXED LEFT JOIN urls AS p ON p.id = u.parent_id"
	" WHERE 1";

static const char hop_sql[] =
	"SELECT r.status, r.location, r.to_id, t.url FROM redirects AS r"
	" LEFT JOIN urls AS t ON t.id = r.to_id WHERE r.from_id = ?"
	" ORDER BY r.at DESC, r.rowid DESC LIMIT 1";

enum kind {
	K_TEXT,      /* string or null */
	K_INT,       /* number or null */
	K_TIME,      /* epoch seconds shown as ISO 8601 */
	K_JSON,      /* JSON text written as it is stored */
	K_EXTRACTED, /* the extracted object (JSON) or one column per rule (CSV) */
	K_FINAL,     /* end of the redirect chain */
	K_CHAIN,     /* the redirect chain */
};

static const struct field_def {
	const char *name;
	enum kind kind;
	enum col col;
} field_defs[] = {
	{ "url", K_TEXT, C_URL },
	{ "final_url", K_FINAL, C_URL },
	{ "redirects", K_CHAIN, C_URL },
	{ "state", K_TEXT, C_STATE },
	{ "status", K_INT, C_STATUS },
	{ "content_type", K_TEXT, C_CTYPE },
	{ "length", K_INT, C_LENGTH },
	{ "fetched_at", K_TIME, C_FETCHED },
	{ "depth", K_INT, C_DEPTH },
	{ "parent", K_TEXT, C_PARENT },
	{ "via", K_TEXT, C_VIA },
	{ "title", K_TEXT, C_TITLE },
	{ "links", K_INT, C_LINKS },
	{ "error", K_TEXT, C_ERROR },
	{ "error_detail", K_TEXT, C_ERROR_DETAIL },
	{ "reason", K_TEXT, C_REASON },
	{ "payload_digest", K_TEXT, C_DIGEST },
	{ "extracted", K_EXTRACTED, C_EXTRACTED },
};

struct field {
	const char *name; /* JSON key, CSV header (points into the spec or rules) */
	enum kind kind;
	int col;
	const char *rule; /* extraction rule read by this column, or NULL */
};

struct bind {
	char *text; /* NULL: bind num */
	long long num;
};

struct hop {
	int status, has_to;
	size_t url, url_len, loc, loc_len, to, to_len; /* offsets in chain.text */
};

/* The redirect chain of the current row, loaded on first use. */
struct chain {
	struct hop hops[MAX_HOPS];
	size_t n;
	int loaded, open; /* open: loop or too long, so no final URL */
	struct out text;
};

struct export {
	const struct opt_config *cfg;
	FILE *err;
	sqlite3 *db;
	sqlite3_stmt *rows, *hop;
	char *warc_dir;
	char **rules;        /* extraction rule names from the runs' configs */
	size_t n_rules;
	char **headers;      /* column names made for rules that collide */
	size_t n_headers;
	char *spec;          /* a copy of --fields, tokenized in place */
	struct field *fields;
	size_t n_fields;
	struct bind *binds;
	size_t n_binds;
	struct out sql, where, out, scratch;
	struct chain chain;
	char *out_path, *tmp_path; /* NULL for stdout */
	/* reading records */
	struct record rec;
	struct text_dec dec;
	struct b64 b64;
	unsigned char *chunk;
	int seg_fd;
	uint32_t seg_no;
	uint32_t *segs; /* source segments whose warcinfo was copied */
	size_t n_segs;
	z_stream z;
	int z_ready;
	ZSTD_CCtx *zc;
};

static int oom(struct export *x)
{
	fprintf(x->err, "crawler: out of memory\n");
	return 1;
}

static int db_fail(struct export *x, const char *what)
{
	fprintf(x->err, "crawler: %s: %s\n", what, sqlite3_errmsg(x->db));
	return 1;
}

/* url_host(url): the host of a canonical URL, for the host filter. */
static void sql_url_host(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *url = (const char *)sqlite3_value_text(argv[0]), *host;
	size_t host_len;

	if (url && url_origin(url, (size_t)sqlite3_value_bytes(argv[0]), &host, &host_len))
		sqlite3_result_text(ctx, host, (int)host_len, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
}

static sqlite3 *open_db(const char *dir, FILE *err)
{
	char *path = NULL;
	struct stat st;
	sqlite3 *db = NULL;

	if (asprintf(&path, "%s/crawl.db", dir) < 0) {
		fprintf(err, "crawler: out of memory\n");
		return NULL;
	}
	if (stat(path, &st) < 0) {
		fprintf(err, "crawler: no crawl in %s (%s: %s)\n", dir, path, strerror(errno));
		goto fail;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    sqlite3_create_function(db, "url_host", 1,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
				    NULL, sql_url_host, NULL, NULL) != SQLITE_OK) {
		fprintf(err, "crawler: %s: %s\n", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	free(path);
	return db;
fail:
	sqlite3_close(db);
	free(path);
	return NULL;
}

/* ---- extraction rule names ---- */

static int add_rule(struct export *x, const char *name, size_t len)
{
	for (size_t i = 0; i < x->n_rules; i++)
		if (strlen(x->rules[i]) == len && memcmp(x->rules[i], name, len) == 0)
			return 0;
	char **r = realloc(x->rules, (x->n_rules + 1) * sizeof *r);
	if (!r)
		return -1;
	x->rules = r;
	if (!(r[x->n_rules] = strndup(name, len)))
		return -1;
	x->n_rules++;
	return 0;
}

/* The rule names in one run's configuration (INI as opt_dump writes it:
 * "extract = NAME=..." or "extract = NAME[]=..."). */
static int rules_from_config(struct export *x, const char *ini)
{
	static const char key[] = "extract = ";

	for (const char *line = ini, *next; line; line = next) {
		const char *nl = strchr(line, '\n');

		next = nl ? nl + 1 : NULL;
		if (strncmp(line, key, sizeof key - 1) != 0)
			continue;
		const char *name = line + sizeof key - 1;
		size_t len = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					  "0123456789_-");
		if (len && add_rule(x, name, len) < 0)
			return -1;
	}
	return 0;
}

/* Rule names, in order of first appearance over every run: the crawl's own
 * record of which fields it extracts, known without scanning the rows. */
static int load_rules(struct export *x)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(x->db, "SELECT config FROM runs ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return db_fail(x, "reading the runs");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rules_from_config(x, (const char *)sqlite3_column_text(st, 0)) < 0) {
			sqlite3_finalize(st);
			return oom(x);
		}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(x, "reading the runs");
}

/* ---- fields ---- */

static int add_field(struct export *x, const char *name, enum kind kind, int col,
		     const char *rule)
{
	struct field *f = realloc(x->fields, (x->n_fields + 1) * sizeof *f);

	if (!f)
		return -1;
	x->fields = f;
	f[x->n_fields++] = (struct field){ name, kind, col, rule };
	return 0;
}

static const struct field_def *field_def(const char *name);

/* The column name of a rule: its own, or "extracted.NAME" when that would
 * collide with a built-in field or the body; NULL on out-of-memory. */
static const char *rule_header(struct export *x, const char *rule)
{
	int taken = field_def(rule) ||
		    (x->cfg->with_body != OPT_BODY_NONE && strcmp(rule, "body") == 0);
	if (!taken)
		return rule;
	char **h = realloc(x->headers, (x->n_headers + 1) * sizeof *h);
	if (!h)
		return NULL;
	x->headers = h;
	if (asprintf(&h[x->n_headers], "extracted.%s", rule) < 0)
		return NULL;
	return h[x->n_headers++];
}

static int duplicate_field(const struct export *x, const char *name);

/* A column of the SELECT reading one rule's value out of `extracted`.
 * 0, -1 (memory) or 2 (the column is already there). */
static int add_rule_field(struct export *x, const char *rule, int *next_col)
{
	enum kind kind = x->cfg->format == OPT_FORMAT_JSONL ? K_JSON : K_TEXT;
	const char *header = rule_header(x, rule);

	if (!header)
		return -1;
	if (duplicate_field(x, header)) {
		fprintf(x->err, "crawler: --fields: '%s' is given twice (also through"
			" 'extracted')\n", rule);
		return 2;
	}
	return add_field(x, header, kind, (*next_col)++, rule);
}

static const struct field_def *field_def(const char *name)
{
	for (size_t i = 0; i < sizeof field_defs / sizeof *field_defs; i++)
		if (strcmp(field_defs[i].name, name) == 0)
			return &field_defs[i];
	return NULL;
}

static const char *rule_named(const struct export *x, const char *name)
{
	for (size_t i = 0; i < x->n_rules; i++)
		if (strcmp(x->rules[i], name) == 0)
			return x->rules[i];
	return NULL;
}

static int add_named_field(struct export *x, const char *name, int *next_col)
{
	const struct field_def *d = field_def(name);
	const char *rule = d ? NULL : rule_named(x, name);

	if (d && d->kind == K_EXTRACTED && x->cfg->format == OPT_FORMAT_CSV) {
		for (size_t i = 0; i < x->n_rules; i++) {
			int rc = add_rule_field(x, x->rules[i], next_col);
			if (rc)
				return rc;
		}
		return 0;
	}
	if (d)
		return add_field(x, d->name, d->kind, (int)d->col, NULL);
	if (rule)
		return add_rule_field(x, rule, next_col);
	fprintf(x->err, "crawler: --fields: unknown field '%s' (fields: url, final_url,"
		" redirects, state, status, content_type, length, fetched_at, depth,"
		" parent, via, title, links, error, error_detail, reason,"
		" payload_digest, extracted, or an extraction rule's name)\n", name);
	return 2;
}

static int duplicate_field(const struct export *x, const char *name)
{
	for (size_t i = 0; i < x->n_fields; i++)
		if (strcmp(x->fields[i].name, name) == 0)
			return 1;
	return 0;
}

/* Turns --fields into columns; 0, 1 (memory) or 2 (bad field). */
static int plan_fields(struct export *x)
{
	int next_col = C_RULES, rc;
	char *save = NULL;

	x->spec = strdup(x->cfg->fields ? x->cfg->fields : DEFAULT_FIELDS);
	if (!x->spec)
		return oom(x);
	for (char *tok = strtok_r(x->spec, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok += strspn(tok, " \t");
		tok[strcspn(tok, " \t")] = '\0';
		if (!*tok)
			continue;
		if (duplicate_field(x, tok)) {
			fprintf(x->err, "crawler: --fields: '%s' is given twice\n", tok);
			return 2;
		}
		if ((rc = add_named_field(x, tok, &next_col)) != 0) {
			return rc < 0 ? oom(x) : rc;
		}
	}
	if (x->n_fields == 0) {
		fprintf(x->err, "crawler: --fields: no columns to export%s\n",
			x->n_rules ? "" : " (the crawl has no extraction rules)");
		return 2;
	}
	return 0;
}

static int needs_chain(const struct export *x)
{
	for (size_t i = 0; i < x->n_fields; i++)
		if (x->fields[i].kind == K_FINAL || x->fields[i].kind == K_CHAIN)
			return 1;
	return 0;
}

/* ---- filters ---- */

static int add_bind(struct export *x, const char *text, size_t len, long long num)
{
	struct bind *b = realloc(x->binds, (x->n_binds + 1) * sizeof *b);

	if (!b)
		return -1;
	x->binds = b;
	b[x->n_binds].num = num;
	b[x->n_binds].text = NULL;
	if (text && !(b[x->n_binds].text = strndup(text, len)))
		return -1;
	x->n_binds++;
	return 0;
}

/* Appends "?N" for the next parameter (numbered, because the SELECT list's
 * parameters are added after the filters' but come first in the text). */
static int bind_next(struct export *x, struct out *w, const char *text, size_t len,
		     long long num)
{
	out_putc(w, '?');
	out_int(w, (long long)x->n_binds + 1);
	return add_bind(x, text, len, num);
}

static const char *const states[] = { "queued", "leased", "done", "failed", "skipped", NULL };

static int parse_status(const char *v, long *lo, long *hi)
{
	char *end;

	if (strlen(v) == 3 && '1' <= v[0] && v[0] <= '9' && strcasecmp(v + 1, "xx") == 0) {
		*lo = (v[0] - '0') * 100;
		*hi = *lo + 99;
		return 0;
	}
	errno = 0;
	*lo = strtol(v, &end, 10);
	*hi = *lo;
	if (end != v && *end == '-')
		*hi = strtol(end + 1, &end, 10);
	return errno || end == v || *end || *lo < 0 || *hi < *lo || *hi > 999 ? -1 : 0;
}

/* content-type=V: a case-insensitive prefix (LIKE is, for ASCII), so
 * parameters after the type do not get in the way. */
static int filter_like(struct export *x, const char *v)
{
	size_t n = strlen(v), k = 0;
	char *pat = malloc(2 * n + 2);
	int rc;

	if (!pat)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '%' || v[i] == '_' || v[i] == '\\')
			pat[k++] = '\\';
		pat[k++] = v[i];
	}
	pat[k++] = '%';
	out_puts(&x->where, "u.content_type LIKE ");
	rc = bind_next(x, &x->where, pat, k, 0);
	out_puts(&x->where, " ESCAPE '\\'");
	free(pat);
	return rc;
}

/* One value of a filter as SQL with its parameters; 0, -1 on memory, or 2
 * (message printed) when the value is not valid for the key. */
static int filter_value(struct export *x, const char *key, const char *v,
			const char *item)
{
	struct out *w = &x->where;
	long lo, hi;
	int rc;

	if (strcmp(key, "state") == 0) {
		if (!word_in(v, states)) {
			fprintf(x->err, "crawler: --where '%s': unknown state '%s' (queued,"
				" leased, done, failed, skipped)\n", item, v);
			return 2;
		}
		out_puts(w, "u.state = ");
		return bind_next(x, w, v, strlen(v), 0);
	}
	if (strcmp(key, "error") == 0) {
		out_puts(w, "u.error = ");
		return bind_next(x, w, v, strlen(v), 0);
	}
	if (strcmp(key, "status") == 0) {
		if (parse_status(v, &lo, &hi) < 0) {
			fprintf(x->err, "crawler: --where '%s': '%s' is not a status or range"
				" (200, 200-299, 4xx)\n", item, v);
			return 2;
		}
		out_puts(w, "u.status BETWEEN ");
		if (bind_next(x, w, NULL, 0, lo) < 0)
			return -1;
		out_puts(w, " AND ");
		return bind_next(x, w, NULL, 0, hi);
	}
	if (strcmp(key, "content-type") == 0)
		return filter_like(x, v);
	out_puts(w, "url_host(u.url) = lower(");
	rc = bind_next(x, w, v, strlen(v), 0);
	out_putc(w, ')');
	return rc;
}

static const char *const filter_keys[] = { "state", "status", "content-type", "host",
					   "error", NULL };

/* One --where KEY=V1,V2...: the values are alternatives, filters add up. */
static int add_filter(struct export *x, const char *item)
{
	const char *eq = strchr(item, '=');
	char key[16], *vals = NULL, *save = NULL;
	int rc = 0, n = 0;

	if (!eq || eq == item || (size_t)(eq - item) >= sizeof key) {
		fprintf(x->err, "crawler: --where '%s': expected KEY=VALUE[,VALUE...]"
			" (keys: state, status, content-type, host, error)\n", item);
		return 2;
	}
	memcpy(key, item, (size_t)(eq - item));
	key[eq - item] = '\0';
	for (char *c = key; *c; c++)
		*c = *c == '_' ? '-' : (char)(*c | 0x20);
	if (!word_in(key, filter_keys)) {
		fprintf(x->err, "crawler: --where '%s': unknown filter '%s' (keys: state,"
			" status, content-type, host, error)\n", item, key);
		return 2;
	}
	if (!(vals = strdup(eq + 1)))
		return -1;
	out_puts(&x->where, " AND (");
	for (char *v = strtok_r(vals, ",", &save); v && !rc; v = strtok_r(NULL, ",", &save)) {
		v += strspn(v, " \t");
		v[strcspn(v, " \t")] = '\0';
		if (!*v)
			continue;
		if (n++)
			out_puts(&x->where, " OR ");
		rc = filter_value(x, key, v, item);
	}
	out_putc(&x->where, ')');
	free(vals);
	if (!rc && !n) {
		fprintf(x->err, "crawler: --where '%s': no value given\n", item);
		return 2;
	}
	return rc;
}

/* The SELECT: fixed columns, one per rule read, the filters, id order. */
static int build_query(struct export *x)
{
	const char *op = x->cfg->format == OPT_FORMAT_JSONL ? "->" : "->>";
	const char *sql;

	out_puts(&x->sql, select_sql);
	for (size_t i = 0; i < x->n_fields; i++) {
		const char *rule = x->fields[i].rule;
		char *path;
		int n;

		if (!rule)
			continue;
		/* the rule names were checked to be [A-Za-z0-9_-]+ */
		if ((n = asprintf(&path, "$.\"%s\"", rule)) < 0)
			return -1;
		out_puts(&x->sql, ", CASE WHEN json_valid(u.extracted) THEN u.extracted ");
		out_puts(&x->sql, op);
		out_putc(&x->sql, ' ');
		n = bind_next(x, &x->sql, path, (size_t)n, 0);
		free(path);
		if (n < 0)
			return -1;
		out_puts(&x->sql, " END");
	}
	out_puts(&x->sql, from_sql);
	out_put(&x->sql, x->where.buf, x->where.len);
	out_puts(&x->sql, " ORDER BY u.id");
	if (!(sql = out_str(&x->sql)))
		return -1;
	if (sqlite3_prepare_v2(x->db, sql, -1, &x->rows, NULL) != SQLITE_OK)
		return db_fail(x, "preparing the export query");
	for (size_t i = 0; i < x->n_binds; i++) {
		const struct bind *b = &x->binds[i];
		int rc = b->text ? sqlite3_bind_text(x->rows, (int)i + 1, b->text, -1, SQLITE_STATIC)
				 : sqlite3_bind_int64(x->rows, (int)i + 1, b->num);

		if (rc != SQLITE_OK)
			return db_fail(x, "binding the export query");
	}
	return 0;
}

/* ---- row values ---- */

static const char *col_text(const struct export *x, int col, size_t *len)
{
	const char *s = (const char *)sqlite3_column_text(x->rows, col);

	*len = s ? (size_t)sqlite3_column_bytes(x->rows, col) : 0;
	return s;
}

static int col_null(const struct export *x, int col)
{
	return sqlite3_column_type(x->rows, col) == SQLITE_NULL;
}

/* Epoch seconds as ISO 8601 UTC with milliseconds, into b[32]. */
static void iso_time(double t, char *b)
{
	double ms = floor(t * 1000.0 + 0.5);
	time_t secs = (time_t)floor(ms / 1000.0);
	struct tm tm;

	gmtime_r(&secs, &tm);
	size_t n = strftime(b, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(b + n, 32 - n, ".%03dZ", (int)(ms - (double)secs * 1000.0));
}

/* Follows the redirects table from the row's URL (latest hop of each URL,
 * at most MAX_HOPS, stopping at a URL seen before). */
static int chain_load(struct export *x)
{
	struct chain *c = &x->chain;
	sqlite3_int64 seen[MAX_HOPS + 1], cur = sqlite3_column_int64(x->rows, C_ID);
	size_t from = 0, from_len, len;
	const char *s = col_text(x, C_URL, &from_len);
	int rc = SQLITE_DONE, ended = 0;

	if (c->loaded)
		return 0;
	c->loaded = 1;
	c->n = 0;
	c->text.len = 0;
	out_put(&c->text, s, from_len);
	seen[0] = cur;
	while (!ended && c->n < MAX_HOPS) {
		if (sqlite3_reset(x->hop) != SQLITE_OK ||
		    sqlite3_bind_int64(x->hop, 1, cur) != SQLITE_OK)
			return db_fail(x, "reading redirects");
		if ((rc = sqlite3_step(x->hop)) != SQLITE_ROW) {
			ended = 1;
			break;
		}
		struct hop *h = &c->hops[c->n++];
		h->status = sqlite3_column_int(x->hop, 0);
		h->url = from;
		h->url_len = from_len;
		h->loc = c->text.len;
		s = (const char *)sqlite3_column_text(x->hop, 1);
		h->loc_len = len = s ? (size_t)sqlite3_column_bytes(x->hop, 1) : 0;
		out_put(&c->text, s, len);
		h->has_to = sqlite3_column_type(x->hop, 3) != SQLITE_NULL;
		if (!h->has_to) {
			ended = 1;
			break;
		}
		cur = sqlite3_column_int64(x->hop, 2);
		h->to = from = c->text.len;
		s = (const char *)sqlite3_column_text(x->hop, 3);
		h->to_len = from_len = (size_t)sqlite3_column_bytes(x->hop, 3);
		out_put(&c->text, s, from_len);
		for (size_t i = 0; i < c->n; i++)
			if (seen[i] == cur)
				ended = 2; /* a loop */
		seen[c->n] = cur;
	}
	sqlite3_reset(x->hop);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(x, "reading redirects");
	c->open = ended != 1;
	if (c->text.err)
		return oom(x);
	return 0;
}

/* The end of the chain: the URL itself without redirects, the last target
 * (or the last URL that redirected, when its Location was not http(s));
 * NULL when the chain loops or reaches MAX_HOPS. */
static const char *chain_final(const struct chain *c, size_t *len)
{
	const struct hop *h = c->n ? &c->hops[c->n - 1] : NULL;

	if (c->open)
		return NULL;
	if (!h) {
		*len = c->text.len; /* only the row's own URL is in it */
		return c->text.buf;
	}
	*len = h->has_to ? h->to_len : h->url_len;
	return c->text.buf + (h->has_to ? h->to : h->url);
}

static void chain_json(const struct chain *c, struct out *o)
{
	out_putc(o, '[');
	for (size_t i = 0; i < c->n; i++) {
		const struct hop *h = &c->hops[i];

		out_puts(o, i ? ",{\"url\":" : "{\"url\":");
		json_str(o, c->text.buf + h->url, h->url_len);
		out_puts(o, ",\"status\":");
		out_int(o, h->status);
		out_puts(o, ",\"location\":");
		json_str(o, c->text.buf + h->loc, h->loc_len);
		out_putc(o, '}');
	}
	out_putc(o, ']');
}

static void json_time(struct out *o, double t)
{
	char b[32];

	iso_time(t, b);
	out_putc(o, '"');
	out_puts(o, b);
	out_putc(o, '"');
}

/* One field's value as JSON; null for SQL NULL (and an empty extracted). */
static void json_value(struct export *x, const struct field *f)
{
	struct out *o = &x->out;
	size_t len;
	const char *s = col_text(x, f->col, &len);

	switch (f->kind) {
	case K_TEXT:
		if (!s)
			break;
		json_str(o, s, len);
		return;
	case K_INT:
		if (!s)
			break;
		out_int(o, sqlite3_column_int64(x->rows, f->col));
		return;
	case K_TIME:
		if (!s)
			break;
		json_time(o, sqlite3_column_double(x->rows, f->col));
		return;
	case K_JSON:
	case K_EXTRACTED:
		if (!len)
			break;
		out_put(o, s, len);
		return;
	case K_FINAL:
		if (!(s = chain_final(&x->chain, &len)))
			break;
		json_str(o, s, len);
		return;
	case K_CHAIN:
		chain_json(&x->chain, o);
		return;
	}
	out_puts(o, "null");
}

static void csv_value(struct export *x, const struct field *f)
{
	struct out *o = &x->out;
	size_t len;
	const char *s = col_text(x, f->col, &len);
	char t[32];

	switch (f->kind) {
	case K_TIME:
		if (s) {
			iso_time(sqlite3_column_double(x->rows, f->col), t);
			out_puts(o, t);
		}
		return;
	case K_FINAL:
		if ((s = chain_final(&x->chain, &len)))
			csv_cell(o, s, len);
		return;
	case K_CHAIN:
		x->scratch.len = 0;
		chain_json(&x->chain, &x->scratch);
		csv_cell(o, x->scratch.buf, x->scratch.len);
		return;
	default:
		if (s)
			csv_cell(o, s, len);
	}
}

static int row_location(const struct export *x, struct warc_location *loc)
{
	if (col_null(x, C_SEGMENT) || col_null(x, C_OFFSET) || col_null(x, C_WLENGTH))
		return 0;
	loc->segment = (uint32_t)sqlite3_column_int64(x->rows, C_SEGMENT);
	loc->offset = (uint64_t)sqlite3_column_int64(x->rows, C_OFFSET);
	loc->length = (uint64_t)sqlite3_column_int64(x->rows, C_WLENGTH);
	return 1;
}

static int record_fail(struct export *x, const struct warc_location *loc)
{
	size_t len;
	const char *url = col_text(x, C_URL, &len);

	fprintf(x->err, "crawler: %s: cannot read its record in %s/crawl-%05u.warc.zst"
		" at offset %llu: %s\n", url ? url : "?", x->warc_dir, (unsigned)loc->segment,
		(unsigned long long)loc->offset, strerror(errno));
	return 1;
}

static int emit_text(void *ctx, const unsigned char *p, size_t n)
{
	struct export *x = ctx;

	dec_feed(&x->dec, p, n);
	return x->out.err ? REC_STOP : 0;
}

static int emit_b64(void *ctx, const unsigned char *p, size_t n)
{
	struct export *x = ctx;

	b64_feed(&x->b64, &x->out, p, n);
	return x->out.err ? REC_STOP : 0;
}

/* The body as a JSON string, streamed from the response record. */
static int json_body(struct export *x)
{
	struct warc_location loc;
	size_t len;
	int text = x->cfg->with_body == OPT_BODY_TEXT;

	if (!row_location(x, &loc)) {
		out_puts(&x->out, "null");
		return 0;
	}
	out_putc(&x->out, '"');
	if (text)
		dec_begin(&x->dec, &x->out, col_text(x, C_CTYPE, &len));
	x->b64.n = 0;
	record_begin(&x->rec, 1, text ? emit_text : emit_b64, x);
	if (record_read(&x->rec, x->db, x->warc_dir, &loc) < 0)
		return record_fail(x, &loc);
	if (text)
		dec_end(&x->dec);
	else
		b64_end(&x->b64, &x->out);
	out_putc(&x->out, '"');
	return 0;
}

static int jsonl_row(struct export *x)
{
	out_putc(&x->out, '{');
	for (size_t i = 0; i < x->n_fields; i++) {
		const struct field *f = &x->fields[i];

		if ((f->kind == K_FINAL || f->kind == K_CHAIN) && chain_load(x))
			return 1;
		if (i)
			out_putc(&x->out, ',');
		json_str(&x->out, f->name, strlen(f->name));
		out_putc(&x->out, ':');
		json_value(x, f);
	}
	if (x->cfg->with_body != OPT_BODY_NONE) {
		out_puts(&x->out, ",\"body\":");
		if (json_body(x))
			return 1;
	}
	out_puts(&x->out, "}\n");
	return 0;
}

static void csv_header(struct export *x)
{
	for (size_t i = 0; i < x->n_fields; i++) {
		if (i)
			out_putc(&x->out, ',');
		csv_cell(&x->out, x->fields[i].name, strlen(x->fields[i].name));
	}
	out_puts(&x->out, "\r\n");
}

static int csv_row(struct export *x)
{
	for (size_t i = 0; i < x->n_fields; i++) {
		const struct field *f = &x->fields[i];

		if ((f->kind == K_FINAL || f->kind == K_CHAIN) && chain_load(x))
			return 1;
		if (i)
			out_putc(&x->out, ',');
		csv_value(x, f);
	}
	out_puts(&x->out, "\r\n");
	return x->scratch.err ? oom(x) : 0;
}

/* ---- WARC ---- */

/* Deflates into the output; Z_FINISH ends the gzip member. */
static int gz_write(struct export *x, const void *p, size_t n, int flush)
{
	z_stream *z = &x->z;

	z->next_in = (Bytef *)p;
	z->avail_in = (uInt)n;
	for (;;) {
		z->next_out = x->chunk;
		z->avail_out = CHUNK;
		int r = deflate(z, flush);
		if (r == Z_STREAM_ERROR) {
			errno = EIO;
			return -1;
		}
		out_put(&x->out, x->chunk, CHUNK - z->avail_out);
		if (flush == Z_FINISH ? r == Z_STREAM_END : z->avail_out != 0)
			return 0;
	}
}

static int sink_gzip(void *ctx, const void *buf, size_t len)
{
	struct export *x = ctx;

	if (gz_write(x, buf, len, Z_NO_FLUSH) < 0)
		return -1;
	return x->out.err ? REC_STOP : 0;
}

static int sink_plain(void *ctx, const void *buf, size_t len)
{
	struct export *x = ctx;

	out_put(&x->out, buf, len);
	return x->out.err ? REC_STOP : 0;
}

/* One decompressed record out, plain or as its own gzip member. */
static int copy_record(struct export *x, const struct warc_location *loc)
{
	int gzip = x->cfg->compress == OPT_COMPRESS_GZIP, rc;

	if (gzip && deflateReset(&x->z) != Z_OK) {
		errno = EIO;
		return record_fail(x, loc);
	}
	rc = warc_read_record(x->warc_dir, loc, gzip ? sink_gzip : sink_plain, x);
	if (rc == 0 && gzip)
		rc = gz_write(x, NULL, 0, Z_FINISH);
	return rc < 0 ? record_fail(x, loc) : 0;
}

static int segment_fd(struct export *x, uint32_t seg)
{
	char *path;

	if (x->seg_fd >= 0 && x->seg_no == seg)
		return x->seg_fd;
	if (x->seg_fd >= 0)
		close(x->seg_fd);
	x->seg_fd = -1;
	if (asprintf(&path, "%s/crawl-%05u.warc.zst", x->warc_dir, (unsigned)seg) < 0) {
		errno = ENOMEM;
		return -1;
	}
	x->seg_fd = open(path, O_RDONLY | O_CLOEXEC);
	x->seg_no = seg;
	free(path);
	return x->seg_fd;
}

/* The zstd frames as they are in the segment: no recompression. */
static int copy_frames(struct export *x, const struct warc_location *loc)
{
	int fd = segment_fd(x, loc->segment);
	uint64_t off = loc->offset, left = loc->length;

	if (fd < 0)
		return record_fail(x, loc);
	while (left > 0 && !x->out.err) {
		ssize_t n = pread(fd, x->chunk, left < CHUNK ? (size_t)left : CHUNK, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* the index points past the segment */
			return record_fail(x, loc);
		}
		out_put(&x->out, x->chunk, (size_t)n);
		off += (uint64_t)n;
		left -= (uint64_t)n;
	}
	return 0;
}

/* Each source segment's own warcinfo record (its first frame) goes out once,
 * before the first record copied from that segment, so that every
 * WARC-Warcinfo-ID in the export names a record of the export. */
static int source_warcinfo(struct export *x, uint32_t seg)
{
	struct warc_location loc = { seg, 0, 0 };
	uint32_t *segs;
	ssize_t n;
	int fd;

	for (size_t i = 0; i < x->n_segs; i++)
		if (x->segs[i] == seg)
			return 0;
	if (!(segs = realloc(x->segs, (x->n_segs + 1) * sizeof *segs)))
		return oom(x);
	x->segs = segs;
	segs[x->n_segs++] = seg;
	if ((fd = segment_fd(x, seg)) < 0)
		return record_fail(x, &loc);
	do
		n = pread(fd, x->chunk, CHUNK, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return record_fail(x, &loc);
	loc.length = ZSTD_findFrameCompressedSize(x->chunk, (size_t)n);
	if (ZSTD_isError(loc.length)) {
		errno = EINVAL;
		return record_fail(x, &loc);
	}
	if (x->cfg->compress != OPT_COMPRESS_ZSTD)
		return copy_record(x, &loc);
	out_put(&x->out, x->chunk, loc.length);
	return 0;
}

/* The row's request record (just before the response) and response record. */
static int warc_row(struct export *x)
{
	struct warc_location resp, req;
	uint64_t req_len;

	if (!row_location(x, &resp))
		return 0;
	req_len = col_null(x, C_REQLEN) ? 0 : (uint64_t)sqlite3_column_int64(x->rows, C_REQLEN);
	if (req_len > resp.offset) {
		errno = EINVAL;
		return record_fail(x, &resp);
	}
	req = (struct warc_location){ resp.segment, resp.offset - req_len, req_len };
	if (source_warcinfo(x, resp.segment))
		return 1;
	if (x->cfg->compress == OPT_COMPRESS_ZSTD) {
		req.length += resp.length;
		return copy_frames(x, &req);
	}
	if (req_len && copy_record(x, &req))
		return 1;
	return copy_record(x, &resp);
}

static void record_uuid(char *out, size_t cap)
{
	unsigned char b[16];

	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		struct timespec ts;

		/* never short for 16 bytes; still, an id must be produced */
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(b, &ts, sizeof ts < sizeof b ? sizeof ts : sizeof b);
	}
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
	snprintf(out, cap, "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x>", b[0], b[1], b[2], b[3], b[4], b[5], b[6],
		 b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* A warc-fields value: control characters would end the line. */
static void field_value(struct out *o, const char *s)
{
	for (; *s; s++)
		out_putc(o, (unsigned char)*s < 0x20 ? '?' : *s);
	out_puts(o, "\r\n");
}

static void warcinfo_block(struct export *x, struct out *b)
{
	static const char *const names[] = { "zstd", "gzip", "none" };
	char *abs = realpath(x->cfg->dir, NULL);

	out_puts(b, "software: crawler/" CRAWLER_VERSION "\r\n"
		 "format: WARC File Format 1.1\r\n"
		 "conformsTo: http://iipc.github.io/warc-specifications/specifications/"
		 "warc-format/warc-1.1/\r\n"
		 "description: records selected by crawler export\r\nsource: ");
	field_value(b, abs ? abs : x->cfg->dir);
	free(abs);
	out_puts(b, "compression: ");
	out_puts(b, names[x->cfg->compress]);
	out_puts(b, "\r\n");
	for (size_t i = 0; i < x->cfg->where.n; i++) {
		out_puts(b, "filter: ");
		field_value(b, x->cfg->where.items[i]);
	}
}

/* A whole record compressed as its own zstd frame (with content size and
 * checksum, like the crawl's segments) or gzip member, or plain. */
static int write_compressed(struct export *x, const void *p, size_t n)
{
	size_t cap, r;
	void *buf;

	if (x->cfg->compress == OPT_COMPRESS_NONE) {
		out_put(&x->out, p, n);
		return 0;
	}
	if (x->cfg->compress == OPT_COMPRESS_GZIP)
		return deflateReset(&x->z) == Z_OK ? gz_write(x, p, n, Z_FINISH) : -1;
	cap = ZSTD_compressBound(n);
	if (!(buf = malloc(cap)))
		return -1;
	r = ZSTD_compress2(x->zc, buf, cap, p, n);
	if (!ZSTD_isError(r))
		out_put(&x->out, buf, r);
	free(buf);
	return ZSTD_isError(r) ? -1 : 0;
}

/* Our warcinfo record, compressed like the records that follow it. */
static int warcinfo(struct export *x)
{
	struct out *rec = &x->sql, *b = &x->scratch;
	unsigned char md[EVP_MAX_MD_SIZE];
	char id[64], date[32], digest[WARC_DIGEST_LEN + 1];
	struct timespec now;

	b->len = rec->len = 0;
	warcinfo_block(x, b);
	if (b->err || !EVP_Digest(b->buf, b->len, md, NULL, EVP_sha1(), NULL))
		return -1;
	warc_digest_format(md, digest);
	record_uuid(id, sizeof id);
	clock_gettime(CLOCK_REALTIME, &now);
	iso_time((double)now.tv_sec + (double)now.tv_nsec / 1e9, date);
	out_puts(rec, "WARC/1.1\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: ");
	out_puts(rec, id);
	out_puts(rec, "\r\nWARC-Date: ");
	out_puts(rec, date);
	if (x->out_path) {
		char *copy = strdup(x->out_path);

		out_puts(rec, "\r\nWARC-Filename: ");
		field_value(rec, copy ? basename(copy) : "-");
		free(copy);
	} else {
		out_puts(rec, "\r\n");
	}
	out_puts(rec, "Content-Type: application/warc-fields\r\nWARC-Block-Digest: ");
	out_puts(rec, digest);
	out_puts(rec, "\r\nContent-Length: ");
	out_int(rec, (long long)b->len);
	out_puts(rec, "\r\n\r\n");
	out_put(rec, b->buf, b->len);
	out_puts(rec, "\r\n\r\n");
	return rec->err ? -1 : write_compressed(x, rec->buf, rec->len);
}

/* ---- running an export ---- */

/* Starts writing a regular file: under a temporary name beside `final`,
 * renamed to it when complete, so a failed export never leaves a file that
 * looks whole.  Returns the descriptor, or -1 after a message. */
static int open_temporary(struct export *x, const char *final)
{
	mode_t mask = umask(0);
	umask(mask);
	if (!(x->out_path = strdup(final)) ||
	    asprintf(&x->tmp_path, "%s.partial-XXXXXX", final) < 0) {
		x->tmp_path = NULL;
		oom(x);
		return -1;
	}
	int fd = mkostemp(x->tmp_path, O_CLOEXEC);
	if (fd >= 0 && fchmod(fd, 0666 & ~mask) == 0)
		return fd;
	fprintf(x->err, "crawler: --out: %s: %s\n", final, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(x->tmp_path);
	free(x->tmp_path);
	x->tmp_path = NULL;
	return -1;
}

/* Where --out writes.  Standard output (also when PATH is another name for
 * it, like /dev/stdout) and files that are not regular (devices, FIFOs) are
 * written in place, never replaced; a symbolic link to a regular file is
 * followed, so its target is replaced and the link stays; a directory or a
 * dangling link is an error before anything is exported.  Returns 0, 1 or 2
 * as export_run does. */
static int output_open(struct export *x)
{
	const char *path = x->cfg->out;
	struct stat st, out_st;
	int fd = STDOUT_FILENO;
	if (path && strcmp(path, "-") != 0) {
		if (stat(path, &st) < 0) {
			int dangling = errno == ENOENT && lstat(path, &out_st) == 0;
			if (errno != ENOENT || dangling) {
				fprintf(x->err, "crawler: --out: %s: %s\n", path,
					dangling ? "a symbolic link to nothing" : strerror(errno));
				return dangling ? 2 : 1;
			}
			fd = open_temporary(x, path);
		} else if (fstat(STDOUT_FILENO, &out_st) == 0 && st.st_dev == out_st.st_dev &&
			   st.st_ino == out_st.st_ino) {
			fd = STDOUT_FILENO;
		} else if (S_ISDIR(st.st_mode)) {
			fprintf(x->err, "crawler: --out: %s is a directory\n", path);
			return 2;
		} else if (!S_ISREG(st.st_mode)) {
			if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
				fprintf(x->err, "crawler: --out: %s: %s\n", path, strerror(errno));
			else if (!(x->out_path = strdup(path)))
				return oom(x);
		} else {
			char *real = realpath(path, NULL);
			fd = real ? open_temporary(x, real) : -1;
			if (!real)
				fprintf(x->err, "crawler: --out: %s: %s\n", path, strerror(errno));
			free(real);
		}
		if (fd < 0)
			return 1;
	}
	if (out_init(&x->out, fd, OUT_CAP) < 0) {
		if (fd != STDOUT_FILENO)
			close(fd);
		return oom(x);
	}
	return 0;
}

static int output_failed(struct export *x)
{
	fprintf(x->err, "crawler: writing %s: %s\n",
		x->out_path ? x->out_path : "standard output", strerror(x->out.err));
	return 1;
}

static int output_close(struct export *x)
{
	int fd = x->out.fd;

	out_flush(&x->out);
	if (fd != STDOUT_FILENO) {
		if (x->tmp_path && !x->out.err && fdatasync(fd) < 0)
			x->out.err = errno;
		if (close(fd) < 0 && !x->out.err)
			x->out.err = errno;
		x->out.fd = -1;
	}
	if (x->tmp_path && !x->out.err && rename(x->tmp_path, x->out_path) < 0)
		x->out.err = errno;
	if (x->out.err)
		return output_failed(x);
	free(x->tmp_path);
	x->tmp_path = NULL;
	return 0;
}

static int write_row(struct export *x)
{
	x->chain.loaded = 0;
	switch (x->cfg->format) {
	case OPT_FORMAT_JSONL:
		return jsonl_row(x);
	case OPT_FORMAT_CSV:
		return csv_row(x);
	case OPT_FORMAT_WARC:
		return warc_row(x);
	}
	return 1;
}

static int export_write(struct export *x)
{
	int rc = output_open(x), step;

	if (rc)
		return rc;
	if (x->cfg->format == OPT_FORMAT_CSV)
		csv_header(x);
	if (x->cfg->format == OPT_FORMAT_WARC && warcinfo(x) < 0 && !x->out.err) {
		fprintf(x->err, "crawler: cannot make the warcinfo record\n");
		return 1;
	}
	while ((step = sqlite3_step(x->rows)) == SQLITE_ROW) {
		if (write_row(x))
			return 1;
		if (x->out.err)
			return output_failed(x);
	}
	if (step != SQLITE_DONE)
		return db_fail(x, "reading the urls");
	return output_close(x);
}

/* Options that would be silently ignored are mistakes worth naming. */
static int check_usage(struct export *x)
{
	if (x->cfg->with_body != OPT_BODY_NONE && x->cfg->format != OPT_FORMAT_JSONL) {
		fprintf(x->err, "crawler: --with-body applies to --format jsonl only\n");
		return 2;
	}
	if (x->cfg->fields && x->cfg->format == OPT_FORMAT_WARC) {
		fprintf(x->err, "crawler: --fields does not apply to --format warc\n");
		return 2;
	}
	return 0;
}

static int init_buffers(struct export *x)
{
	if (out_init(&x->sql, -1, 1024) < 0 || out_init(&x->where, -1, 256) < 0 ||
	    out_init(&x->scratch, -1, 1024) < 0 || out_init(&x->chain.text, -1, 1024) < 0 ||
	    !(x->chunk = malloc(CHUNK)) || asprintf(&x->warc_dir, "%s/warc", x->cfg->dir) < 0)
		return -1;
	if (x->cfg->format != OPT_FORMAT_WARC)
		return 0;
	if (x->cfg->compress == OPT_COMPRESS_GZIP) {
		if (deflateInit2(&x->z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		x->z_ready = 1;
	}
	if (x->cfg->compress == OPT_COMPRESS_ZSTD &&
	    (!(x->zc = ZSTD_createCCtx()) ||
	     ZSTD_isError(ZSTD_CCtx_setParameter(x->zc, ZSTD_c_checksumFlag, 1))))
		return -1;
	return 0;
}

static int export_prepare(struct export *x)
{
	int rc = check_usage(x);

	if (rc)
		return rc;
	if (init_buffers(x) < 0)
		return oom(x);
	for (size_t i = 0; i < x->cfg->where.n; i++)
		if ((rc = add_filter(x, x->cfg->where.items[i])) != 0)
			return rc < 0 ? oom(x) : rc;
	if (!(x->db = open_db(x->cfg->dir, x->err)) || (rc = load_rules(x)) != 0)
		return 1;
	if (x->cfg->format != OPT_FORMAT_WARC && (rc = plan_fields(x)) != 0)
		return rc;
	if ((rc = build_query(x)) != 0)
		return rc < 0 ? oom(x) : rc;
	if (needs_chain(x) &&
	    sqlite3_prepare_v2(x->db, hop_sql, -1, &x->hop, NULL) != SQLITE_OK)
		return db_fail(x, "preparing the redirects query");
	return 0;
}

static void export_free(struct export **xp)
{
	struct export *x = *xp;

	if (!x)
		return;
	if (x->out.fd >= 0 && x->out.fd != STDOUT_FILENO)
		close(x->out.fd);
	if (x->tmp_path)
		unlink(x->tmp_path);
	sqlite3_finalize(x->rows);
	sqlite3_finalize(x->hop);
	sqlite3_close(x->db);
	for (size_t i = 0; i < x->n_rules; i++)
		free(x->rules[i]);
	for (size_t i = 0; i < x->n_headers; i++)
		free(x->headers[i]);
	for (size_t i = 0; i < x->n_binds; i++)
		free(x->binds[i].text);
	free(x->rules);
	free(x->headers);
	free(x->binds);
	free(x->fields);
	free(x->spec);
	free(x->sql.buf);
	free(x->where.buf);
	free(x->out.buf);
	free(x->scratch.buf);
	free(x->chain.text.buf);
	free(x->tmp_path);
	free(x->out_path);
	free(x->warc_dir);
	free(x->chunk);
	free(x->segs);
	if (x->seg_fd >= 0)
		close(x->seg_fd);
	if (x->z_ready)
		deflateEnd(&x->z);
	ZSTD_freeCCtx(x->zc);
	charset_close(&x->dec.cs);
	free(x);
	*xp = NULL;
}

int export_run(const struct opt_config *cfg, FILE *err)
{
	struct export *x = calloc(1, sizeof *x);
	int rc;

	if (!x) {
		fprintf(err, "crawler: out of memory\n");
		return 1;
	}
	x->cfg = cfg;
	x->err = err;
	x->out.fd = -1;
	x->seg_fd = -1;
	charset_init(&x->dec.cs);
	/* a closed pipe must be an error we report, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	rc = export_prepare(x);
	if (!rc)
		rc = export_write(x);
	export_free(&x);
	return rc;
}

/* ---- crawler show ---- */

static int emit_file(void *ctx, const unsigned char *p, size_t n)
{
	return fwrite(p, 1, n, ctx) == n ? 0 : REC_STOP;
}

static int show_record(sqlite3 *db, const char *dir, const struct warc_location *loc,
		       FILE *out, FILE *err)
{
	struct record *r = malloc(sizeof *r);
	char *warc_dir = NULL;
	int rc = -1;

	if (!r || asprintf(&warc_dir, "%s/warc", dir) < 0) {
		warc_dir = NULL;
		fprintf(err, "crawler: out of memory\n");
		goto done;
	}
	record_begin(r, 0, emit_file, out);
	rc = record_read(r, db, warc_dir, loc);
	if (rc < 0)
		fprintf(err, "crawler: cannot read the record in %s/crawl-%05u.warc.zst at"
			" offset %llu: %s\n", warc_dir, (unsigned)loc->segment,
			(unsigned long long)loc->offset, strerror(errno));
	else if (rc == REC_STOP || fflush(out) != 0)
		fprintf(err, "crawler: writing the record: %s\n", strerror(errno));
	rc = rc == 0 && !ferror(out) ? 0 : -1;
done:
	free(warc_dir);
	free(r);
	return rc;
}

int export_show(const char *dir, const char *canon, uint64_t hash, FILE *out,
		FILE *err)
{
	sqlite3 *db = open_db(dir, err);
	sqlite3_stmt *st = NULL;
	struct warc_location loc;
	int rc = -1;

	if (!db)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	if (sqlite3_prepare_v2(db, "SELECT warc_segment, warc_offset, warc_length, state"
			       " FROM urls WHERE hash = ? AND url = ? ORDER BY id LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, (sqlite3_int64)hash) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, canon, -1, SQLITE_STATIC) != SQLITE_OK)
		goto db_error;
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		break;
	case SQLITE_DONE:
		fprintf(err, "crawler: %s is not in this crawl\n", canon);
		rc = 1;
		goto done;
	default:
		goto db_error;
	}
	if (sqlite3_column_type(st, 0) == SQLITE_NULL || sqlite3_column_type(st, 1) == SQLITE_NULL ||
	    sqlite3_column_type(st, 2) == SQLITE_NULL) {
		fprintf(err, "crawler: %s has no stored response (state %s)\n", canon,
			(const char *)sqlite3_column_text(st, 3));
		rc = 1;
		goto done;
	}
	loc.segment = (uint32_t)sqlite3_column_int64(st, 0);
	loc.offset = (uint64_t)sqlite3_column_int64(st, 1);
	loc.length = (uint64_t)sqlite3_column_int64(st, 2);
	rc = show_record(db, dir, &loc, out, err);
	goto done;
db_error:
	fprintf(err, "crawler: %s/crawl.db: %s\n", dir, sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}
