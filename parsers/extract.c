/* extract: extraction rules over libxml2's DOM and PCRE2.
 *
 * A page is decoded once into strictly valid UTF-8 (the charset chosen as
 * parsers/charset.h says; ill-formed sequences and NUL bytes become U+FFFD),
 * so PCRE2 and libxml2 both see clean text and every value comes out valid.
 * libxml2 builds a DOM only when a rule that applies to the page is an
 * XPath.  Values are escaped straight into the JSON buffer and the caps are
 * applied while writing, so nothing bigger than the output is ever built;
 * all buffers live in the rule set and are reused from page to page.
 *
 * The JSON cap is kept by a budget: the object with every member at its
 * smallest (null or []) is the skeleton, and each value is charged what it
 * adds to it; a value that does not fit is taken back and ends the page.
 */
#define _GNU_SOURCE /* vasprintf */
#include "extract.h"

#include "charset.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <limits.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARSE_OPTIONS                                                   \
	(HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | \
	 HTML_PARSE_NONET | HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC)
#define XPATH_OP_LIMIT 20000000ul  /* libxml2 steps per rule and page */
#define MATCH_LIMIT 2000000        /* PCRE2 backtracking per match */
#define HEAP_LIMIT_KIB (32 * 1024) /* PCRE2 backtracking memory */
#define JIT_STACK_MIN (32 * 1024)
#define JIT_STACK_MAX (1024 * 1024)
#define BUF_KEEP (4u << 20)        /* bigger buffers are given back */
#define XPATH_PREFIX "xpath:"
#define REGEX_PREFIX "regex:"
#define PREFIX_LEN 6

enum rule_kind { RULE_XPATH, RULE_REGEX };

struct rule {
	char *name;                 /* without the [] */
	size_t name_len;
	int all;                    /* NAME[]: every match */
	enum rule_kind kind;
	xmlXPathCompExprPtr xpath;  /* RULE_XPATH */
	pcre2_code *re;             /* RULE_REGEX */
	uint32_t n_groups;          /* capture groups in re */
	pcre2_code *url_re;         /* NULL: every URL */
	int applies;                /* to the page being extracted */
};

struct buf {
	char *data;
	size_t len, cap;
};

struct extract_rules {
	struct rule *rules;
	size_t n;
	xmlXPathContextPtr xctx;   /* compiles, then evaluates on each page */
	xmlDocPtr empty;           /* stands in for a page with no DOM */
	pcre2_match_data *md;      /* whole match and first group suffice */
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;
	struct charset cs;
	struct buf conv;           /* the page converted to UTF-8 */
	struct buf clean;          /* the page with U+FFFD for bad bytes */
	struct buf json;
	size_t budget;             /* bytes values may still add to json */
	int full;                  /* the budget ran out on this page */
};

/* One member of the object while its values are written. */
struct member {
	const struct rule *rule;
	size_t count;
};

/* One value while it is written: its UTF-8 length so far and whitespace
 * collapsing state. */
struct value {
	size_t raw;
	int collapse;   /* runs of HTML whitespace become one space, none at
			 * either end */
	int space;      /* a run is pending */
	int full;       /* at EXTRACT_MAX_VALUE */
};

/* ---- buffers ---- */

static int buf_reserve(struct buf *b, size_t extra)
{
	if (b->cap - b->len > extra)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len <= extra) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	char *data = realloc(b->data, cap);
	if (!data)
		return -1;
	b->data = data;
	b->cap = cap;
	return 0;
}

static int buf_add(struct buf *b, const char *s, size_t len)
{
	if (buf_reserve(b, len))
		return -1;
	memcpy(b->data + b->len, s, len);
	b->len += len;
	return 0;
}

static int buf_sink(void *arg, const char *s, size_t len)
{
	return buf_add(arg, s, len);
}

static void buf_trim(struct buf *b)
{
	if (b->cap > BUF_KEEP) {
		free(b->data);
		*b = (struct buf){ 0 };
	}
	b->len = 0;
}

/* ---- UTF-8 ---- */

/* The length of the well-formed UTF-8 sequence at s[0..len), or minus the
 * length of the ill-formed part that one U+FFFD replaces (its maximal
 * subpart, as WHATWG decoders do).  NUL counts as ill-formed. */
static int utf8_next(const unsigned char *s, size_t len)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need;
	if (c < 0x80)
		return c ? 1 : -1;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		lo = c == 0xE0 ? 0xA0 : lo;
		hi = c == 0xED ? 0x9F : hi;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		lo = c == 0xF0 ? 0x90 : lo;
		hi = c == 0xF4 ? 0x8F : hi;
	} else {
		return -1;
	}
	for (size_t i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi)
			return -(int)i;
		lo = 0x80;
		hi = 0xBF;
	}
	return (int)need + 1;
}

/* The length of the valid prefix of s[0..len), ASCII words at a time. */
static size_t utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		uint64_t w;
		if (len - i >= 8) {
			memcpy(&w, p + i, 8);
			uint64_t zero = (w - 0x0101010101010101ull) & ~w;
			if (((w | zero) & 0x8080808080808080ull) == 0) {
				i += 8;
				continue;
			}
		}
		int n = utf8_next(p + i, len - i);
		if (n < 0)
			break;
		i += (size_t)n;
	}
	return i;
}

/* Points *text at s[0..len) if it is valid, else at a copy in r->clean
 * with U+FFFD in place of each ill-formed part. */
static int sanitize(struct extract_rules *r, const char *s, size_t len,
		    const char **text, size_t *text_len)
{
	size_t ok = utf8_valid_prefix(s, len);
	*text = s;
	*text_len = len;
	if (ok == len)
		return 0;
	r->clean.len = 0;
	for (;;) {
		if (buf_add(&r->clean, s, ok))
			return -1;
		s += ok;
		len -= ok;
		if (len == 0)
			break;
		int bad = -utf8_next((const unsigned char *)s, len);
		if (buf_add(&r->clean, CHARSET_REPLACEMENT, 3))
			return -1;
		s += bad;
		len -= (size_t)bad;
		ok = utf8_valid_prefix(s, len);
	}
	*text = r->clean.data;
	*text_len = r->clean.len;
	return 0;
}

/* No charset declared: UTF-8 when the first non-ASCII byte starts a
 * UTF-8 sequence, else windows-1252 (what parsers/html.c decides). */
static enum charset_decoder guess(struct charset *cs, const char *s,
				  size_t len)
{
	size_t i = 0;
	while (i < len && (unsigned char)s[i] < 0x80)
		i++;
	size_t n = len - i < 4 ? len - i : 4;
	if (i == len || charset_utf8_seq_ok((const unsigned char *)s + i, n))
		return CHARSET_UTF8;
	enum charset_decoder d = charset_use(cs, "windows-1252");
	return d == CHARSET_GUESS ? CHARSET_UTF8 : d;
}

static int decode(struct extract_rules *r, const char *doc, size_t len,
		  const char *charset, const char **text, size_t *text_len)
{
	size_t bom;
	enum charset_decoder d = charset_choose(&r->cs, doc, len, charset,
						&bom);
	doc += bom;
	len -= bom;
	if (d == CHARSET_GUESS)
		d = guess(&r->cs, doc, len);
	if (d == CHARSET_ICONV) {
		r->conv.len = 0;
		if (charset_convert(&r->cs, doc, len, 1, buf_sink, &r->conv) < 0)
			return -1;
		doc = r->conv.data ? r->conv.data : "";
		len = r->conv.len;
	}
	return sanitize(r, doc, len, text, text_len);
}

/* ---- writing values ---- */

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static char *escape_ascii(char *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	if (c == '"' || c == '\\') {
		*o++ = '\\';
		*o++ = (char)c;
	} else if (c < 0x20) {
		memcpy(o, "\\u00", 4);
		o[4] = hex[c >> 4];
		o[5] = hex[c & 15];
		o += 6;
	} else {
		*o++ = (char)c;
	}
	return o;
}

/* Appends s[0..len) to the value being written in b, escaped for JSON.
 * At most one input byte is read per value byte written, and one byte
 * becomes at most 6, which bounds what to reserve. */
static int emit(struct buf *b, struct value *v, const char *s, size_t len)
{
	size_t room = EXTRACT_MAX_VALUE - v->raw;
	if (v->full)
		return 0;
	if (buf_reserve(b, (len < room ? len : room) * 6 + 8))
		return -1;
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	char *o = b->data + b->len;
	while (p < end) {
		int n = utf8_next(p, (size_t)(end - p));
		if (v->collapse && n == 1 && is_ws(*p)) {
			v->space = v->raw > 0;
			p++;
			continue;
		}
		size_t bytes = n > 0 ? (size_t)n : 3;
		if (v->raw + v->space + bytes > EXTRACT_MAX_VALUE) {
			v->full = 1;
			break;
		}
		if (v->space) {
			*o++ = ' ';
			v->raw++;
			v->space = 0;
		}
		if (n == 1) {
			o = escape_ascii(o, *p);
		} else {
			memcpy(o, n > 0 ? (const char *)p : CHARSET_REPLACEMENT,
			       bytes);
			o += bytes;
		}
		v->raw += bytes;
		p += n > 0 ? n : -n;
	}
	b->len = (size_t)(o - b->data);
	return 0;
}

static int emit_str(struct buf *b, struct value *v, const xmlChar *s)
{
	return s ? emit(b, v, (const char *)s, strlen((const char *)s)) : 0;
}

/* The text of top's descendants in document order (a DOM textContent),
 * without recursion: pages nest as deep as they like. */
static int emit_tree(struct buf *b, struct value *v, xmlNodePtr top)
{
	xmlNodePtr n = top->children;
	while (n && !v->full) {
		if ((n->type == XML_TEXT_NODE ||
		     n->type == XML_CDATA_SECTION_NODE) && emit_str(b, v, n->content))
			return -1;
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (!n->next && n->parent && n->parent != top)
			n = n->parent;
		n = n->parent ? n->next : NULL;
	}
	return 0;
}

static int more(const struct extract_rules *r, const struct member *m)
{
	return !r->full && m->count < (m->rule->all ? EXTRACT_MAX_VALUES : 1);
}

static int value_open(struct extract_rules *r, struct member *m,
		      size_t *start)
{
	int first = m->count++ == 0;
	*start = r->json.len;
	return buf_add(&r->json, first ? "\"" : ",\"", first ? 1 : 2);
}

/* Closes the value, or takes it back if it does not fit the budget. */
static int value_close(struct extract_rules *r, struct member *m,
		       size_t start)
{
	if (buf_add(&r->json, "\"", 1))
		return -1;
	size_t used = r->json.len - start;
	if (used <= r->budget) {
		r->budget -= used;
		return 0;
	}
	r->json.len = start;
	r->full = 1;
	m->count--;
	return 0;
}

/* A string value as it is (regex matches, XPath strings). */
static int add_string(struct extract_rules *r, struct member *m,
		      const char *s, size_t len)
{
	size_t start;
	struct value v = { 0 };
	if (value_open(r, m, &start) || emit(&r->json, &v, s, len))
		return -1;
	return value_close(r, m, start);
}

/* Attributes and namespaces as they are; text, elements and the rest with
 * whitespace collapsed. */
static int add_node(struct extract_rules *r, struct member *m, xmlNodePtr node)
{
	size_t start;
	struct value v = { .collapse = 1 };
	int rc = 0;
	if (value_open(r, m, &start))
		return -1;
	switch (node->type) {
	case XML_NAMESPACE_DECL: /* an xmlNs, not an xmlNode */
		v.collapse = 0;
		rc = emit_str(&r->json, &v, ((xmlNsPtr)node)->href);
		break;
	case XML_ATTRIBUTE_NODE: /* its value is its text children */
		v.collapse = 0;
		rc = emit_tree(&r->json, &v, node);
		break;
	case XML_ELEMENT_NODE:
	case XML_DOCUMENT_NODE:
	case XML_HTML_DOCUMENT_NODE:
	case XML_DOCUMENT_FRAG_NODE:
		rc = emit_tree(&r->json, &v, node);
		break;
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
	case XML_COMMENT_NODE:
	case XML_PI_NODE:
		rc = emit_str(&r->json, &v, node->content);
		break;
	default:
		break;
	}
	return rc ? -1 : value_close(r, m, start);
}

/* ---- libxml2 calls ---- */

static void no_error(void *ctx, xmlErrorPtr error)
{
}

static void no_generic_error(void *ctx, const char *msg, ...)
{
}

/* libxml2 reports a few things (unknown XPath functions, encoding trouble)
 * on its generic error handler, which is per thread: it is silenced
 * around our calls and then given back. */
struct quiet {
	xmlGenericErrorFunc func;
	void *ctx;
};

static struct quiet quiet_begin(void)
{
	struct quiet q = { xmlGenericError, xmlGenericErrorContext };
	xmlSetGenericErrorFunc(NULL, no_generic_error);
	return q;
}

static void quiet_end(struct quiet q)
{
	xmlSetGenericErrorFunc(q.ctx, q.func);
}

static xmlXPathObjectPtr eval_xpath(xmlXPathCompExprPtr comp,
				    xmlXPathContextPtr xctx, xmlDocPtr doc)
{
	xctx->doc = doc;
	xctx->node = (xmlNodePtr)doc;
	xctx->opCount = 0;
	struct quiet q = quiet_begin();
	xmlXPathObjectPtr res = xmlXPathCompiledEval(comp, xctx);
	quiet_end(q);
	return res;
}

/* A document libxml2 cannot make anything of is an empty one. */
static int parse_dom(const char *text, size_t len, xmlDocPtr *doc)
{
	*doc = NULL;
	if (len == 0 || len > INT_MAX)
		return 0;
	htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
	if (!ctxt)
		return -1;
	struct quiet q = quiet_begin();
	*doc = htmlCtxtReadMemory(ctxt, text, (int)len, NULL, "UTF-8",
				  PARSE_OPTIONS);
	quiet_end(q);
	int oom = ctxt->errNo == XML_ERR_NO_MEMORY;
	htmlFreeParserCtxt(ctxt);
	if (oom) {
		xmlFreeDoc(*doc);
		*doc = NULL;
		return -1;
	}
	return 0;
}

/* ---- rules on a page ---- */

static int xpath_object(struct extract_rules *r, struct member *m,
			xmlXPathObjectPtr res)
{
	xmlNodeSetPtr set = res->nodesetval;
	switch (res->type) {
	case XPATH_NODESET:
		for (int i = 0; set && i < set->nodeNr && more(r, m); i++)
			if (add_node(r, m, set->nodeTab[i]))
				return -1;
		return 0;
	case XPATH_STRING: {
		const char *str = res->stringval ? (const char *)res->stringval : "";
		return add_string(r, m, str, strlen(str));
	}
	case XPATH_BOOLEAN:
		return add_string(r, m, res->boolval ? "true" : "false",
				  res->boolval ? 4 : 5);
	case XPATH_NUMBER: {
		xmlChar *s = xmlXPathCastNumberToString(res->floatval);
		int rc = s ? add_string(r, m, (const char *)s,
					strlen((const char *)s)) : -1;
		xmlFree(s);
		return rc;
	}
	default:
		return 0;
	}
}

/* An evaluation error (the step limit included) counts as no match. */
static int xpath_values(struct extract_rules *r, struct member *m,
			xmlDocPtr doc)
{
	xmlXPathObjectPtr res = eval_xpath(m->rule->xpath, r->xctx, doc);
	int rc = res ? xpath_object(r, m, res) : 0;
	xmlXPathFreeObject(res);
	r->xctx->doc = r->empty; /* doc is about to go */
	r->xctx->node = (xmlNodePtr)r->empty;
	return rc;
}

/* Where to look for the next match: after this one, or one character on
 * after an empty one. */
static size_t next_start(const char *text, size_t len, size_t from,
			 const PCRE2_SIZE *ov)
{
	if (ov[1] > ov[0] && ov[1] > from)
		return ov[1];
	size_t at = ov[1] > from ? ov[1] : from;
	if (at >= len)
		return len + 1;
	int n = utf8_next((const unsigned char *)text + at, len - at);
	return at + (size_t)(n > 0 ? n : -n);
}

/* What a match gives: its first group (empty when that group took no
 * part), else the whole match; \K can put a match's end before its start. */
static void match_span(const struct rule *rule, const PCRE2_SIZE *ov,
		       size_t *a, size_t *b)
{
	int group = rule->n_groups > 0;
	*a = ov[2 * group];
	*b = ov[2 * group + 1];
	if (*a == PCRE2_UNSET)
		*a = *b = 0;
	if (*b < *a)
		*b = *a;
}

/* Exceeding the match limits counts as no further match. */
static int regex_values(struct extract_rules *r, struct member *m,
			const char *text, size_t len)
{
	const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
	size_t from = 0;
	while (from <= len && more(r, m)) {
		int rc = pcre2_match(m->rule->re, (PCRE2_SPTR)text, len, from,
				     0, r->md, r->mctx);
		if (rc < 0)
			return rc == PCRE2_ERROR_NOMEMORY ? -1 : 0;
		size_t a, b;
		match_span(m->rule, ov, &a, &b);
		if (add_string(r, m, text + a, b - a))
			return -1;
		from = next_start(text, len, from, ov);
	}
	return 0;
}

static int add_member(struct extract_rules *r, const struct rule *rule,
		      xmlDocPtr doc, const char *text, size_t len)
{
	struct member m = { .rule = rule };
	struct buf *j = &r->json;
	int first = j->len == 1; /* just the { */
	if (buf_add(j, first ? "\"" : ",\"", first ? 1 : 2) ||
	    buf_add(j, rule->name, rule->name_len) || buf_add(j, "\":", 2) ||
	    (rule->all && buf_add(j, "[", 1)))
		return -1;
	int rc = rule->kind == RULE_XPATH ? xpath_values(r, &m, doc) :
					    regex_values(r, &m, text, len);
	if (rc)
		return -1;
	if (rule->all)
		return buf_add(j, "]", 1);
	return m.count ? 0 : buf_add(j, "null", 4);
}

/* Marks the rules that apply to url; returns how many do and what they
 * need.  The skeleton is the object with each member null or []. */
static size_t mark_rules(struct extract_rules *r, const char *url,
			 size_t url_len, int *need_dom, size_t *skeleton)
{
	size_t n = 0;
	*need_dom = 0;
	*skeleton = 2;
	for (size_t i = 0; i < r->n; i++) {
		struct rule *rule = &r->rules[i];
		rule->applies = !rule->url_re ||
				pcre2_match(rule->url_re, (PCRE2_SPTR)url,
					    url_len, 0, 0, r->md, r->mctx) >= 0;
		if (!rule->applies)
			continue;
		*need_dom |= rule->kind == RULE_XPATH;
		*skeleton += (n > 0) + rule->name_len + 3 + (rule->all ? 2 : 4);
		n++;
	}
	return n;
}

int extract_apply(struct extract_rules *r, const char *url, size_t url_len,
		  const char *doc, size_t len, const char *charset,
		  const char **json, size_t *json_len)
{
	int need_dom, rc = -1;
	size_t skeleton, text_len = 0;
	const char *text = NULL;
	xmlDocPtr dom = NULL;
	buf_trim(&r->json);
	*json = NULL;
	*json_len = 0;
	size_t n = mark_rules(r, url, url_len, &need_dom, &skeleton);
	if (!doc) { /* PCRE2 before 10.43 refuses a NULL subject */
		doc = "";
		len = 0;
	}
	r->budget = skeleton < EXTRACT_MAX_JSON ? EXTRACT_MAX_JSON - skeleton : 0;
	r->full = 0;
	if (buf_add(&r->json, "{", 1))
		goto out;
	if (n > 0 && (decode(r, doc, len, charset, &text, &text_len) ||
		      (need_dom && parse_dom(text, text_len, &dom))))
		goto out;
	for (size_t i = 0; i < r->n; i++)
		if (r->rules[i].applies &&
		    add_member(r, &r->rules[i], dom ? dom : r->empty, text,
			       text_len))
			goto out;
	if (buf_add(&r->json, "}", 2)) /* with a NUL, for callers' comfort */
		goto out;
	r->json.len--;
	*json = r->json.data;
	*json_len = r->json.len;
	rc = 0;
out:
	xmlFreeDoc(dom);
	buf_trim(&r->conv);
	buf_trim(&r->clean);
	return rc;
}

int extract_applies(const struct extract_rules *r, const char *url,
		    size_t url_len)
{
	for (size_t i = 0; i < r->n; i++)
		if (!r->rules[i].url_re ||
		    pcre2_match(r->rules[i].url_re, (PCRE2_SPTR)url, url_len, 0,
				0, r->md, r->mctx) >= 0)
			return 1;
	return 0;
}

/* ---- building the rule set ---- */

/* A malloc'ed message, or NULL when even that fails. */
static char *message(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *message(const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

static int name_ok(const char *s, size_t len)
{
	if (len == 0 || len > EXTRACT_MAX_NAME || (s[0] >= '0' && s[0] <= '9') ||
	    s[0] == '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '_' || s[i] == '-' || (s[i] >= '0' && s[i] <= '9') ||
		      ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
			return 0;
	return 1;
}

static struct rule *find_rule(struct extract_rules *r, const char *name,
			      size_t len)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->rules[i].name_len == len &&
		    memcmp(r->rules[i].name, name, len) == 0)
			return &r->rules[i];
	return NULL;
}

/* Compiles a PCRE2 pattern with JIT where the platform has it (else
 * PCRE2's interpreter runs it), or says what is wrong in *why. */
static pcre2_code *compile_regex(const char *pattern, const char *opt,
				 const char *input, char **err)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
				       &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR why[256];
		pcre2_get_error_message(code, why, sizeof why);
		*err = message("--%s '%s': %s at offset %zu", opt, input,
			       (const char *)why, (size_t)off);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/* XPath errors that only evaluation finds (unknown functions, variables,
 * wrong argument types) are found on an empty document. */
static int compile_xpath(struct extract_rules *r, struct rule *rule,
			 const char *expr, const char *input, char **err)
{
	rule->xpath = xmlXPathCtxtCompile(r->xctx, (const xmlChar *)expr);
	xmlXPathObjectPtr res = rule->xpath ?
		eval_xpath(rule->xpath, r->xctx, r->empty) : NULL;
	if (res) {
		xmlXPathFreeObject(res);
		return 0;
	}
	*err = message("--extract '%s': invalid XPath expression", input);
	return -1;
}

static int add_rule(struct extract_rules *r, const char *spec, char **err)
{
	const char *eq = strchr(spec, '=');
	const char *body = eq ? eq + 1 : "";
	size_t len = eq ? (size_t)(eq - spec) : 0;
	int all = len >= 2 && memcmp(eq - 2, "[]", 2) == 0;
	int xpath = strncmp(body, XPATH_PREFIX, PREFIX_LEN) == 0;
	if (!eq || (!xpath && strncmp(body, REGEX_PREFIX, PREFIX_LEN) != 0)) {
		*err = message("--extract '%s': expected NAME=xpath:EXPR or "
			       "NAME=regex:PATTERN", spec);
		return -1;
	}
	len -= all ? 2 : 0;
	if (!name_ok(spec, len)) {
		*err = message("--extract '%s': NAME must be [A-Za-z_]"
			       "[A-Za-z0-9_-]*, at most %d characters", spec,
			       EXTRACT_MAX_NAME);
		return -1;
	}
	if (find_rule(r, spec, len)) {
		*err = message("--extract '%s': duplicate rule name '%.*s'",
			       spec, (int)len, spec);
		return -1;
	}
	struct rule *rule = &r->rules[r->n];
	*rule = (struct rule){ .name_len = len, .all = all,
			       .kind = xpath ? RULE_XPATH : RULE_REGEX };
	if (!(rule->name = strndup(spec, len)))
		return -1;
	r->n++; /* from here on, extract_rules_free frees it */
	if (xpath)
		return compile_xpath(r, rule, body + PREFIX_LEN, spec, err);
	rule->re = compile_regex(body + PREFIX_LEN, "extract", spec, err);
	return rule->re ? pcre2_pattern_info(rule->re, PCRE2_INFO_CAPTURECOUNT,
					     &rule->n_groups) : -1;
}

static int add_limit(struct extract_rules *r, const char *spec, char **err)
{
	const char *eq = strchr(spec, '=');
	size_t len = eq ? (size_t)(eq - spec) : 0;
	if (len >= 2 && memcmp(eq - 2, "[]", 2) == 0)
		len -= 2;
	if (!eq || len == 0) {
		*err = message("--extract-url '%s': expected NAME=REGEX", spec);
		return -1;
	}
	struct rule *rule = find_rule(r, spec, len);
	if (!rule) {
		*err = message("--extract-url '%s': no rule named '%.*s'", spec,
			       (int)len, spec);
		return -1;
	}
	if (rule->url_re) {
		*err = message("--extract-url '%s': rule '%.*s' already has a "
			       "URL limit (join the two with |)", spec, (int)len,
			       spec);
		return -1;
	}
	rule->url_re = compile_regex(eq + 1, "extract-url", spec, err);
	return rule->url_re ? 0 : -1;
}

/* What every rule set has, whatever its rules. */
static int init_set(struct extract_rules *r)
{
	xmlInitParser();
	charset_init(&r->cs);
	r->empty = htmlNewDocNoDtD(NULL, NULL);
	r->xctx = r->empty ? xmlXPathNewContext(r->empty) : NULL;
	r->md = pcre2_match_data_create(2, NULL);
	r->mctx = pcre2_match_context_create(NULL);
	r->jit_stack = pcre2_jit_stack_create(JIT_STACK_MIN, JIT_STACK_MAX, NULL);
	if (!r->xctx || !r->md || !r->mctx || !r->jit_stack)
		return -1;
	r->xctx->error = no_error;
	r->xctx->opLimit = XPATH_OP_LIMIT;
	pcre2_set_match_limit(r->mctx, MATCH_LIMIT);
	pcre2_set_heap_limit(r->mctx, HEAP_LIMIT_KIB);
	pcre2_jit_stack_assign(r->mctx, NULL, r->jit_stack);
	return 0;
}

struct extract_rules *extract_rules_new(const char *const *rules,
					size_t n_rules,
					const char *const *url_limits,
					size_t n_limits, char **err)
{
	*err = NULL;
	struct extract_rules *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	if (n_rules > EXTRACT_MAX_RULES) {
		*err = message("--extract '%s': too many rules (at most %d)",
			       rules[EXTRACT_MAX_RULES], EXTRACT_MAX_RULES);
		goto fail;
	}
	if (init_set(r) ||
	    (n_rules && !(r->rules = calloc(n_rules, sizeof *r->rules))))
		goto fail;
	for (size_t i = 0; i < n_rules; i++)
		if (add_rule(r, rules[i], err))
			goto fail;
	for (size_t i = 0; i < n_limits; i++)
		if (add_limit(r, url_limits[i], err))
			goto fail;
	return r;
fail:
	extract_rules_free(&r);
	return NULL;
}

void extract_rules_free(struct extract_rules **rp)
{
	if (!rp || !*rp)
		return;
	struct extract_rules *r = *rp;
	for (size_t i = 0; i < r->n; i++) {
		free(r->rules[i].name);
		xmlXPathFreeCompExpr(r->rules[i].xpath);
		pcre2_code_free(r->rules[i].re);
		pcre2_code_free(r->rules[i].url_re);
	}
	free(r->rules);
	xmlXPathFreeContext(r->xctx);
	xmlFreeDoc(r->empty);
	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mctx);
	pcre2_jit_stack_free(r->jit_stack);
	charset_close(&r->cs);
	free(r->conv.data);
	free(r->clean.data);
	free(r->json.data);
	free(r);
	*rp = NULL;
}
