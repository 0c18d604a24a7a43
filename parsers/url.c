/* url: a single-pass WHATWG URL parser restricted to the http and https
 * schemes, writing the canonical form straight into the caller's buffer.
 *
 * The parser follows the state machine of https://url.spec.whatwg.org/ for
 * special schemes, collapsed into straight-line code: the authority, path and
 * query are each found by scanning to their terminator and then written
 * encoded.  The path list of the standard is the output itself: every item is
 * "/segment", so shortening the path cuts back to the last '/'.
 */
#include "url.h"

#include <idn2.h>
#include <stdbool.h>
#include <string.h>

/* Character classes, one bit each, in one table. */
enum {
	C_QUERY = 1 << 0,  /* percent-encoded in a special query */
	C_PATH = 1 << 1,   /* percent-encoded in a path */
	C_USER = 1 << 2,   /* percent-encoded in userinfo */
	C_UNRES = 1 << 3,  /* unreserved: escapes of it are decoded */
	C_HEX = 1 << 4,    /* hex digit */
	C_FORBID = 1 << 5, /* forbidden domain code point */
	C_SCHEME = 1 << 6, /* may follow the first letter of a scheme */
};

#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_C0ENC(c) ((c) < 0x20 || (c) > 0x7e)
#define IN_QUERY(c)                                                           \
	(IS_C0ENC(c) || (c) == ' ' || (c) == '"' || (c) == '#' || (c) == '<' || \
	 (c) == '>' || (c) == '\'')
#define IN_PATH(c)                                                            \
	(IS_C0ENC(c) || (c) == ' ' || (c) == '"' || (c) == '#' || (c) == '<' || \
	 (c) == '>' || (c) == '?' || (c) == '`' || (c) == '{' || (c) == '}')
#define IN_USER(c)                                                            \
	(IN_PATH(c) || (c) == '/' || (c) == ':' || (c) == ';' || (c) == '=' ||  \
	 (c) == '@' || ((c) >= '[' && (c) <= '^') || (c) == '|')
#define IN_UNRES(c)                                                           \
	(IS_ALPHA(c) || IS_DIGIT(c) || (c) == '-' || (c) == '.' || (c) == '_' || \
	 (c) == '~')
#define IN_HEX(c) (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define IN_FORBID(c)                                                          \
	((c) < 0x21 || (c) == 0x7f || (c) == '#' || (c) == '%' || (c) == '/' || \
	 (c) == ':' || (c) == '<' || (c) == '>' || (c) == '?' || (c) == '@' ||   \
	 ((c) >= '[' && (c) <= '^') || (c) == '|')
#define IN_SCHEME(c) (IS_ALPHA(c) || IS_DIGIT(c) || (c) == '+' || (c) == '-' || (c) == '.')

#define CLS(c)                                                                \
	(uint8_t)((IN_QUERY(c) ? C_QUERY : 0) | (IN_PATH(c) ? C_PATH : 0) |     \
		  (IN_USER(c) ? C_USER : 0) | (IN_UNRES(c) ? C_UNRES : 0) |     \
		  (IN_HEX(c) ? C_HEX : 0) | (IN_FORBID(c) ? C_FORBID : 0) |     \
		  (IN_SCHEME(c) ? C_SCHEME : 0))
#define CLS4(c) CLS(c), CLS((c) + 1), CLS((c) + 2), CLS((c) + 3)
#define CLS16(c) CLS4(c), CLS4((c) + 4), CLS4((c) + 8), CLS4((c) + 12)
#define CLS64(c) CLS16(c), CLS16((c) + 16), CLS16((c) + 32), CLS16((c) + 48)

static const uint8_t cls[256] = {CLS64(0), CLS64(64), CLS64(128), CLS64(192)};

static const char hexdig[] = "0123456789ABCDEF";

static inline bool is(char c, unsigned bits)
{
	return cls[(uint8_t)c] & bits;
}

static inline bool is_slash(char c)
{
	return c == '/' || c == '\\';
}

static inline unsigned hexval(char c)
{
	return IS_DIGIT(c) ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

static inline char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

/* Output buffer; on overflow writing stops and `full` reports it. */
struct writer {
	char *buf;
	size_t len, cap; /* cap excludes the NUL */
	bool full;
};

static inline void put(struct writer *w, char c)
{
	if (w->len < w->cap)
		w->buf[w->len++] = c;
	else
		w->full = true;
}

static void put_mem(struct writer *w, const char *s, size_t n)
{
	size_t room = w->cap - w->len;
	if (n > room) {
		n = room;
		w->full = true;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void put_pct(struct writer *w, uint8_t v)
{
	put(w, '%');
	put(w, hexdig[v >> 4]);
	put(w, hexdig[v & 15]);
}

static void put_uint(struct writer *w, unsigned v)
{
	char d[10];
	int n = 0;
	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		put(w, d[--n]);
}

/* Whether the output ends in a '%' that a following hex digit would turn
 * into an escape: decoding such a digit would not survive a second pass. */
static bool after_bare_pct(const struct writer *w)
{
	size_t n = w->len;
	return (n >= 1 && w->buf[n - 1] == '%') ||
	       (n >= 2 && w->buf[n - 2] == '%' && is(w->buf[n - 1], C_HEX));
}

/* Writes s[0..n) percent-encoded with class `set`, normalizing the escapes
 * already present. */
static void encode(struct writer *w, const char *s, size_t n, unsigned set)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%' && i + 2 < n && is(s[i + 1], C_HEX) && is(s[i + 2], C_HEX)) {
			uint8_t v = (uint8_t)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
			if (is((char)v, C_UNRES) && !(is((char)v, C_HEX) && after_bare_pct(w)))
				put(w, (char)v);
			else
				put_pct(w, v);
		} else if (is(c, set)) {
			put_pct(w, (uint8_t)c);
		} else {
			put(w, c);
		}
	}
}

/* ---- hosts ---- */

/* Parses one IPv4 part (decimal, 0x hex or 0 octal); saturates above 2^32
 * since any such value is an error anyway.  Returns false on failure. */
static bool ipv4_number(const char *s, size_t n, uint64_t *out)
{
	unsigned radix = 10;
	if (n == 0)
		return false;
	if (n >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		radix = 16;
		s += 2;
		n -= 2;
	} else if (n >= 2 && s[0] == '0') {
		radix = 8;
		s++;
		n--;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = radix == 16 ? is(c, C_HEX) : (c >= '0' && c < (char)('0' + radix));
		if (!ok)
			return false;
		v = v * radix + hexval(c);
		if (v > 0xffffffffu)
			v = 0x100000000u;
	}
	*out = v;
	return true;
}

/* WHATWG "ends in a number": the last label (ignoring one trailing dot) is
 * all digits or a 0x hex number. */
static bool ends_in_number(const char *d, size_t n)
{
	if (n && d[n - 1] == '.')
		n--;
	size_t start = n;
	while (start && d[start - 1] != '.')
		start--;
	const char *last = d + start;
	size_t len = n - start;
	bool hex = len >= 2 && last[0] == '0' && (last[1] | 0x20) == 'x';
	if (len == 0)
		return false;
	for (size_t i = hex ? 2 : 0; i < len; i++)
		if (hex ? !is(last[i], C_HEX) : !IS_DIGIT(last[i]))
			return false;
	return true;
}

static enum url_status write_ipv4(struct writer *w, const char *d, size_t n)
{
	uint64_t part[4], addr = 0;
	size_t count = 0, start = 0;
	if (n && d[n - 1] == '.')
		n--;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && d[i] != '.')
			continue;
		if (count == 4 || !ipv4_number(d + start, i - start, &part[count]))
			return URL_E_INVALID;
		count++;
		start = i + 1;
	}
	for (size_t i = 0; i + 1 < count; i++) {
		if (part[i] > 255)
			return URL_E_INVALID;
		addr |= part[i] << (8 * (3 - i));
	}
	if (part[count - 1] >= (uint64_t)1 << (8 * (5 - count)))
		return URL_E_INVALID;
	addr += part[count - 1];
	for (int i = 3; i >= 0; i--) {
		put_uint(w, (unsigned)(addr >> (8 * i)) & 255);
		if (i)
			put(w, '.');
	}
	return URL_OK;
}

/* The dotted IPv4 tail of an IPv6 address; fills two pieces. */
static bool ipv6_v4tail(const char *s, size_t n, size_t *i, uint16_t *pieces)
{
	unsigned seen = 0;
	while (*i < n) {
		if (seen > 0) {
			if (s[*i] != '.' || seen == 4)
				return false;
			(*i)++;
		}
		if (*i >= n || !IS_DIGIT(s[*i]))
			return false;
		unsigned v = 0, digits = 0;
		for (; *i < n && IS_DIGIT(s[*i]); (*i)++, digits++) {
			if (digits && v == 0)
				return false;
			v = v * 10 + (unsigned)(s[*i] - '0');
			if (v > 255)
				return false;
		}
		pieces[seen / 2] = (uint16_t)(pieces[seen / 2] << 8 | v);
		seen++;
	}
	return seen == 4;
}

/* The WHATWG IPv6 parser over the text between the brackets. */
static bool ipv6_parse(const char *s, size_t n, uint16_t a[8])
{
	size_t i = 0, piece = 0, compress = 8;
	memset(a, 0, 8 * sizeof a[0]);
	if (n && s[0] == ':') {
		if (n < 2 || s[1] != ':')
			return false;
		i = 2;
		compress = ++piece;
	}
	while (i < n) {
		if (piece == 8)
			return false;
		if (s[i] == ':') {
			if (compress != 8)
				return false;
			i++;
			compress = ++piece;
			continue;
		}
		unsigned v = 0, len = 0;
		for (; len < 4 && i < n && is(s[i], C_HEX); i++, len++)
			v = v * 16 + hexval(s[i]);
		if (i < n && s[i] == '.') {
			if (len == 0 || piece > 6)
				return false;
			i -= len;
			if (!ipv6_v4tail(s, n, &i, &a[piece]))
				return false;
			piece += 2;
			break;
		}
		if (i < n && s[i] == ':') {
			if (++i == n)
				return false;
		} else if (i < n) {
			return false;
		}
		a[piece++] = (uint16_t)v;
	}
	if (compress != 8) {
		size_t swaps = piece - compress;
		for (size_t k = 7; k != 0 && swaps > 0; k--, swaps--) {
			uint16_t t = a[k];
			a[k] = a[compress + swaps - 1];
			a[compress + swaps - 1] = t;
		}
	} else if (piece != 8) {
		return false;
	}
	return true;
}

static void put_hex16(struct writer *w, unsigned v)
{
	int shift = 12;
	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		put(w, lower(hexdig[(v >> shift) & 15]));
}

static enum url_status write_ipv6(struct writer *w, const char *h, size_t n)
{
	uint16_t a[8];
	if (n < 2 || h[n - 1] != ']' || !ipv6_parse(h + 1, n - 2, a))
		return URL_E_INVALID;
	/* compress the first longest run of two or more zero pieces */
	int best = -1, best_len = 1;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && a[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	put(w, '[');
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			put_mem(w, i == 0 ? "::" : ":", i == 0 ? 2 : 1);
			i += best_len - 1;
			continue;
		}
		put_hex16(w, a[i]);
		if (i != 7)
			put(w, ':');
	}
	put(w, ']');
	return URL_OK;
}

/* Writes an ASCII domain lower-cased, or as IPv4 when it ends in a number. */
static enum url_status write_domain(struct writer *w, const char *d, size_t n)
{
	if (n == 0)
		return URL_E_INVALID;
	for (size_t i = 0; i < n; i++)
		if (is(d[i], C_FORBID))
			return URL_E_INVALID;
	if (ends_in_number(d, n))
		return write_ipv4(w, d, n);
	for (size_t i = 0; i < n; i++)
		put(w, lower(d[i]));
	return URL_OK;
}

static bool has_alabel(const char *d, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if ((i == 0 || d[i - 1] == '.') && (d[i] | 0x20) == 'x' &&
		    (d[i + 1] | 0x20) == 'n' && d[i + 2] == '-' && d[i + 3] == '-')
			return true;
	return false;
}

/* UTS #46 ToASCII via libidn2 on a NUL-terminated UTF-8 domain, in place
 * (cap bytes available). */
static enum url_status idna_to_ascii(char *d, size_t cap, size_t *n)
{
	uint8_t *ascii = NULL;
	if (idn2_lookup_u8((const uint8_t *)d, &ascii, IDN2_NONTRANSITIONAL) != IDN2_OK)
		return URL_E_INVALID;
	size_t len = strlen((const char *)ascii);
	enum url_status st = len < cap ? URL_OK : URL_E_INVALID;
	if (st == URL_OK) {
		memcpy(d, ascii, len + 1);
		*n = len;
	}
	idn2_free(ascii);
	return st;
}

/* Hosts with escapes, non-ASCII bytes or A-labels: percent-decode, then
 * domain-to-ASCII through libidn2 when anything is not plain ASCII. */
static enum url_status write_domain_slow(struct writer *w, const char *h, size_t n)
{
	char d[URL_MAX];
	size_t m = 0;
	bool plain = true;
	if (n >= sizeof d)
		return URL_E_TOO_LONG;
	for (size_t i = 0; i < n; i++, m++) {
		if (h[i] == '%' && i + 2 < n && is(h[i + 1], C_HEX) && is(h[i + 2], C_HEX)) {
			d[m] = (char)(hexval(h[i + 1]) << 4 | hexval(h[i + 2]));
			i += 2;
		} else {
			d[m] = h[i];
		}
		if (d[m] == '\0')
			return URL_E_INVALID;
		plain &= (uint8_t)d[m] < 0x80;
	}
	d[m] = '\0';
	if (!plain || has_alabel(d, m)) {
		enum url_status st = idna_to_ascii(d, sizeof d, &m);
		if (st != URL_OK)
			return st;
	}
	return write_domain(w, d, m);
}

static enum url_status write_host(struct writer *w, const char *h, size_t n)
{
	if (n == 0)
		return URL_E_INVALID;
	if (h[0] == '[')
		return write_ipv6(w, h, n);
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)h[i] >= 0x80 || h[i] == '%')
			return write_domain_slow(w, h, n);
	if (has_alabel(h, n))
		return write_domain_slow(w, h, n);
	return write_domain(w, h, n);
}

/* ---- URL structure ---- */

struct parse {
	const char *s; /* cleaned input */
	size_t n, i;   /* length, read position */
	struct writer w;
	bool https;
	size_t path_start; /* in the output */
};

static void write_userinfo(struct writer *w, const char *u, size_t n)
{
	const char *colon = memchr(u, ':', n);
	size_t ulen = colon ? (size_t)(colon - u) : n;
	size_t plen = colon ? n - ulen - 1 : 0;
	if (ulen == 0 && plen == 0)
		return;
	encode(w, u, ulen, C_USER);
	if (plen) {
		put(w, ':');
		encode(w, colon + 1, plen, C_USER);
	}
	put(w, '@');
}

static enum url_status write_port(struct parse *p, const char *s, size_t n)
{
	unsigned v = 0;
	if (n == 0)
		return URL_OK;
	for (size_t i = 0; i < n; i++) {
		if (!IS_DIGIT(s[i]))
			return URL_E_INVALID;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > 65535)
			return URL_E_INVALID;
	}
	if (v != (p->https ? 443u : 80u)) {
		put(&p->w, ':');
		put_uint(&p->w, v);
	}
	return URL_OK;
}

/* Parses [userinfo@]host[:port] from the read position up to the first
 * '/', '\', '?', '#' or the end. */
static enum url_status parse_authority(struct parse *p)
{
	const char *s = p->s;
	size_t start = p->i, end = start, at = 0;
	bool has_at = false;
	for (; end < p->n && !is_slash(s[end]) && s[end] != '?' && s[end] != '#'; end++)
		if (s[end] == '@') {
			has_at = true;
			at = end;
		}
	size_t hs = start;
	if (has_at) {
		write_userinfo(&p->w, s + start, at - start);
		hs = at + 1;
	}
	size_t he = hs;
	bool bracket = false;
	for (; he < end && (s[he] != ':' || bracket); he++)
		if (s[he] == '[')
			bracket = true;
		else if (s[he] == ']')
			bracket = false;
	enum url_status st = write_host(&p->w, s + hs, he - hs);
	if (st == URL_OK && he < end)
		st = write_port(p, s + he + 1, end - he - 1);
	p->i = end;
	return st;
}

/* Removes the last path item, if any. */
static void shorten_path(struct parse *p)
{
	size_t k = p->w.len;
	while (k > p->path_start && p->w.buf[k - 1] != '/')
		k--;
	p->w.len = k > p->path_start ? k - 1 : p->path_start;
}

/* Path state: appends "/segment" items from the read position up to '?',
 * '#' or the end, resolving dot segments against what is already written. */
static void parse_path(struct parse *p)
{
	const char *s = p->s;
	for (;;) {
		size_t i = p->i, seg;
		while (i < p->n && !is_slash(s[i]) && s[i] != '?' && s[i] != '#')
			i++;
		put(&p->w, '/');
		seg = p->w.len;
		encode(&p->w, s + p->i, i - p->i, C_PATH);
		size_t len = p->w.len - seg;
		const char *t = p->w.buf + seg;
		bool more = i < p->n && is_slash(s[i]);
		/* escapes of '.' are decoded already, so these are exactly the
		 * standard's single- and double-dot segments */
		if ((len == 1 && t[0] == '.') || (len == 2 && t[0] == '.' && t[1] == '.')) {
			p->w.len = seg - 1;
			if (len == 2)
				shorten_path(p);
			if (!more)
				put(&p->w, '/');
		}
		p->i = i + more;
		if (!more)
			return;
	}
}

/* Query state; the fragment after it is dropped, as is an empty query. */
static void parse_query(struct parse *p)
{
	if (p->i >= p->n || p->s[p->i] != '?')
		return;
	const char *q = p->s + p->i + 1;
	const char *hash = memchr(q, '#', p->n - p->i - 1);
	size_t n = hash ? (size_t)(hash - q) : p->n - p->i - 1;
	size_t mark = p->w.len;
	put(&p->w, '?');
	encode(&p->w, q, n, C_QUERY);
	if (p->w.len == mark + 1)
		p->w.len = mark;
	p->i = p->n;
}

/* From just after "scheme:" (or a scheme-relative "//"): skips the slashes,
 * then authority, path and query. */
static enum url_status parse_after_slashes(struct parse *p)
{
	put_mem(&p->w, p->https ? "https://" : "http://", p->https ? 8 : 7);
	while (p->i < p->n && is_slash(p->s[p->i]))
		p->i++;
	enum url_status st = parse_authority(p);
	if (st != URL_OK)
		return st;
	p->path_start = p->w.len;
	if (p->i < p->n && is_slash(p->s[p->i])) {
		p->i++;
		parse_path(p);
	} else {
		put(&p->w, '/');
	}
	parse_query(p);
	return URL_OK;
}

/* The relative state: the reference at the read position against base. */
static enum url_status parse_relative(struct parse *p, const struct url_base *b)
{
	const char *s = p->s;
	size_t i = p->i;
	p->https = b->scheme_end == 5;
	p->path_start = b->path_start;
	if (i == p->n || s[i] == '#') {
		put_mem(&p->w, b->href, b->len);
	} else if (is_slash(s[i]) && i + 1 < p->n && is_slash(s[i + 1])) {
		return parse_after_slashes(p);
	} else if (is_slash(s[i])) {
		put_mem(&p->w, b->href, b->path_start);
		p->i++;
		parse_path(p);
		parse_query(p);
	} else if (s[i] == '?') {
		put_mem(&p->w, b->href, b->query_start);
		parse_query(p);
	} else {
		put_mem(&p->w, b->href, b->dir_end);
		parse_path(p);
		parse_query(p);
	}
	return URL_OK;
}

/* ---- input and entry points ---- */

enum scheme { SCHEME_NONE, SCHEME_HTTP, SCHEME_HTTPS, SCHEME_OTHER };

/* Recognizes "scheme:" at the start; *after is the index past the ':'. */
static enum scheme scan_scheme(const char *s, size_t n, size_t *after)
{
	size_t i = 1;
	if (n == 0 || !IS_ALPHA(s[0]))
		return SCHEME_NONE;
	while (i < n && is(s[i], C_SCHEME))
		i++;
	if (i == n || s[i] != ':')
		return SCHEME_NONE;
	*after = i + 1;
	if ((i == 4 || (i == 5 && (s[4] | 0x20) == 's')) && (s[0] | 0x20) == 'h' &&
	    (s[1] | 0x20) == 't' && (s[2] | 0x20) == 't' && (s[3] | 0x20) == 'p')
		return i == 5 ? SCHEME_HTTPS : SCHEME_HTTP;
	return SCHEME_OTHER;
}

/* Strips leading/trailing C0 controls and spaces, and removes tabs and
 * newlines; copies into tmp only when there is something to remove. */
static enum url_status clean_input(const char *in, size_t len, char *tmp,
				   const char **s, size_t *n)
{
	while (len && (uint8_t)in[0] <= 0x20) {
		in++;
		len--;
	}
	while (len && (uint8_t)in[len - 1] <= 0x20)
		len--;
	*s = in;
	*n = len;
	if (len > URL_IN_MAX)
		return URL_E_TOO_LONG;
	size_t i = 0;
	while (i < len && in[i] != '\t' && in[i] != '\n' && in[i] != '\r')
		i++;
	if (i == len)
		return URL_OK;
	size_t m = i;
	memcpy(tmp, in, i);
	for (; i < len; i++)
		if (in[i] != '\t' && in[i] != '\n' && in[i] != '\r')
			tmp[m++] = in[i];
	*s = tmp;
	*n = m;
	return URL_OK;
}

static enum url_status parse(const struct url_base *base, const char *in,
			     size_t len, char *out, size_t cap, size_t *out_len)
{
	char tmp[URL_IN_MAX];
	struct parse p = {0};
	size_t after = 0;
	if (cap == 0)
		return URL_E_TOO_LONG;
	enum url_status st = clean_input(in, len, tmp, &p.s, &p.n);
	enum scheme sch = scan_scheme(p.s, p.n, &after);
	/* a huge data: URI is still just another scheme */
	if (sch == SCHEME_OTHER)
		return URL_E_SCHEME;
	if (st != URL_OK)
		return st;
	p.w = (struct writer){.buf = out, .cap = (cap < URL_MAX ? cap : URL_MAX) - 1};
	if (sch == SCHEME_NONE && !base)
		return URL_E_INVALID;
	p.i = sch == SCHEME_NONE ? 0 : after;
	p.https = sch == SCHEME_HTTPS;
	if (base && (sch == SCHEME_NONE || p.https == (base->scheme_end == 5)))
		st = parse_relative(&p, base);
	else
		st = parse_after_slashes(&p);
	if (st == URL_OK && p.w.full)
		st = URL_E_TOO_LONG;
	if (st != URL_OK)
		return st;
	out[p.w.len] = '\0';
	*out_len = p.w.len;
	return URL_OK;
}

enum url_status url_canonicalize(const char *url, size_t len, char *out,
				 size_t cap, size_t *out_len)
{
	return parse(NULL, url, len, out, cap, out_len);
}

enum url_status url_resolve(const struct url_base *base, const char *ref,
			    size_t ref_len, char *out, size_t cap,
			    size_t *out_len)
{
	return parse(base, ref, ref_len, out, cap, out_len);
}

enum url_status url_base_set(struct url_base *base, const char *url, size_t len)
{
	enum url_status st = url_canonicalize(url, len, base->href, sizeof base->href,
					      &base->len);
	if (st != URL_OK)
		return st;
	const char *href = base->href, *host = NULL;
	size_t host_len = 0, n = base->len;
	/* a canonical URL always has an authority and a path starting '/' */
	size_t path = url_origin(href, n, &host, &host_len);
	size_t query = path, dir;
	while (query < n && href[query] != '?')
		query++;
	dir = query - 1;
	while (href[dir] != '/')
		dir--;
	base->scheme_end = href[4] == 's' ? 5 : 4;
	base->host_start = (uint16_t)(host - href);
	base->host_end = (uint16_t)(base->host_start + host_len);
	base->path_start = (uint16_t)path;
	base->query_start = (uint16_t)query;
	base->dir_end = (uint16_t)dir;
	return URL_OK;
}

uint64_t url_hash(const char *canon, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)canon[i];
		h *= 0x100000001b3u;
	}
	return h;
}

size_t url_origin(const char *canon, size_t len, const char **host,
		  size_t *host_len)
{
	size_t a;
	if (len > 7 && memcmp(canon, "http://", 7) == 0)
		a = 7;
	else if (len > 8 && memcmp(canon, "https://", 8) == 0)
		a = 8;
	else
		return 0;
	const char *slash = memchr(canon + a, '/', len - a);
	if (!slash)
		return 0;
	size_t end = (size_t)(slash - canon), hs = a, he;
	for (size_t i = a; i < end; i++)
		if (canon[i] == '@')
			hs = i + 1;
	he = hs;
	if (hs < end && canon[hs] == '[') {
		while (he < end && canon[he] != ']')
			he++;
		he += he < end;
	} else {
		while (he < end && canon[he] != ':')
			he++;
	}
	if (he == hs)
		return 0;
	*host = canon + hs;
	*host_len = he - hs;
	return end;
}

const char *url_status_str(enum url_status st)
{
	switch (st) {
	case URL_OK:
		return "ok";
	case URL_E_INVALID:
		return "invalid URL";
	case URL_E_SCHEME:
		return "scheme is not http or https";
	case URL_E_TOO_LONG:
		return "URL too long";
	}
	return "unknown URL status";
}
