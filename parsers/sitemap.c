/* sitemap: a streaming sitemap parser in three layers, each pulling from the
 * one below:
 *
 *   source  the caller's read callback, inflated when the first two bytes
 *           are the gzip magic, and counted against SITEMAP_MAX_BYTES;
 *   sniff   skips a UTF-8 byte order mark and leading whitespace, then
 *           chooses XML (the first byte is '<') or plain text; the bytes it
 *           read ahead are handed on first;
 *   parse   libxml2's SAX2 push parser for XML, a line splitter for text.
 *
 * SAX rather than xmlTextReader: the reader runs on the same push parser,
 * but once a fault clears wellFormed, xmlTextReaderRead refuses to hand out
 * the nodes already parsed from the same chunk (measured: a fault after
 * entry 500 gave 493 entries).  SAX callbacks come in document order as the
 * bytes are parsed, so every entry before a fault is kept, and no tree is
 * built at all.
 *
 * Values are gathered into fixed buffers, so our own memory is constant.
 * libxml2's is bounded by its limits (names, depth 256, text 10 MB), which
 * hold because XML_PARSE_HUGE is never set, and by SITEMAP_MAX_BYTES: its
 * input buffer holds at most one unfinished token (a comment or tag).
 */
#include "sitemap.h"

#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define IN_SIZE 16384    /* raw (compressed) bytes read at a time */
#define CHUNK_SIZE 16384 /* decoded bytes read at a time by sniff and text */
/* No XML_PARSE_NOENT (external entities stay unread), no DTD loading, no
 * XML_PARSE_HUGE (keeps libxml2's amplification and size limits), and no
 * XML_PARSE_RECOVER: a fault ends the parse and is reported. */
#define PARSE_OPTIONS                                                   \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |    \
	 XML_PARSE_COMPACT)

enum fault {
	FAULT_NONE,
	FAULT_BROKEN,    /* read error or broken gzip */
	FAULT_TOO_LARGE, /* more than SITEMAP_MAX_BYTES decoded */
	FAULT_OOM,
};

struct source {
	sitemap_read_fn read;
	void *arg;
	unsigned char in[IN_SIZE];
	size_t in_off, in_len; /* raw bytes read but not yet consumed */
	size_t decoded;
	bool eof;              /* read returned 0: it is never called again */
	bool gzip, z_ready;
	bool member_end;       /* a gzip member ended; another may follow */
	bool done;             /* nothing more will be inflated */
	enum fault fault;
	z_stream z;
};

/* A value being gathered: at most cap bytes, trimmed as it comes. */
struct value {
	char *buf;             /* cap + 1 bytes */
	size_t cap, len;
	bool bad;              /* over cap, or holds a control byte */
};

enum field { FIELD_NONE, FIELD_LOC, FIELD_LASTMOD };

struct parse {
	struct source src;
	sitemap_entry_fn fn;
	void *fn_arg;
	struct sitemap_result *out;
	bool done;             /* stop reading: stopped, too_many, not a sitemap */
	bool oom, xml_error;
	char chunk[CHUNK_SIZE];
	size_t chunk_off, chunk_len; /* decoded bytes not yet consumed */
	struct value loc, lastmod;
	char loc_buf[SITEMAP_MAX_LOC + 1];
	char lastmod_buf[SITEMAP_MAX_LASTMOD + 1];
	/* XML only */
	xmlParserCtxtPtr ctxt;
	int depth;                            /* of the next element */
	const xmlChar *root_ns, *root_prefix; /* in ctxt's dictionary */
	const char *entry_name;               /* "url" or "sitemap" */
	bool in_entry, loc_seen, lastmod_seen, loc_ok, lastmod_ok;
	enum field field;
};

/* ---- source: raw or gunzipped bytes, counted ---- */

static size_t call_read(struct source *s, char *buf, size_t len)
{
	long n = s->read(s->arg, buf, len);
	if (n < 0 || (size_t)n > len) {
		s->fault = FAULT_BROKEN;
		s->eof = true;
		return 0;
	}
	s->eof = n == 0;
	return (size_t)n;
}

/* Reads raw bytes after those held; 0 at the end or on a fault.  Called
 * only while fewer than IN_SIZE bytes are held. */
static size_t raw_more(struct source *s)
{
	if (s->eof)
		return 0;
	memmove(s->in, s->in + s->in_off, s->in_len - s->in_off);
	s->in_len -= s->in_off;
	s->in_off = 0;
	size_t n = call_read(s, (char *)s->in + s->in_len,
			     IN_SIZE - s->in_len);
	s->in_len += n;
	return n;
}

static void src_open(struct source *s)
{
	while (s->in_len < 2 && raw_more(s) > 0)
		;
	s->gzip = s->in_len >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b;
	if (!s->gzip)
		return;
	int rc = inflateInit2(&s->z, 16 + MAX_WBITS);
	if (rc == Z_OK)
		s->z_ready = true;
	else
		s->fault = rc == Z_MEM_ERROR ? FAULT_OOM : FAULT_BROKEN;
}

static void src_close(struct source *s)
{
	if (s->z_ready)
		inflateEnd(&s->z);
}

static size_t raw(struct source *s, char *buf, size_t len)
{
	size_t held = s->in_len - s->in_off;
	if (held == 0)
		return s->eof ? 0 : call_read(s, buf, len);
	size_t n = held < len ? held : len;
	memcpy(buf, s->in + s->in_off, n);
	s->in_off += n;
	return n;
}

/* At a member's end, another member follows only if its magic does;
 * anything else (padding, say) ends the stream cleanly. */
static bool next_member(struct source *s)
{
	if (s->in[s->in_off] != 0x1f)
		return false;
	s->member_end = false;
	if (inflateReset(&s->z) == Z_OK)
		return true;
	s->fault = FAULT_BROKEN;
	return false;
}

static void inflate_step(struct source *s)
{
	s->z.next_in = s->in + s->in_off;
	s->z.avail_in = (uInt)(s->in_len - s->in_off);
	int rc = inflate(&s->z, Z_NO_FLUSH);
	s->in_off = s->in_len - s->z.avail_in;
	if (rc == Z_STREAM_END) {
		s->member_end = true;
	} else if (rc != Z_OK) {
		s->fault = rc == Z_MEM_ERROR ? FAULT_OOM : FAULT_BROKEN;
		s->done = true;
	}
}

/* Inflates until some output; a stream cut short is broken, but what it
 * gave so far is returned first. */
static size_t gunzip(struct source *s, char *buf, size_t len)
{
	s->z.next_out = (Bytef *)buf;
	s->z.avail_out = (uInt)len;
	while (s->z.avail_out == len && !s->done) {
		if (s->in_off == s->in_len && raw_more(s) == 0) {
			if (!s->member_end && s->fault == FAULT_NONE)
				s->fault = FAULT_BROKEN;
			s->done = true;
		} else if (s->member_end && !next_member(s)) {
			s->done = true;
		} else {
			inflate_step(s);
		}
	}
	return len - s->z.avail_out;
}

static size_t decode(struct source *s, char *buf, size_t len)
{
	return s->gzip ? gunzip(s, buf, len) : raw(s, buf, len);
}

/* Up to len decoded bytes into buf; 0 at the end or on a fault. */
static size_t src_read(struct source *s, char *buf, size_t len)
{
	if (s->fault != FAULT_NONE)
		return 0;
	size_t room = SITEMAP_MAX_BYTES - s->decoded;
	if (room == 0) {
		/* one byte more tells a document of exactly the cap from a
		 * longer one */
		char probe;
		if (decode(s, &probe, 1) > 0)
			s->fault = FAULT_TOO_LARGE;
		return 0;
	}
	size_t n = decode(s, buf, len < room ? len : room);
	s->decoded += n;
	return n;
}

/* ---- values ---- */

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void value_init(struct value *v, char *buf, size_t cap)
{
	v->buf = buf;
	v->cap = cap;
	v->len = 0;
	v->bad = false;
}

/* Leading whitespace is never stored, and whitespace past the cap is
 * dropped: it can only be trailing, or be followed by a byte that makes
 * the value too long anyway. */
static void value_add(struct value *v, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_space(c)) {
			if (v->len == 0 || v->len == v->cap)
				continue;
		} else if (v->len == v->cap || c < 0x20 || c == 0x7f) {
			v->bad = true;
			continue;
		}
		v->buf[v->len++] = (char)c;
	}
}

/* Trims and terminates the value; false when it is empty or bad. */
static bool value_end(struct value *v)
{
	while (v->len > 0 && is_space((unsigned char)v->buf[v->len - 1]))
		v->len--;
	v->buf[v->len] = 0;
	return v->len > 0 && !v->bad;
}

static void stop(struct parse *p)
{
	p->done = true;
	if (p->ctxt)
		xmlStopParser(p->ctxt);
}

static void emit(struct parse *p, const char *loc, const char *lastmod,
		 bool is_index)
{
	if (p->out->entries == SITEMAP_MAX_URLS) {
		p->out->too_many = true;
		stop(p);
		return;
	}
	p->out->entries++;
	if (p->fn(p->fn_arg, loc, lastmod, is_index)) {
		p->out->stopped = true;
		stop(p);
	}
}

/* ---- sniff ---- */

/* Appends decoded bytes to the chunk (emptied first when all consumed);
 * 0 at the end. */
static size_t fill(struct parse *p)
{
	if (p->chunk_off == p->chunk_len)
		p->chunk_off = p->chunk_len = 0;
	size_t n = src_read(&p->src, p->chunk + p->chunk_len,
			    sizeof p->chunk - p->chunk_len);
	p->chunk_len += n;
	return n;
}

enum form { FORM_EMPTY, FORM_XML, FORM_TEXT };

/* Skips a UTF-8 byte order mark and leading whitespace, and tells the form
 * by the first byte after them.  A UTF-16 byte order mark means XML (libxml2
 * decodes it): a text sitemap must be UTF-8. */
static enum form sniff(struct parse *p)
{
	while (p->chunk_len < 3 && fill(p) > 0)
		;
	if (p->chunk_len >= 2 && (memcmp(p->chunk, "\xfe\xff", 2) == 0 ||
				  memcmp(p->chunk, "\xff\xfe", 2) == 0))
		return FORM_XML;
	if (p->chunk_len >= 3 && memcmp(p->chunk, "\xef\xbb\xbf", 3) == 0)
		p->chunk_off = 3;
	for (;;) {
		while (p->chunk_off < p->chunk_len &&
		       is_space((unsigned char)p->chunk[p->chunk_off]))
			p->chunk_off++;
		if (p->chunk_off < p->chunk_len)
			return p->chunk[p->chunk_off] == '<' ? FORM_XML :
							       FORM_TEXT;
		if (fill(p) == 0)
			return FORM_EMPTY;
	}
}

/* ---- plain text: one URL per line ---- */

static void text_line_end(struct parse *p)
{
	if (value_end(&p->loc))
		emit(p, p->loc.buf, NULL, false);
	else if (p->loc.bad)
		p->out->dropped++;
	value_init(&p->loc, p->loc_buf, SITEMAP_MAX_LOC);
}

static void parse_text(struct parse *p)
{
	p->out->kind = SITEMAP_TEXT;
	do {
		const char *s = p->chunk + p->chunk_off;
		const char *end = p->chunk + p->chunk_len;
		while (s < end && !p->done) {
			const char *nl = memchr(s, '\n', (size_t)(end - s));
			value_add(&p->loc, s, (size_t)((nl ? nl : end) - s));
			if (!nl)
				break;
			text_line_end(p);
			s = nl + 1;
		}
		p->chunk_off = p->chunk_len;
	} while (!p->done && fill(p) > 0);
	/* a last line cut by a fault is not a whole URL */
	if (!p->done && p->src.fault == FAULT_NONE)
		text_line_end(p);
}

/* ---- XML ---- */

/* Structural elements count only in the root's namespace, whichever it is:
 * that keeps <image:loc> and friends out.  Without namespaces, the prefix
 * (as written) must match instead. */
static bool in_root_ns(struct parse *p, const xmlChar *prefix,
		       const xmlChar *uri)
{
	if (uri || p->root_ns)
		return xmlStrEqual(uri, p->root_ns);
	return xmlStrEqual(prefix, p->root_prefix);
}

static void on_root(struct parse *p, const xmlChar *name,
		    const xmlChar *prefix, const xmlChar *uri)
{
	p->root_ns = uri;
	p->root_prefix = prefix;
	if (xmlStrEqual(name, BAD_CAST "urlset")) {
		p->out->kind = SITEMAP_URLSET;
		p->entry_name = "url";
	} else if (xmlStrEqual(name, BAD_CAST "sitemapindex")) {
		p->out->kind = SITEMAP_INDEX;
		p->entry_name = "sitemap";
	} else {
		stop(p);
	}
}

static void entry_begin(struct parse *p)
{
	p->in_entry = true;
	p->loc_seen = p->lastmod_seen = false;
	p->loc_ok = p->lastmod_ok = false;
	p->field = FIELD_NONE;
}

static void entry_end(struct parse *p)
{
	p->in_entry = false;
	if (p->loc_ok)
		emit(p, p->loc.buf, p->lastmod_ok ? p->lastmod.buf : NULL,
		     p->out->kind == SITEMAP_INDEX);
	else
		p->out->dropped++;
}

/* Only the first <loc> and <lastmod> of an entry count. */
static void field_begin(struct parse *p, const xmlChar *name)
{
	if (!p->loc_seen && xmlStrEqual(name, BAD_CAST "loc")) {
		p->loc_seen = true;
		p->field = FIELD_LOC;
		value_init(&p->loc, p->loc_buf, SITEMAP_MAX_LOC);
	} else if (!p->lastmod_seen && xmlStrEqual(name, BAD_CAST "lastmod")) {
		p->lastmod_seen = true;
		p->field = FIELD_LASTMOD;
		value_init(&p->lastmod, p->lastmod_buf, SITEMAP_MAX_LASTMOD);
	}
}

static void field_end(struct parse *p)
{
	if (p->field == FIELD_LOC)
		p->loc_ok = value_end(&p->loc);
	else if (p->field == FIELD_LASTMOD)
		p->lastmod_ok = value_end(&p->lastmod);
	p->field = FIELD_NONE;
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar *prefix,
		     const xmlChar *uri, int n_ns, const xmlChar **ns,
		     int n_attrs, int n_defaulted, const xmlChar **attrs)
{
	struct parse *p = ctx;
	int depth = p->depth++;
	if (p->done)
		return;
	if (depth == 0)
		on_root(p, name, prefix, uri);
	else if (!in_root_ns(p, prefix, uri))
		return;
	else if (depth == 1 && xmlStrEqual(name, BAD_CAST p->entry_name))
		entry_begin(p);
	else if (depth == 2 && p->in_entry)
		field_begin(p, name);
}

static void on_end(void *ctx, const xmlChar *name, const xmlChar *prefix,
		   const xmlChar *uri)
{
	struct parse *p = ctx;
	int depth = --p->depth;
	if (p->done)
		return;
	if (depth == 2 && p->field != FIELD_NONE)
		field_end(p);
	else if (depth == 1 && p->in_entry)
		entry_end(p);
}

static void on_text(void *ctx, const xmlChar *text, int len)
{
	struct parse *p = ctx;
	if (p->field == FIELD_LOC)
		value_add(&p->loc, (const char *)text, (size_t)len);
	else if (p->field == FIELD_LASTMOD)
		value_add(&p->lastmod, (const char *)text, (size_t)len);
}

/* Only out-of-memory matters here: a fatal error also clears wellFormed,
 * and the rest (namespace errors, say) do not stop the parse. */
static void on_xml_error(void *ctx, xmlErrorPtr error)
{
	struct parse *p = ctx;
	if (error && error->code == XML_ERR_NO_MEMORY)
		p->oom = true;
}

static void on_error(void *ctx, const char *msg, ...)
{
}

/* No entityDecl, getEntity or externalSubset: entities a DTD declares are
 * never even stored, so none can be expanded or fetched. */
static const xmlSAXHandler sax = {
	.startElementNs = on_start,
	.endElementNs = on_end,
	.characters = on_text,
	.cdataBlock = on_text,
	.ignorableWhitespace = on_text,
	.warning = on_error,
	.error = on_error,
	.fatalError = on_error,
	.serror = on_xml_error,
	.initialized = XML_SAX2_MAGIC,
};

/* Decoded bytes to push next: those sniff read ahead, then more. */
static size_t next_chunk(struct parse *p)
{
	if (p->chunk_off < p->chunk_len)
		return p->chunk_len - p->chunk_off;
	return fill(p);
}

/* The parse failed when it halted before the end of the input, or when
 * the end found it unfinished.  Faults show in wellFormed or, for
 * conversion faults (which leave wellFormed alone), in xmlParseChunk's
 * return; namespace errors show in neither and are forgiven. */
static void push_all(struct parse *p)
{
	size_t n;
	int rc;
	do {
		n = next_chunk(p);
		rc = xmlParseChunk(p->ctxt, p->chunk + p->chunk_off, (int)n,
				   n == 0);
		p->chunk_off = p->chunk_len;
	} while (n > 0 && rc == 0 && p->ctxt->instate != XML_PARSER_EOF &&
		 !p->done);
	p->xml_error = !p->done && (n > 0 || rc != 0 || !p->ctxt->wellFormed);
}

/* libxml2 reports a few faults (encoding conversion) only on its generic
 * error handler, which is per thread: it is silenced for the parse and
 * then given back. */
static void parse_xml(struct parse *p)
{
	xmlGenericErrorFunc old_func = xmlGenericError;
	void *old_ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, on_error);
	p->ctxt = xmlCreatePushParserCtxt((xmlSAXHandlerPtr)&sax, p, NULL, 0,
					  NULL);
	if (!p->ctxt || xmlCtxtUseOptions(p->ctxt, PARSE_OPTIONS) != 0) {
		p->oom = true;
		goto restore_errors;
	}
	push_all(p);
restore_errors:
	if (p->ctxt) {
		xmlFreeDoc(p->ctxt->myDoc);
		xmlFreeParserCtxt(p->ctxt);
	}
	xmlSetGenericErrorFunc(old_ctx, old_func);
}

/* ---- the call ---- */

static void report_faults(struct parse *p)
{
	switch (p->src.fault) {
	case FAULT_BROKEN:
		p->out->malformed = true;
		break;
	case FAULT_TOO_LARGE:
		p->out->too_large = true;
		break;
	case FAULT_OOM:
		p->oom = true;
		break;
	case FAULT_NONE:
		p->out->malformed = p->xml_error;
		break;
	}
}

int sitemap_parse(sitemap_read_fn read, void *read_arg, sitemap_entry_fn fn,
		  void *fn_arg, struct sitemap_result *out)
{
	memset(out, 0, sizeof *out);
	struct parse *p = calloc(1, sizeof *p);
	if (!p)
		return -1;
	p->src.read = read;
	p->src.arg = read_arg;
	p->fn = fn;
	p->fn_arg = fn_arg;
	p->out = out;
	value_init(&p->loc, p->loc_buf, SITEMAP_MAX_LOC);
	value_init(&p->lastmod, p->lastmod_buf, SITEMAP_MAX_LASTMOD);
	xmlInitParser();

	src_open(&p->src);
	switch (sniff(p)) {
	case FORM_XML:
		parse_xml(p);
		break;
	case FORM_TEXT:
		parse_text(p);
		break;
	case FORM_EMPTY:
		break;
	}
	report_faults(p);
	src_close(&p->src);
	int rc = p->oom ? -1 : 0;
	free(p);
	return rc;
}
