/* html: streaming link and metadata extraction from HTML (libxml2 SAX).
 *
 * Feed the body in chunks as it arrives; at the end, html_parser_finish
 * returns the links in document order, the document's base href, its title
 * and its meta robots directives.  Nothing here touches the network or
 * resolves URLs: hrefs come back as written (UTF-8, entities decoded,
 * surrounding whitespace kept), for parsers/url to resolve.
 *
 * Ownership: the parser owns every string and array in the result; they stay
 * valid until html_parser_free or html_parser_reset.  Caps bound memory
 * whatever the input: at most HTML_MAX_LINKS links, HTML_MAX_HREF bytes per
 * href (longer ones are dropped and counted), HTML_MAX_TITLE bytes of title.
 *
 * Charset, as browsers choose it, once per document from its first 1024
 * bytes: a byte order mark, else the header charset, else a <meta charset>
 * or <meta http-equiv=content-type> within those bytes, else UTF-8 if the
 * first non-ASCII bytes are UTF-8 and windows-1252 if not.  Unknown names
 * fall through to the next source; iso-8859-1 and us-ascii mean
 * windows-1252.  Bad bytes never stop the parse: where the charset does not
 * define them they become U+FFFD, and a stray byte in UTF-8 is read as the
 * latin-1 character.  Output is always UTF-8.
 *
 * A parser is not shared between threads; different parsers may run in
 * different threads once one html_parser_new has returned.
 */
#ifndef CRAWLER_HTML_H
#define CRAWLER_HTML_H

#include <stddef.h>

#define HTML_MAX_LINKS 20000
#define HTML_MAX_HREF 8192
#define HTML_MAX_TITLE 1024

enum html_link_kind {
	HTML_LINK_A,        /* <a href> */
	HTML_LINK_AREA,     /* <area href> */
	HTML_LINK_LINK,     /* <link href> that is not a stylesheet/icon asset */
	HTML_LINK_FRAME,    /* <iframe src>, <frame src> */
	HTML_LINK_REFRESH,  /* <meta http-equiv=refresh content="N; url=..."> */
	HTML_ASSET_IMG,     /* <img src>, <img srcset> candidates, <source src> */
	HTML_ASSET_SCRIPT,  /* <script src> */
	HTML_ASSET_STYLE,   /* <link rel=stylesheet href> */
	HTML_ASSET_ICON,    /* <link rel=icon|shortcut icon|apple-touch-icon> */
	HTML_ASSET_MEDIA,   /* <video src>, <audio src>, <embed src>, <object data> */
};

#define HTML_F_NOFOLLOW 1u /* rel contains "nofollow" */

struct html_link {
	const char *href; /* NUL-terminated, len bytes */
	size_t len;
	enum html_link_kind kind;
	unsigned flags;   /* HTML_F_* */
};

struct html_result {
	struct html_link *links;
	size_t n_links;
	size_t n_dropped;       /* links past HTML_MAX_LINKS or over HTML_MAX_HREF */
	const char *base_href;  /* first <base href>, or NULL */
	const char *title;      /* first <title>, whitespace-collapsed; "" if
				 * empty, NULL if there is none */
	int meta_nofollow;      /* <meta name=robots content=...nofollow|none> */
	int meta_noindex;       /* ... noindex|none */
};

struct html_parser;

/* Creates a parser.  `charset` is the charset from the Content-Type header
 * (e.g. "iso-8859-1"), or NULL to let the document decide (see above).
 * Returns NULL on OOM. */
struct html_parser *html_parser_new(const char *charset);

/* Feeds the next chunk of the body.  Malformed HTML is never an error;
 * returns 0, or -1 on out-of-memory only. */
int html_parser_feed(struct html_parser *p, const char *data, size_t len);

/* Feeds the last chunk of the body (the whole body, when it is all in
 * memory), telling libxml2 it is final: about half the parse cost of
 * html_parser_feed + html_parser_finish.  Then call html_parser_finish.
 * Returns 0, or -1 on out-of-memory only. */
int html_parser_feed_last(struct html_parser *p, const char *data, size_t len);

/* Ends the document and fills *out (owned by the parser).  Returns 0, or -1
 * on out-of-memory.  Calling it again gives the same result; feeding after
 * it is ignored until html_parser_reset. */
int html_parser_finish(struct html_parser *p, struct html_result *out);

/* Makes the parser ready for a new document (reusing its buffers) with a new
 * charset (NULL as in html_parser_new).  Returns 0, or -1 on OOM. */
int html_parser_reset(struct html_parser *p, const char *charset);

/* Frees the parser and sets *p to NULL; NULL-safe. */
void html_parser_free(struct html_parser **p);

/* Whether a Content-Type header value names a type we parse (text/html,
 * application/xhtml+xml); if so and it carries charset=..., copies the
 * charset (lower-case) into charset[0..cap) (else charset[0] = 0). */
int html_content_type_parse(const char *content_type, char *charset,
			    size_t cap);

#endif
