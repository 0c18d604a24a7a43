/* html: link and metadata extraction over libxml2's HTML push parser.
 *
 * Only SAX callbacks are used, so no tree is ever built.  hrefs are copied
 * into one arena that survives html_parser_reset; while parsing, a link
 * holds the arena offset of its href (the arena moves when it grows) and
 * html_parser_finish turns offsets into pointers.  libxml2's context is made
 * per document: it is cheap next to the parse, and a fresh one keeps
 * libxml2's name dictionary from growing with every page a parser sees.
 *
 * Decoding is done here, not by libxml2: its iconv path stops the whole
 * parse at the first byte the charset does not define (and says so on
 * stderr), which real pages hit.  The charset is chosen once, from the
 * first CHARSET_PRESCAN_LEN bytes, as browsers do (parsers/charset.h), or
 * failing that guessed: UTF-8 when the first non-ASCII byte starts UTF-8,
 * else windows-1252.  UTF-8 goes to libxml2 as is; anything else through
 * iconv, with U+FFFD for bad bytes.
 */
#include "html.h"

#include "charset.h"

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#define WS " \t\n\f\r" /* HTML's ASCII whitespace */
#define PARSE_OPTIONS                                                   \
	(HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | \
	 HTML_PARSE_NONET | HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC)
#define CHUNK_MAX (1 << 30)   /* htmlParseChunk takes an int */
#define ARENA_MIN 16384
#define ARENA_KEEP (1u << 20) /* bigger arenas are given back on reset */
#define LINKS_MIN 64
#define LINKS_KEEP 4096

enum title_state { TITLE_NOT_SEEN, TITLE_OPEN, TITLE_CLOSED };

enum rel_token { REL_NOFOLLOW = 1, REL_STYLESHEET = 2, REL_ICON = 4 };

/* Everything html_parser_reset clears. */
struct doc_state {
	char head[CHARSET_PRESCAN_LEN]; /* bytes held back to choose the charset */
	size_t head_len;
	/* CHARSET_GUESS while no charset is known and only ASCII was seen;
	 * CHARSET_UTF8: bytes go to libxml2 as they are */
	enum charset_decoder decoder;
	char carry[CHARSET_CARRY_MAX]; /* a sequence cut by a chunk end */
	size_t carry_len;
	size_t n_links, n_dropped, arena_len;
	size_t base_off;
	int base_seen, base_set;
	enum title_state title_state;
	int title_space; /* whitespace pending before the next title byte */
	size_t title_len;
	int meta_nofollow, meta_noindex;
	int oom, finished;
	int terminated;            /* libxml2 was told the document ended */
};

struct html_parser {
	htmlParserCtxtPtr ctxt;    /* NULL until the prescan bytes (or finish) */
	char charset[CHARSET_NAME_MAX]; /* from Content-Type, "" when none */
	struct charset cs;         /* kept across documents */
	char *arena;               /* hrefs, each NUL-terminated */
	size_t arena_cap;
	struct html_link *links;   /* href set only by finish */
	size_t *offs;              /* arena offset of each link's href */
	size_t links_cap;
	struct doc_state d;
	char title[HTML_MAX_TITLE + 1];
};

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* Moves *s past separators and then past one token; 0 when none is left. */
static int next_token(const char **s, const char *seps, const char **tok,
		      size_t *len)
{
	*s += strspn(*s, seps);
	*tok = *s;
	*len = strcspn(*s, seps);
	*s += *len;
	return *len > 0;
}

static int token_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(tok, word, len) == 0;
}

static const char *attr(const xmlChar **atts, const char *name)
{
	for (; atts && atts[0]; atts += 2)
		if (atts[1] && strcmp((const char *)atts[0], name) == 0)
			return (const char *)atts[1];
	return NULL;
}

static void fail_oom(struct html_parser *p)
{
	p->d.oom = 1;
	if (p->ctxt)
		xmlStopParser(p->ctxt);
}

static int arena_add(struct html_parser *p, const char *s, size_t len,
		     size_t *off)
{
	size_t need = p->d.arena_len + len + 1;
	if (need > p->arena_cap) {
		size_t cap = p->arena_cap ? p->arena_cap : ARENA_MIN;
		while (cap < need)
			cap *= 2;
		char *a = realloc(p->arena, cap);
		if (!a)
			return -1;
		p->arena = a;
		p->arena_cap = cap;
	}
	memcpy(p->arena + p->d.arena_len, s, len);
	p->arena[p->d.arena_len + len] = 0;
	*off = p->d.arena_len;
	p->d.arena_len = need;
	return 0;
}

static int grow_links(struct html_parser *p)
{
	size_t cap = p->links_cap ? p->links_cap * 2 : LINKS_MIN;
	struct html_link *links = realloc(p->links, cap * sizeof *links);
	if (!links)
		return -1;
	p->links = links;
	size_t *offs = realloc(p->offs, cap * sizeof *offs);
	if (!offs)
		return -1;
	p->offs = offs;
	p->links_cap = cap;
	return 0;
}

static void add_link(struct html_parser *p, enum html_link_kind kind,
		     unsigned flags, const char *href, size_t len)
{
	size_t i = p->d.n_links;
	if (len > HTML_MAX_HREF || i == HTML_MAX_LINKS) {
		p->d.n_dropped++;
		return;
	}
	if ((i == p->links_cap && grow_links(p)) ||
	    arena_add(p, href, len, &p->offs[i])) {
		fail_oom(p);
		return;
	}
	p->links[i] = (struct html_link){ .len = len, .kind = kind,
					  .flags = flags };
	p->d.n_links++;
}

static void add_attr(struct html_parser *p, enum html_link_kind kind,
		     const xmlChar **atts, const char *name)
{
	const char *v = attr(atts, name);
	if (v)
		add_link(p, kind, 0, v, strlen(v));
}

static unsigned rel_tokens(const char *rel)
{
	unsigned found = 0;
	const char *tok;
	size_t len;
	while (rel && next_token(&rel, WS, &tok, &len)) {
		if (token_is(tok, len, "nofollow"))
			found |= REL_NOFOLLOW;
		else if (token_is(tok, len, "stylesheet"))
			found |= REL_STYLESHEET;
		else if (token_is(tok, len, "icon") ||
			 token_is(tok, len, "apple-touch-icon") ||
			 token_is(tok, len, "apple-touch-icon-precomposed"))
			found |= REL_ICON;
	}
	return found;
}

/* <a>, <area> and <link>: href plus what rel says about it. */
static void add_href(struct html_parser *p, enum html_link_kind kind,
		     const xmlChar **atts)
{
	const char *href = attr(atts, "href");
	if (!href)
		return;
	unsigned rel = rel_tokens(attr(atts, "rel"));
	if (kind == HTML_LINK_LINK && (rel & REL_STYLESHEET))
		kind = HTML_ASSET_STYLE;
	else if (kind == HTML_LINK_LINK && (rel & REL_ICON))
		kind = HTML_ASSET_ICON;
	add_link(p, kind, rel & REL_NOFOLLOW ? HTML_F_NOFOLLOW : 0, href,
		 strlen(href));
}

/* Skips a srcset candidate's descriptors ("1x", "100w", "(...)") up to and
 * past the comma that ends the candidate. */
static const char *skip_descriptors(const char *s)
{
	int depth = 0;
	for (; *s && (*s != ',' || depth > 0); s++) {
		if (*s == '(')
			depth++;
		else if (*s == ')' && depth > 0)
			depth--;
	}
	return *s ? s + 1 : s;
}

/* The HTML srcset grammar: a URL runs to whitespace; a URL ending in
 * commas ends its candidate there, otherwise descriptors follow. */
static void add_srcset(struct html_parser *p, const char *s)
{
	while (s && *s) {
		s += strspn(s, WS ",");
		const char *url = s;
		size_t len = strcspn(s, WS);
		if (len == 0)
			return;
		s += len;
		if (url[len - 1] == ',') {
			while (len > 0 && url[len - 1] == ',')
				len--;
		} else {
			s = skip_descriptors(s);
		}
		if (len > 0)
			add_link(p, HTML_ASSET_IMG, 0, url, len);
	}
}

static void set_base(struct html_parser *p, const xmlChar **atts)
{
	const char *href = attr(atts, "href");
	if (!href || p->d.base_seen)
		return;
	p->d.base_seen = 1;
	size_t len = strlen(href);
	if (len > HTML_MAX_HREF)
		return;
	if (arena_add(p, href, len, &p->d.base_off))
		fail_oom(p);
	else
		p->d.base_set = 1;
}

/* content="N; url=...": a delay, ';' or ',', then the URL with an optional
 * "url =" label and optional quotes (HTML's declarative refresh steps, a
 * little more lenient about the delay). */
static void add_refresh(struct html_parser *p, const char *s)
{
	s += strspn(s, WS);
	s += strspn(s, "0123456789.");
	s += strspn(s, WS);
	if (*s == ';' || *s == ',')
		s++;
	s += strspn(s, WS);
	if (strncasecmp(s, "url", 3) == 0) {
		const char *t = s + 3 + strspn(s + 3, WS);
		if (*t == '=')
			s = t + 1 + strspn(t + 1, WS);
	}
	size_t len;
	if (*s == '"' || *s == '\'') {
		const char quote[2] = { *s++, 0 };
		len = strcspn(s, quote);
	} else {
		len = strlen(s);
		while (len > 0 && is_ws((unsigned char)s[len - 1]))
			len--;
	}
	if (len > 0)
		add_link(p, HTML_LINK_REFRESH, 0, s, len);
}

static void set_robots(struct html_parser *p, const char *s)
{
	const char *tok;
	size_t len;
	while (next_token(&s, WS ",", &tok, &len)) {
		if (token_is(tok, len, "none"))
			p->d.meta_nofollow = p->d.meta_noindex = 1;
		else if (token_is(tok, len, "nofollow"))
			p->d.meta_nofollow = 1;
		else if (token_is(tok, len, "noindex"))
			p->d.meta_noindex = 1;
	}
}

/* <meta charset> and <meta http-equiv=content-type> are libxml2's job. */
static void on_meta(struct html_parser *p, const xmlChar **atts)
{
	const char *content = attr(atts, "content");
	if (!content)
		return;
	const char *name = attr(atts, "name");
	const char *equiv = attr(atts, "http-equiv");
	if (name && strcasecmp(name, "robots") == 0)
		set_robots(p, content);
	else if (equiv && strcasecmp(equiv, "refresh") == 0)
		add_refresh(p, content);
}

/* libxml2 hands over tag and attribute names in lower case; the switch on
 * the first letter keeps the common case to one or two comparisons. */
static void on_start(void *ctx, const xmlChar *tag, const xmlChar **atts)
{
	struct html_parser *p = ctx;
	const char *name = (const char *)tag;

	switch (name[0]) {
	case 'a':
		if (name[1] == 0)
			add_href(p, HTML_LINK_A, atts);
		else if (strcmp(name, "area") == 0)
			add_href(p, HTML_LINK_AREA, atts);
		else if (strcmp(name, "audio") == 0)
			add_attr(p, HTML_ASSET_MEDIA, atts, "src");
		break;
	case 'b':
		if (strcmp(name, "base") == 0)
			set_base(p, atts);
		break;
	case 'e':
		if (strcmp(name, "embed") == 0)
			add_attr(p, HTML_ASSET_MEDIA, atts, "src");
		break;
	case 'f':
		if (strcmp(name, "frame") == 0)
			add_attr(p, HTML_LINK_FRAME, atts, "src");
		break;
	case 'i':
		if (strcmp(name, "img") == 0) {
			add_attr(p, HTML_ASSET_IMG, atts, "src");
			add_srcset(p, attr(atts, "srcset"));
		} else if (strcmp(name, "iframe") == 0) {
			add_attr(p, HTML_LINK_FRAME, atts, "src");
		}
		break;
	case 'l':
		if (strcmp(name, "link") == 0)
			add_href(p, HTML_LINK_LINK, atts);
		break;
	case 'm':
		if (strcmp(name, "meta") == 0)
			on_meta(p, atts);
		break;
	case 'o':
		if (strcmp(name, "object") == 0)
			add_attr(p, HTML_ASSET_MEDIA, atts, "data");
		break;
	case 's':
		if (strcmp(name, "script") == 0) {
			add_attr(p, HTML_ASSET_SCRIPT, atts, "src");
		} else if (strcmp(name, "source") == 0) {
			add_attr(p, HTML_ASSET_IMG, atts, "src");
			add_srcset(p, attr(atts, "srcset"));
		}
		break;
	case 't':
		if (p->d.title_state == TITLE_NOT_SEEN &&
		    strcmp(name, "title") == 0)
			p->d.title_state = TITLE_OPEN;
		break;
	case 'v':
		if (strcmp(name, "video") == 0)
			add_attr(p, HTML_ASSET_MEDIA, atts, "src");
		break;
	}
}

static void on_end(void *ctx, const xmlChar *tag)
{
	struct html_parser *p = ctx;
	if (p->d.title_state == TITLE_OPEN &&
	    strcmp((const char *)tag, "title") == 0)
		p->d.title_state = TITLE_CLOSED;
}

/* Title text arrives in pieces; runs of whitespace become one space and
 * leading/trailing whitespace goes, across piece boundaries too. */
static void on_text(void *ctx, const xmlChar *ch, int len)
{
	struct html_parser *p = ctx;
	if (p->d.title_state != TITLE_OPEN)
		return;
	for (int i = 0; i < len && p->d.title_len < HTML_MAX_TITLE; i++) {
		if (is_ws(ch[i])) {
			p->d.title_space = p->d.title_len > 0;
			continue;
		}
		if (p->d.title_space) {
			p->title[p->d.title_len++] = ' ';
			p->d.title_space = 0;
			if (p->d.title_len == HTML_MAX_TITLE)
				break;
		}
		p->title[p->d.title_len++] = (char)ch[i];
	}
}

static void on_error(void *ctx, const char *msg, ...)
{
}

static void on_structured_error(void *ctx, xmlErrorPtr error)
{
}

/* Errors are silenced here per context rather than through libxml2's
 * process-wide handlers, which belong to whoever else links libxml2. */
static const htmlSAXHandler sax = {
	.startElement = on_start,
	.endElement = on_end,
	.characters = on_text,
	.ignorableWhitespace = on_text,
	.warning = on_error,
	.error = on_error,
	.fatalError = on_error,
	.initialized = XML_SAX2_MAGIC,
	.serror = on_structured_error,
};

/* Drops a UTF-8 sequence cut short by the title cap. */
static size_t utf8_trim(const char *s, size_t len)
{
	size_t i = len;
	while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return len;
	size_t want = charset_utf8_seq_len((unsigned char)s[i - 1]);
	return len - (i - 1) < want ? i - 1 : len;
}

static int push(struct html_parser *p, const char *data, size_t len,
		int terminate)
{
	/* the end goes with the last bytes: libxml2 2.9's push parser costs
	 * about twice as much when it must rescan for the ends of tags in data
	 * it was not told is final */
	while (len > 0 && !p->d.oom) {
		int n = len > CHUNK_MAX ? CHUNK_MAX : (int)len;
		int last = terminate && (size_t)n == len;
		htmlParseChunk(p->ctxt, data, n, last);
		p->d.terminated |= last;
		data += n;
		len -= (size_t)n;
	}
	if (terminate && !p->d.terminated && !p->d.oom) {
		htmlParseChunk(p->ctxt, NULL, 0, 1);
		p->d.terminated = 1;
	}
	if (p->ctxt->errNo == XML_ERR_NO_MEMORY)
		p->d.oom = 1;
	return p->d.oom ? -1 : 0;
}

/* libxml2 is told it gets UTF-8, with its UTF-8 handler installed: bad
 * bytes then become U+0080..U+00FF instead of libxml2 switching the rest of
 * the document to latin-1 or guessing a charset of its own. */
static int tell_utf8(struct html_parser *p)
{
	xmlCharEncodingHandlerPtr utf8 = xmlFindCharEncodingHandler("UTF-8");
	if (!utf8 || xmlSwitchToEncoding(p->ctxt, utf8)) {
		fail_oom(p);
		return -1;
	}
	return 0;
}

/* No charset declared: what precedes the first non-ASCII byte reads the
 * same either way, and the sequence that byte starts decides between UTF-8
 * (the likelier reading of today's web) and windows-1252 (what browsers
 * fall back to); a sequence cut by the chunk end waits in carry.  Pushes
 * the ASCII and returns 1 while undecided, 0 once decided (with *data past
 * what was pushed), -1 on OOM. */
static int guess_decoder(struct html_parser *p, const char **data,
			 size_t *len, int terminate)
{
	if (*len == 0 && p->d.carry_len == 0)
		return 1;
	if (p->d.carry_len == 0) {
		size_t i = 0;
		while (i < *len && (unsigned char)(*data)[i] < 0x80)
			i++;
		if (i > 0 && push(p, *data, i, 0))
			return -1;
		*data += i;
		*len -= i;
		if (*len == 0)
			return 1;
	}
	unsigned char seq[4];
	size_t n = p->d.carry_len;
	memcpy(seq, p->d.carry, n);
	for (size_t j = 0; n < sizeof seq && j < *len; j++)
		seq[n++] = (unsigned char)(*data)[j];
	if (n < charset_utf8_seq_len(seq[0]) && !terminate) {
		memcpy(p->d.carry + p->d.carry_len, *data, *len);
		p->d.carry_len += *len;
		*len = 0;
		return 1;
	}
	p->d.decoder = CHARSET_UTF8;
	if (!charset_utf8_seq_ok(seq, n) &&
	    charset_use(&p->cs, "windows-1252") == CHARSET_ICONV)
		p->d.decoder = CHARSET_ICONV;
	if (tell_utf8(p))
		return -1;
	if (p->d.decoder == CHARSET_UTF8 && p->d.carry_len > 0) {
		if (push(p, p->d.carry, p->d.carry_len, 0))
			return -1;
		p->d.carry_len = 0;
	}
	return 0;
}

static int push_sink(void *arg, const char *utf8, size_t len)
{
	return push(arg, utf8, len, 0);
}

/* Feeds the decoder; an incomplete sequence left by one chunk is completed
 * a byte at a time from the next. */
static int push_decoded(struct html_parser *p, const char *data, size_t len,
			int terminate)
{
	if (p->d.decoder == CHARSET_GUESS) {
		int undecided = guess_decoder(p, &data, &len, terminate);
		if (undecided)
			return undecided < 0 ? -1 : terminate ? push(p, NULL, 0, 1) : 0;
	}
	if (p->d.decoder != CHARSET_ICONV)
		return push(p, data, len, terminate);
	while (p->d.carry_len > 0 && (len > 0 || terminate)) {
		if (len > 0) {
			p->d.carry[p->d.carry_len++] = *data++;
			len--;
		}
		ssize_t left = charset_convert(&p->cs, p->d.carry,
					       p->d.carry_len,
					       terminate && len == 0, push_sink, p);
		if (left < 0)
			return -1;
		memmove(p->d.carry, p->d.carry + p->d.carry_len - (size_t)left,
			(size_t)left);
		p->d.carry_len = (size_t)left;
	}
	if (len > 0) {
		ssize_t left = charset_convert(&p->cs, data, len, terminate,
					       push_sink, p);
		if (left < 0)
			return -1;
		memcpy(p->d.carry, data + len - (size_t)left, (size_t)left);
		p->d.carry_len = (size_t)left;
	}
	return terminate ? push(p, NULL, 0, 1) : 0;
}

static int start_parse(struct html_parser *p)
{
	size_t skip;
	p->d.decoder = charset_choose(&p->cs, p->d.head, p->d.head_len,
				      p->charset, &skip);
	p->ctxt = htmlCreatePushParserCtxt((htmlSAXHandlerPtr)&sax, p, NULL, 0,
					   NULL, XML_CHAR_ENCODING_NONE);
	if (!p->ctxt) {
		p->d.oom = 1;
		return -1;
	}
	htmlCtxtUseOptions(p->ctxt, PARSE_OPTIONS);
	if (p->d.decoder != CHARSET_GUESS && tell_utf8(p))
		return -1;
	return push_decoded(p, p->d.head + skip, p->d.head_len - skip, 0);
}

static void set_charset(struct html_parser *p, const char *charset)
{
	size_t len = charset ? strlen(charset) : 0;
	if (len >= sizeof p->charset)
		len = 0;
	memcpy(p->charset, charset ? charset : "", len);
	p->charset[len] = 0;
}

struct html_parser *html_parser_new(const char *charset)
{
	struct html_parser *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	charset_init(&p->cs);
	xmlInitParser();
	set_charset(p, charset);
	return p;
}

static int feed(struct html_parser *p, const char *data, size_t len,
		int terminate)
{
	if (p->d.oom)
		return -1;
	if (p->d.finished)
		return 0;
	if (!p->ctxt) {
		size_t n = CHARSET_PRESCAN_LEN - p->d.head_len;
		if (n > len)
			n = len;
		if (n) /* data may be NULL for an empty body */
			memcpy(p->d.head + p->d.head_len, data, n);
		p->d.head_len += n;
		data += n;
		len -= n;
		if (p->d.head_len < CHARSET_PRESCAN_LEN)
			return 0; /* a short last chunk is parsed by end_document */
		if (start_parse(p))
			return -1;
	}
	return len > 0 || terminate ? push_decoded(p, data, len, terminate) : 0;
}

int html_parser_feed(struct html_parser *p, const char *data, size_t len)
{
	return feed(p, data, len, 0);
}

int html_parser_feed_last(struct html_parser *p, const char *data, size_t len)
{
	return feed(p, data, len, 1);
}

/* Ends the parse, frees libxml2's context early (the result does not need
 * it) and turns arena offsets into pointers. */
static void end_document(struct html_parser *p)
{
	if ((p->ctxt || start_parse(p) == 0) && !p->d.terminated)
		push_decoded(p, NULL, 0, 1);
	if (p->ctxt) {
		htmlFreeParserCtxt(p->ctxt);
		p->ctxt = NULL;
	}
	for (size_t i = 0; i < p->d.n_links; i++)
		p->links[i].href = p->arena + p->offs[i];
	size_t len = utf8_trim(p->title, p->d.title_len);
	if (len > 0 && p->title[len - 1] == ' ') /* left by the cap */
		len--;
	p->title[len] = 0;
	p->d.finished = 1;
}

int html_parser_finish(struct html_parser *p, struct html_result *out)
{
	if (!p->d.finished)
		end_document(p);
	*out = (struct html_result){
		.links = p->links,
		.n_links = p->d.n_links,
		.n_dropped = p->d.n_dropped,
		.base_href = p->d.base_set ? p->arena + p->d.base_off : NULL,
		.title = p->d.title_state != TITLE_NOT_SEEN ? p->title : NULL,
		.meta_nofollow = p->d.meta_nofollow,
		.meta_noindex = p->d.meta_noindex,
	};
	return p->d.oom ? -1 : 0;
}

int html_parser_reset(struct html_parser *p, const char *charset)
{
	if (p->ctxt) {
		htmlFreeParserCtxt(p->ctxt);
		p->ctxt = NULL;
	}
	if (p->arena_cap > ARENA_KEEP) {
		free(p->arena);
		p->arena = NULL;
		p->arena_cap = 0;
	}
	if (p->links_cap > LINKS_KEEP) {
		free(p->links);
		free(p->offs);
		p->links = NULL;
		p->offs = NULL;
		p->links_cap = 0;
	}
	p->d = (struct doc_state){ 0 };
	set_charset(p, charset);
	return 0;
}

void html_parser_free(struct html_parser **pp)
{
	if (!pp || !*pp)
		return;
	struct html_parser *p = *pp;
	if (p->ctxt)
		htmlFreeParserCtxt(p->ctxt);
	charset_close(&p->cs);
	free(p->arena);
	free(p->links);
	free(p->offs);
	free(p);
	*pp = NULL;
}

int html_content_type_parse(const char *content_type, char *charset,
			    size_t cap)
{
	if (cap > 0)
		charset[0] = 0;
	if (!content_type)
		return 0;
	const char *s = content_type + strspn(content_type, WS);
	size_t len = strcspn(s, ";" WS);
	if (!token_is(s, len, "text/html") &&
	    !token_is(s, len, "application/xhtml+xml"))
		return 0;
	while ((s = strchr(s + len, ';'))) {
		s += 1 + strspn(s + 1, WS);
		const char *name = s;
		size_t name_len = strcspn(s, "=;" WS);
		s += name_len + strspn(s + name_len, WS);
		len = 0;
		if (*s != '=')
			continue;
		s += 1 + strspn(s + 1, WS);
		const char *quote = *s == '"' ? "\"" : *s == '\'' ? "'" : NULL;
		s += quote != NULL;
		len = strcspn(s, quote ? quote : ";" WS);
		if (token_is(name, name_len, "charset")) {
			charset_copy_lower(charset, cap, s, len);
			break;
		}
	}
	return 1;
}
