/* robots: RFC 9309 parsing and matching.
 *
 * Patterns are compiled once into arrays of 16-bit units: a unit is an octet
 * compared as itself, an octet that stays percent-encoded (U_ENC | octet),
 * or the wildcard.  robots_allowed decodes the path once into the same
 * units on the stack, so both sides meet in one normal form and nothing is
 * allocated.  Rules are sorted by priority (longer pattern first, Allow
 * first on a tie), so the first rule that matches decides.
 *
 * Each rule is walked with the classic wildcard match that remembers only
 * the last '*' it passed: O(path * pattern) at worst, never exponential.  A
 * step budget per call bounds what a file crafted with thousands of such
 * patterns can cost; running out of it disallows, the polite answer.
 */
#include "robots.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_RULES 10000         /* kept per kind of group */
#define MAX_PATTERN 2048        /* octets of a normalized pattern; longer: dropped */
#define MATCH_BUDGET (1u << 22) /* match steps per robots_allowed call */

enum {
	U_ENC = 0x100,  /* the octet stays percent-encoded */
	U_STAR = 0x200, /* '*': any run of units */
};

/* The groups a rule came from: ours (by product token) and "*". */
enum kind { SPECIFIC, GLOBAL, N_KINDS };

struct rule {
	uint64_t need;   /* unit_bit() of every literal unit: a cheap reject */
	uint32_t off;    /* first unit in robots.units */
	uint16_t n;      /* number of units */
	uint16_t octets; /* priority: pattern length as written, normalized */
	uint8_t kinds;   /* bit per enum kind; only used while parsing */
	bool allow;
	bool anchored; /* ended with '$' */
};

struct robots {
	struct rule *rules;
	size_t n_rules, cap_rules;
	uint16_t *units;
	size_t n_units, cap_units;
	char **sitemaps;
	size_t n_sitemaps, cap_sitemaps;
	double delay;
};

/* State of one robots_parse call. */
struct parser {
	struct robots *r;
	const char *product;
	size_t product_len;
	unsigned group;   /* kind bits of the current group; 0: no group */
	unsigned seen;    /* kind bits of every group met so far */
	bool in_agents;   /* the last directive was a user-agent line */
	bool oom;
	size_t kept[N_KINDS];
	double delay[N_KINDS]; /* first valid Crawl-delay, or -1 */
};

enum directive { D_NONE, D_AGENT, D_ALLOW, D_DISALLOW, D_DELAY, D_SITEMAP };

/* Keys, with the common misspellings webmasters write. */
static const struct {
	const char *name;
	enum directive d;
} keys[] = {
	{"user-agent", D_AGENT},   {"useragent", D_AGENT},
	{"user agent", D_AGENT},   {"allow", D_ALLOW},
	{"disallow", D_DISALLOW},  {"disalow", D_DISALLOW},
	{"dissallow", D_DISALLOW}, {"crawl-delay", D_DELAY},
	{"sitemap", D_SITEMAP},    {"site-map", D_SITEMAP},
};

/* Octet classes, one bit each, in one table. */
enum {
	C_UNRES = 1 << 0, /* unreserved (RFC 3986): escapes of it are decoded */
	C_RESV = 1 << 1,  /* reserved: compared as written */
	C_HEX = 1 << 2,   /* hex digit */
	C_TOKEN = 1 << 3, /* may be part of a product token */
};

#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_ALNUM(c) (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IN_UNRES(c) (IS_ALNUM(c) || (c) == '-' || (c) == '.' || (c) == '_' || (c) == '~')
#define IN_RESV(c)                                                            \
	((c) == ':' || (c) == '/' || (c) == '?' || (c) == '#' || (c) == '[' ||  \
	 (c) == ']' || (c) == '@' || (c) == '!' || (c) == '$' || (c) == '&' ||  \
	 (c) == '\'' || (c) == '(' || (c) == ')' || (c) == '*' || (c) == '+' || \
	 (c) == ',' || (c) == ';' || (c) == '=')
#define IN_HEX(c) (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define IN_TOKEN(c) (IS_ALNUM(c) || (c) == '-' || (c) == '_')
#define CLS(c)                                                                \
	(uint8_t)((IN_UNRES(c) ? C_UNRES : 0) | (IN_RESV(c) ? C_RESV : 0) |     \
		  (IN_HEX(c) ? C_HEX : 0) | (IN_TOKEN(c) ? C_TOKEN : 0))
#define CLS4(c) CLS(c), CLS((c) + 1), CLS((c) + 2), CLS((c) + 3)
#define CLS16(c) CLS4(c), CLS4((c) + 4), CLS4((c) + 8), CLS4((c) + 12)
#define CLS64(c) CLS16(c), CLS16((c) + 16), CLS16((c) + 32), CLS16((c) + 48)

static const uint8_t cls[256] = {CLS64(0), CLS64(64), CLS64(128), CLS64(192)};

static inline bool is(char c, unsigned bits)
{
	return cls[(uint8_t)c] & bits;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static unsigned hexval(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* The unit at s[*j] (of n), advancing *j past it.  Unreserved and reserved
 * octets compare as written, every other one as its percent-encoded form;
 * "%7e" is "~", "%2f" is "%2F" and a stray '%' is "%25". */
static inline unsigned next_unit(const char *s, size_t n, size_t *j)
{
	uint8_t c = (uint8_t)s[*j];
	if (c == '%' && n - *j > 2 && is(s[*j + 1], C_HEX) &&
	    is(s[*j + 2], C_HEX)) {
		uint8_t v = (uint8_t)(hexval(s[*j + 1]) << 4 | hexval(s[*j + 2]));
		*j += 3;
		return is((char)v, C_UNRES) ? v : U_ENC | v;
	}
	*j += 1;
	return is((char)c, C_UNRES | C_RESV) ? c : U_ENC | c;
}

/* A path can only match a pattern if it holds all of the pattern's units;
 * one bit per unit class (collisions only weaken the filter). */
static inline uint64_t unit_bit(unsigned u)
{
	return 1ull << (u & 63);
}

/* 1 when pattern p (m units) matches path units t (n) from their start, 0
 * when not, -1 when *budget ran out first. */
static int match(const uint16_t *p, size_t m, bool anchored, const uint16_t *t,
		 size_t n, size_t *budget)
{
	size_t i = 0, j = 0, star_i = SIZE_MAX, star_j = 0;
	while (*budget > 0) {
		(*budget)--;
		if (i == m) {
			if (!anchored || j == n)
				return 1;
		} else if (p[i] == U_STAR) {
			star_i = ++i;
			star_j = j;
			continue;
		} else if (j < n && t[j] == p[i]) {
			i++;
			j++;
			continue;
		}
		/* Let the last '*' swallow more units, up to where the unit
		 * after it occurs next, and retry there. */
		if (star_i == SIZE_MAX || star_j == n)
			return 0;
		size_t from = star_j++;
		if (star_i < m)
			while (star_j < n && t[star_j] != p[star_i])
				star_j++;
		if (star_j - from > *budget)
			return -1;
		*budget -= star_j - from;
		i = star_i;
		j = star_j;
	}
	return -1;
}

/* Returns the grown array, or NULL (arr untouched) when out of memory. */
static void *grow(void *arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return arr;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *p = reallocarray(arr, n, size);
	if (p)
		*cap = n;
	return p;
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_ws(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_ws((*s)[*n - 1]))
		(*n)--;
}

static enum directive directive(const char *k, size_t n)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strlen(keys[i].name) == n && !strncasecmp(k, keys[i].name, n))
			return keys[i].d;
	return D_NONE;
}

/* A user-agent line names the group by its product token: the value up to
 * the first character outside [A-Za-z0-9_-] ("Crawler/1.0" is "Crawler"). */
static void agent_line(struct parser *p, const char *v, size_t n)
{
	if (!p->in_agents) {
		p->group = 0;
		p->in_agents = true;
	}
	size_t t = 0;
	while (t < n && is(v[t], C_TOKEN))
		t++;
	if (n > 0 && v[0] == '*' && (n == 1 || is_ws(v[1])))
		p->group |= 1u << GLOBAL;
	else if (t > 0 && t == p->product_len && !strncasecmp(v, p->product, t))
		p->group |= 1u << SPECIFIC;
	p->seen |= p->group;
}

/* The kinds of the current group that still have room for a rule. */
static unsigned rule_room(const struct parser *p)
{
	unsigned kinds = p->group;
	for (int k = 0; k < N_KINDS; k++)
		if (p->kept[k] >= MAX_RULES)
			kinds &= ~(1u << k);
	return kinds;
}

/* Compiles pattern v (n bytes, not empty) into units at r->units + n_units;
 * returns the unit count, or 0 when the pattern is too long to keep.  A
 * pattern that does not start with '/' or '*' gets a '/' in front. */
static size_t compile(struct robots *r, const char *v, size_t n,
		      struct rule *out)
{
	uint16_t *u = r->units + r->n_units;
	size_t m = 0, octets = 0;
	out->need = 0;
	out->anchored = v[n - 1] == '$';
	n -= out->anchored;
	octets += out->anchored;
	if (n == 0 || (v[0] != '/' && v[0] != '*')) {
		u[m++] = '/';
		out->need = unit_bit('/');
		octets++;
	}
	for (size_t j = 0; j < n && octets <= MAX_PATTERN;) {
		if (v[j] == '*') {
			j++;
			octets++;
			if (m == 0 || u[m - 1] != U_STAR)
				u[m++] = U_STAR;
			continue;
		}
		unsigned x = next_unit(v, n, &j);
		octets += x & U_ENC ? 3 : 1;
		out->need |= unit_bit(x);
		u[m++] = (uint16_t)x;
	}
	if (octets > MAX_PATTERN)
		return 0;
	out->octets = (uint16_t)octets;
	return m;
}

/* Room for one more rule of up to n + 1 units. */
static bool reserve_rule(struct robots *r, size_t n)
{
	uint16_t *units = grow(r->units, &r->cap_units, r->n_units + n + 1,
			       sizeof *units);
	if (!units)
		return false;
	r->units = units;
	struct rule *rules = grow(r->rules, &r->cap_rules, r->n_rules + 1,
				  sizeof *rules);
	if (!rules)
		return false;
	r->rules = rules;
	return true;
}

static void rule_line(struct parser *p, bool allow, const char *v, size_t n)
{
	struct robots *r = p->r;
	unsigned kinds = rule_room(p);
	p->in_agents = false;
	if (n == 0 || kinds == 0)
		return;
	if (!reserve_rule(r, n)) {
		p->oom = true;
		return;
	}
	struct rule *ru = &r->rules[r->n_rules];
	size_t m = compile(r, v, n, ru);
	if (m == 0)
		return;
	ru->off = (uint32_t)r->n_units;
	ru->n = (uint16_t)m;
	ru->kinds = (uint8_t)kinds;
	ru->allow = allow;
	r->n_units += m;
	r->n_rules++;
	for (int k = 0; k < N_KINDS; k++)
		p->kept[k] += (kinds >> k) & 1;
}

/* Seconds as digits with an optional fraction; anything else is -1. */
static double parse_delay(const char *v, size_t n)
{
	double x = 0, scale = 1;
	size_t digits = 0;
	bool dot = false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '.' && !dot) {
			dot = true;
			continue;
		}
		if (v[i] < '0' || v[i] > '9')
			return -1;
		digits++;
		if (dot) {
			scale /= 10;
			x += (v[i] - '0') * scale;
		} else {
			x = x * 10 + (v[i] - '0');
		}
	}
	return digits && isfinite(x) ? x : -1;
}

static void delay_line(struct parser *p, const char *v, size_t n)
{
	double d = parse_delay(v, n);
	p->in_agents = false;
	for (int k = 0; k < N_KINDS; k++)
		if ((p->group >> k & 1) && p->delay[k] < 0)
			p->delay[k] = d;
}

/* Sitemaps belong to the file, not to a group. */
static void sitemap_line(struct parser *p, const char *v, size_t n)
{
	struct robots *r = p->r;
	if (n == 0 || r->n_sitemaps >= ROBOTS_MAX_SITEMAPS)
		return;
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)v[i] < 0x20 || v[i] == 0x7f)
			return;
	char **s = grow(r->sitemaps, &r->cap_sitemaps, r->n_sitemaps + 1,
			sizeof *r->sitemaps);
	char *url = s ? strndup(v, n) : NULL;
	if (s)
		r->sitemaps = s;
	if (!url) {
		p->oom = true;
		return;
	}
	r->sitemaps[r->n_sitemaps++] = url;
}

static void parse_line(struct parser *p, const char *s, size_t n)
{
	const char *hash = memchr(s, '#', n);
	if (hash)
		n = (size_t)(hash - s);
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return;
	size_t kn = (size_t)(colon - s), vn = n - kn - 1;
	const char *v = colon + 1;
	trim(&s, &kn);
	trim(&v, &vn);
	enum directive d = directive(s, kn);
	switch (d) {
	case D_AGENT:
		agent_line(p, v, vn);
		break;
	case D_ALLOW:
	case D_DISALLOW:
		rule_line(p, d == D_ALLOW, v, vn);
		break;
	case D_DELAY:
		delay_line(p, v, vn);
		break;
	case D_SITEMAP:
		sitemap_line(p, v, vn);
		break;
	case D_NONE:
		break;
	}
}

static bool is_eol(char c)
{
	return c == '\n' || c == '\r';
}

/* How much of the body to parse: at most ROBOTS_MAX_BYTES, without a line
 * the limit cuts in two. */
static size_t usable_length(const char *body, size_t len)
{
	if (len <= ROBOTS_MAX_BYTES || is_eol(body[ROBOTS_MAX_BYTES]))
		return len < ROBOTS_MAX_BYTES ? len : ROBOTS_MAX_BYTES;
	size_t n = ROBOTS_MAX_BYTES;
	while (n > 0 && !is_eol(body[n - 1]))
		n--;
	return n;
}

static int by_priority(const void *a, const void *b)
{
	const struct rule *x = a, *y = b;
	if (x->octets != y->octets)
		return x->octets > y->octets ? -1 : 1;
	if (x->allow != y->allow)
		return x->allow ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Keeps the rules of our groups if any group named us, else those of "*". */
static void choose_groups(struct parser *p)
{
	struct robots *r = p->r;
	enum kind k = p->seen & (1u << SPECIFIC) ? SPECIFIC : GLOBAL;
	size_t kept = 0;
	for (size_t i = 0; i < r->n_rules; i++)
		if (r->rules[i].kinds >> k & 1)
			r->rules[kept++] = r->rules[i];
	r->n_rules = kept;
	r->delay = p->delay[k];
	if (kept)
		qsort(r->rules, kept, sizeof *r->rules, by_priority);
}

struct robots *robots_parse(const char *body, size_t len, const char *product)
{
	struct parser p = {
		.r = calloc(1, sizeof *p.r),
		.product = product ? product : "",
		.product_len = product ? strlen(product) : 0,
		.delay = {-1, -1},
	};
	if (!p.r)
		return NULL;
	len = usable_length(body, len);
	size_t at = len >= 3 && !memcmp(body, "\xEF\xBB\xBF", 3) ? 3 : 0;
	while (at < len && !p.oom) {
		size_t end = at;
		while (end < len && !is_eol(body[end]))
			end++;
		parse_line(&p, body + at, end - at);
		at = end + 1 + (end + 1 < len && body[end] == '\r' &&
				body[end + 1] == '\n');
	}
	if (p.oom) {
		robots_free(&p.r);
		return NULL;
	}
	choose_groups(&p);
	return p.r;
}

struct robots *robots_allow_all(void)
{
	return robots_parse("", 0, "");
}

struct robots *robots_disallow_all(void)
{
	static const char all[] = "User-agent: *\nDisallow: /\n";
	return robots_parse(all, sizeof all - 1, "");
}

bool robots_allowed(const struct robots *r, const char *path, size_t len)
{
	static const uint16_t robots_txt[] = {
		'/', 'r', 'o', 'b', 'o', 't', 's', '.', 't', 'x', 't',
	};
	uint16_t t[ROBOTS_MAX_PATH];
	size_t n = 0, budget = MATCH_BUDGET;
	uint64_t have = 0;
	if (len > ROBOTS_MAX_PATH)
		return false;
	if (len == 0) {
		path = "/";
		len = 1;
	}
	for (size_t j = 0; j < len; n++) {
		t[n] = (uint16_t)next_unit(path, len, &j);
		have |= unit_bit(t[n]);
	}
	if (n == sizeof robots_txt / sizeof robots_txt[0] &&
	    !memcmp(t, robots_txt, sizeof robots_txt))
		return true;
	for (size_t i = 0; i < r->n_rules; i++) {
		const struct rule *ru = &r->rules[i];
		if (ru->need & ~have)
			continue;
		int m = match(r->units + ru->off, ru->n, ru->anchored, t, n,
			      &budget);
		if (m != 0)
			return m > 0 && ru->allow;
	}
	return true;
}

double robots_crawl_delay(const struct robots *r)
{
	return r->delay;
}

size_t robots_sitemap_count(const struct robots *r)
{
	return r->n_sitemaps;
}

const char *robots_sitemap(const struct robots *r, size_t i)
{
	return i < r->n_sitemaps ? r->sitemaps[i] : NULL;
}

void robots_free(struct robots **rp)
{
	if (!rp || !*rp)
		return;
	struct robots *r = *rp;
	for (size_t i = 0; i < r->n_sitemaps; i++)
		free(r->sitemaps[i]);
	free(r->sitemaps);
	free(r->rules);
	free(r->units);
	free(r);
	*rp = NULL;
}
