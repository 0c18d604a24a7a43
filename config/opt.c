/* opt: one table of options; the command line, the INI config file, --help,
 * the Markdown reference and the dump all walk it.  A row says where its
 * value lives (offset and size in struct opt_config), how to parse it (its
 * type and bounds) and which commands take it; the setters are shared, so no
 * option has parsing code of its own except --dns-servers' syntax check. */
#define _GNU_SOURCE
#include "opt.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CRAWLER_VERSION
#define CRAWLER_VERSION "0"
#endif

enum opt_type {
	OPT_BOOL,    /* flag; also --no-NAME and NAME=yes|no|true|false|1|0|on|off */
	OPT_LONG,    /* whole number within [min, max] */
	OPT_SECONDS, /* fractional seconds, optional ms|s|m|h unit, within [min, max] */
	OPT_SIZE,    /* bytes, optional k|M|G|T suffix (powers of 1024), within [min, max] */
	OPT_STRING,
	OPT_LIST,    /* repeatable string: every occurrence appends */
	OPT_ENUM,    /* one of names[], stored as its index */
};

enum {
	OPT_F_CLI_ONLY = 1, /* rejected in the config file */
	OPT_F_PRESCAN = 2,  /* applied before the config file is loaded */
	OPT_F_PER_RUN = 4,  /* not part of a crawl's stored configuration */
};

/* How an option holding a password is dumped (for runs.config): never in
 * clear, and never part of a crawl's stored configuration. */
enum opt_secret {
	SECRET_NONE,
	SECRET_ALL,      /* "***" */
	SECRET_PASSWORD, /* USER:PASS as "USER:***" */
	SECRET_URL,      /* scheme://USER:PASS@host as "scheme://USER:***@host" */
};

#define ALL_CMDS (OPT_CMD_CRAWL | OPT_CMD_STATUS | OPT_CMD_WHY | OPT_CMD_EXPORT | OPT_CMD_SHOW)
#define AT(field)                                                             \
	.off = offsetof(struct opt_config, field),                            \
	.size = sizeof(((struct opt_config *)0)->field)

struct opt_row {
	const char *name;   /* long name, also the config file key */
	char letter;        /* short option, or 0 */
	const char *arg;    /* value name in help; enums list their names */
	enum opt_type type;
	size_t off, size;   /* the field in struct opt_config */
	unsigned cmds;      /* bitmask of enum opt_command */
	unsigned flags;     /* OPT_F_* */
	double min, max;    /* bounds of numbers, sizes and seconds (all exact in a double) */
	const char *const *names; /* OPT_ENUM values, NULL-terminated */
	int (*check)(const struct opt_row *row, const char *value, char **err);
	enum opt_secret secret;
	const char *def;    /* applied by opt_config_init and shown by --help */
	const char *help;
};

static const char *const scope_names[] = { "host", "domain", "any", NULL };
static const char *const progress_names[] = { "auto", "bar", "log", NULL };
static const char *const format_names[] = { "jsonl", "csv", "warc", NULL };
static const char *const with_body_names[] = { "none", "text", "raw", NULL };
static const char *const compress_names[] = { "zstd", "gzip", "none", NULL };
static const char *const fsync_names[] = { "never", "batch", "always", NULL };

static int check_dns_servers(const struct opt_row *row, const char *value,
			     char **err);
static int check_header(const struct opt_row *row, const char *value, char **err);
static int check_user(const struct opt_row *row, const char *value, char **err);
static int check_readable(const struct opt_row *row, const char *value, char **err);
static int check_socket(const struct opt_row *row, const char *value, char **err);
static int check_writable(const struct opt_row *row, const char *value, char **err);
static int check_pins(const struct opt_row *row, const char *value, char **err);
static int check_cookie(const struct opt_row *row, const char *value, char **err);
static int check_proxy(const struct opt_row *row, const char *value, char **err);
static int check_json(const struct opt_row *row, const char *value, char **err);

static const struct opt_row rows[] = {
	{ .name = "dir", .arg = "DIR", .type = OPT_STRING, AT(dir),
	  .cmds = ALL_CMDS, .flags = OPT_F_PER_RUN, .def = "./crawl",
	  .help = "crawl directory: database, WARC files, lock" },
	{ .name = "config", .arg = "FILE", .type = OPT_STRING, AT(config_file),
	  .cmds = ALL_CMDS, .flags = OPT_F_CLI_ONLY | OPT_F_PRESCAN,
	  .help = "read options from this INI file; the command line overrides it" },
	{ .name = "seeds", .arg = "FILE", .type = OPT_LIST, AT(seeds_files),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN,
	  .help = "read seed URLs from FILE, one per line ('-' = stdin)" },
	{ .name = "concurrency", .letter = 'c', .arg = "N", .type = OPT_LONG,
	  AT(concurrency), .cmds = OPT_CMD_CRAWL, .min = 1, .max = 10000,
	  .def = "16", .help = "transfers in flight at most" },
	{ .name = "per-host", .arg = "N", .type = OPT_LONG, AT(per_host),
	  .cmds = OPT_CMD_CRAWL, .min = 1, .max = 1000, .def = "4",
	  .help = "transfers in flight to one host at most" },
	{ .name = "delay", .arg = "SECONDS", .type = OPT_SECONDS, AT(delay),
	  .cmds = OPT_CMD_CRAWL, .min = 0, .max = 86400, .def = "0",
	  .help = "wait between requests to the same host" },
	{ .name = "max-delay", .arg = "SECONDS", .type = OPT_SECONDS, AT(max_delay),
	  .cmds = OPT_CMD_CRAWL, .min = 0, .max = 86400, .def = "60",
	  .help = "the longest wait between requests to a host that a robots.txt"
		  " Crawl-delay, --auto-throttle or a Retry-After can ask for" },
	{ .name = "per-ip", .arg = "N", .type = OPT_LONG, AT(per_ip),
	  .cmds = OPT_CMD_CRAWL, .min = 0, .max = 1000, .def = "0",
	  .help = "transfers in flight to one IP address at most, whatever host names"
		  " point at it; 0: no limit" },
	{ .name = "auto-throttle", .type = OPT_BOOL, AT(auto_throttle),
	  .cmds = OPT_CMD_CRAWL,
	  .help = "set each host's delay from its response latency, aiming at"
		  " --throttle-target requests in flight per host; back off on 429 and 503" },
	{ .name = "throttle-target", .arg = "N", .type = OPT_LONG, AT(throttle_target),
	  .cmds = OPT_CMD_CRAWL, .min = 1, .max = 1000, .def = "1",
	  .help = "requests in flight per host that --auto-throttle aims at" },
	{ .name = "retries", .arg = "N", .type = OPT_LONG, AT(retries),
	  .cmds = OPT_CMD_CRAWL, .min = 0, .max = 100, .def = "2",
	  .help = "fetch a URL again up to N times after a connect error, a timeout,"
		  " a 5xx or a 429, with exponential back-off and jitter" },
	{ .name = "retry-delay", .arg = "SECONDS", .type = OPT_SECONDS, AT(retry_delay),
	  .cmds = OPT_CMD_CRAWL, .min = 0, .max = 86400, .def = "1",
	  .help = "first back-off of --retries (doubling; a Retry-After asks for longer)" },
	{ .name = "pause-after", .arg = "N", .type = OPT_LONG, AT(pause_after),
	  .cmds = OPT_CMD_CRAWL, .min = 0, .max = 1000000, .def = "5",
	  .help = "pause a host after N failures in a row (no answer or 5xx); 0: never" },
	{ .name = "pause", .arg = "SECONDS", .type = OPT_SECONDS, AT(pause),
	  .cmds = OPT_CMD_CRAWL, .min = 0.001, .max = 86400, .def = "30",
	  .help = "first pause of a failing host; each further pause in a row doubles it"
		  " (up to 32 times)" },
	{ .name = "robots", .type = OPT_BOOL, AT(robots), .cmds = OPT_CMD_CRAWL,
	  .def = "yes",
	  .help = "obey robots.txt (RFC 9309); --no-robots for your own sites" },
	{ .name = "robots-ttl", .arg = "SECONDS", .type = OPT_SECONDS, AT(robots_ttl),
	  .cmds = OPT_CMD_CRAWL, .min = 0, .max = 1e9, .def = "24h",
	  .help = "fetch a host's robots.txt again once it is this old" },
	{ .name = "max-depth", .letter = 'l', .arg = "N", .type = OPT_LONG,
	  AT(max_depth), .cmds = OPT_CMD_CRAWL, .min = -1, .max = 1000000,
	  .def = "-1", .help = "follow links at most N hops from the seeds; -1: no limit" },
	{ .name = "max-pages", .arg = "N", .type = OPT_LONG, AT(max_pages),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN, .min = 0, .max = 1e12,
	  .def = "0", .help = "stop this run after N pages (exit 6 while work remains); 0: no limit" },
	{ .name = "max-time", .arg = "SECONDS", .type = OPT_SECONDS, AT(max_time),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN, .min = 0, .max = 1e9,
	  .def = "0", .help = "stop this run after this long (exit 5 while work remains); 0: no limit" },
	{ .name = "grace", .arg = "SECONDS", .type = OPT_SECONDS, AT(grace),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN, .min = 0, .max = 86400,
	  .def = "10", .help = "after a stop (signal or budget), let transfers in flight"
			     " finish for this long, then put them back in the queue" },
	{ .name = "revisit-after", .arg = "SECONDS", .type = OPT_SECONDS,
	  AT(revisit_after), .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN,
	  .min = -1, .max = 1e10, .def = "-1",
	  .help = "fetch again, with a conditional request, the pages fetched longer ago"
		  " than this (0: all of them); -1: never" },
	{ .name = "dedup", .type = OPT_BOOL, AT(dedup), .cmds = OPT_CMD_CRAWL,
	  .def = "yes",
	  .help = "store a payload identical to one already archived as a revisit"
		  " record instead of a second copy" },
	{ .name = "fsync", .type = OPT_ENUM, AT(fsync), .cmds = OPT_CMD_CRAWL,
	  .names = fsync_names, .def = "batch",
	  .help = "sync the archive and the database: never, before each database"
		  " commit (batch), or after every record (always)" },
	{ .name = "sitemaps", .type = OPT_BOOL, AT(sitemaps), .cmds = OPT_CMD_CRAWL,
	  .help = "also crawl what each host's sitemaps list (robots.txt Sitemap: lines"
		  " and /sitemap.xml)" },
	{ .name = "max-url-length", .arg = "N", .type = OPT_LONG, AT(max_url_length),
	  .cmds = OPT_CMD_CRAWL, .min = 16, .max = 8191, .def = "2048",
	  .help = "skip URLs longer than N bytes (a trap guard)" },
	{ .name = "max-repeats", .arg = "N", .type = OPT_LONG, AT(max_repeats),
	  .cmds = OPT_CMD_CRAWL, .min = 1, .max = 1000, .def = "3",
	  .help = "skip URLs whose path has one segment more than N times (/a/b/a/b/a/b/a)" },
	{ .name = "max-pages-per-host", .arg = "N", .type = OPT_LONG,
	  AT(max_pages_per_host), .cmds = OPT_CMD_CRAWL, .min = 0, .max = 1e12,
	  .def = "0", .help = "queue at most N URLs of one host over the crawl; 0: no limit" },
	{ .name = "strip-query", .arg = "REGEX", .type = OPT_LIST, AT(strip_query),
	  .cmds = OPT_CMD_CRAWL,
	  .help = "drop query parameters whose name matches REGEX (session ids, utm_*)"
		  " before deduplication" },
	{ .name = "scope", .type = OPT_ENUM, AT(scope), .cmds = OPT_CMD_CRAWL,
	  .names = scope_names, .def = "host",
	  .help = "follow links to the seeds' hosts, their domains, or anywhere" },
	{ .name = "allow", .arg = "REGEX", .type = OPT_LIST, AT(allow),
	  .cmds = OPT_CMD_CRAWL, .help = "only follow URLs that match REGEX" },
	{ .name = "deny", .arg = "REGEX", .type = OPT_LIST, AT(deny),
	  .cmds = OPT_CMD_CRAWL, .help = "never follow URLs that match REGEX" },
	{ .name = "user-agent", .letter = 'U', .arg = "STR", .type = OPT_STRING,
	  AT(user_agent), .cmds = OPT_CMD_CRAWL, .def = "crawler/" CRAWLER_VERSION,
	  .help = "User-Agent header sent with every request" },
	{ .name = "dns-servers", .arg = "LIST", .type = OPT_STRING,
	  AT(dns_servers), .cmds = OPT_CMD_CRAWL, .check = check_dns_servers,
	  .help = "resolve with these servers: IP[:PORT],... (IPv6 as [ADDR]:PORT)" },
	{ .name = "header", .arg = "'NAME: VALUE'", .type = OPT_LIST, AT(headers),
	  .cmds = OPT_CMD_CRAWL, .check = check_header,
	  .help = "send this header with every request" },
	{ .name = "user", .arg = "USER:PASS", .type = OPT_STRING, AT(user),
	  .cmds = OPT_CMD_CRAWL, .secret = SECRET_PASSWORD, .check = check_user,
	  .help = "HTTP Basic credentials, sent to the seeds' hosts only (not stored:"
		  " give it again when resuming)" },
	{ .name = "cookies", .type = OPT_BOOL, AT(cookies), .cmds = OPT_CMD_CRAWL,
	  .def = "yes",
	  .help = "keep cookies in one jar for every request (saved as DIR/cookies.txt"
		  " and reused on resume)" },
	{ .name = "cookie", .arg = "NAME=VALUE", .type = OPT_LIST, AT(cookie),
	  .cmds = OPT_CMD_CRAWL, .check = check_cookie,
	  .help = "send this cookie to the seeds' hosts" },
	{ .name = "load-cookies", .arg = "FILE", .type = OPT_STRING, AT(load_cookies),
	  .cmds = OPT_CMD_CRAWL, .check = check_readable,
	  .help = "start with the cookies of FILE (Netscape format, as curl and wget write)" },
	{ .name = "save-cookies", .arg = "FILE", .type = OPT_STRING, AT(save_cookies),
	  .cmds = OPT_CMD_CRAWL, .check = check_writable,
	  .help = "write the cookie jar to FILE (Netscape format) at the end of the run" },
	{ .name = "login-url", .arg = "URL", .type = OPT_STRING, AT(login_url),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN,
	  .help = "POST --login-data or --login-json to URL before crawling; its cookies"
		  " are used for the crawl" },
	{ .name = "login-data", .arg = "a=b&c=d", .type = OPT_STRING, AT(login_data),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN, .secret = SECRET_ALL,
	  .help = "form body of the login POST (not stored)" },
	{ .name = "login-json", .arg = "JSON", .type = OPT_STRING, AT(login_json),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN, .secret = SECRET_ALL,
	  .check = check_json,
	  .help = "JSON body of the login POST (not stored)" },
	{ .name = "proxy", .arg = "URL", .type = OPT_STRING, AT(proxy),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN, .secret = SECRET_URL,
	  .check = check_proxy,
	  .help = "send every request through this proxy: http://, https://, socks5://"
		  " or socks5h:// [USER:PASS@]HOST[:PORT]" },
	{ .name = "proxy-user", .arg = "USER:PASS", .type = OPT_STRING, AT(proxy_user),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN, .secret = SECRET_PASSWORD,
	  .check = check_user,
	  .help = "credentials for the proxy" },
	{ .name = "proxy-list", .arg = "FILE", .type = OPT_STRING, AT(proxy_list),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN, .check = check_readable,
	  .help = "spread the hosts over the proxies listed in FILE, one URL per line"
		  " (each host always uses the same one)" },
	{ .name = "trust-env", .type = OPT_BOOL, AT(trust_env), .cmds = OPT_CMD_CRAWL,
	  .flags = OPT_F_PER_RUN,
	  .help = "use the HTTP_PROXY, HTTPS_PROXY and NO_PROXY environment variables" },
	{ .name = "referer", .type = OPT_BOOL, AT(referer), .cmds = OPT_CMD_CRAWL,
	  .def = "yes", .help = "send the page where a URL was found as Referer" },
	{ .name = "compression", .type = OPT_BOOL, AT(compression), .cmds = OPT_CMD_CRAWL,
	  .def = "yes",
	  .help = "accept gzip, deflate, br and zstd bodies and decode them (--max-size"
		  " counts decoded bytes)" },
	{ .name = "http1.1", .type = OPT_BOOL, AT(http11), .cmds = OPT_CMD_CRAWL,
	  .help = "never use HTTP/2 (otherwise negotiated over TLS and multiplexed)" },
	{ .name = "ca-certificate", .arg = "FILE", .type = OPT_STRING, AT(ca_certificate),
	  .cmds = OPT_CMD_CRAWL, .check = check_readable,
	  .help = "verify servers against the CA certificates in FILE (PEM)" },
	{ .name = "client-cert", .arg = "FILE", .type = OPT_STRING, AT(client_cert),
	  .cmds = OPT_CMD_CRAWL, .check = check_readable,
	  .help = "TLS client certificate (PEM)" },
	{ .name = "client-key", .arg = "FILE", .type = OPT_STRING, AT(client_key),
	  .cmds = OPT_CMD_CRAWL, .check = check_readable,
	  .help = "private key of --client-cert (PEM)" },
	{ .name = "pinned-pubkey", .arg = "sha256//BASE64[;...]", .type = OPT_STRING,
	  AT(pinned_pubkey), .cmds = OPT_CMD_CRAWL, .check = check_pins,
	  .help = "accept only servers whose public key has one of these SHA-256 hashes" },
	{ .name = "insecure", .type = OPT_BOOL, AT(insecure), .cmds = OPT_CMD_CRAWL,
	  .help = "do not verify TLS certificates" },
	{ .name = "unix-socket", .arg = "PATH", .type = OPT_STRING, AT(unix_socket),
	  .cmds = OPT_CMD_CRAWL, .check = check_socket,
	  .help = "send every request to the HTTP server on this Unix domain socket" },
	{ .name = "max-redirects", .arg = "N", .type = OPT_LONG, AT(max_redirects),
	  .cmds = OPT_CMD_CRAWL, .min = 0, .max = 100, .def = "10",
	  .help = "hops followed in one redirect chain" },
	{ .name = "read-timeout", .arg = "SECONDS", .type = OPT_SECONDS, AT(read_timeout),
	  .cmds = OPT_CMD_CRAWL, .min = 0, .max = 86400, .def = "0",
	  .help = "give up on a transfer that receives nothing for this long (whole"
		  " seconds); 0: no limit" },
	{ .name = "timeout", .letter = 'T', .arg = "SECONDS", .type = OPT_SECONDS,
	  AT(timeout), .cmds = OPT_CMD_CRAWL, .min = 0.001, .max = 86400,
	  .def = "30", .help = "give up on a transfer after this long" },
	{ .name = "connect-timeout", .arg = "SECONDS", .type = OPT_SECONDS,
	  AT(connect_timeout), .cmds = OPT_CMD_CRAWL, .min = 0.001, .max = 3600,
	  .def = "10", .help = "give up connecting after this long" },
	{ .name = "max-size", .arg = "SIZE", .type = OPT_SIZE, AT(max_size),
	  .cmds = OPT_CMD_CRAWL, .min = 1, .max = 0x1p40, .def = "10M",
	  .help = "abort a response whose body grows beyond SIZE" },
	{ .name = "warc-max-size", .arg = "SIZE", .type = OPT_SIZE,
	  AT(warc_max_size), .cmds = OPT_CMD_CRAWL, .min = 1024, .max = 0x1p40,
	  .def = "1G", .help = "start a new WARC segment beyond SIZE" },
	{ .name = "zstd-level", .arg = "N", .type = OPT_LONG, AT(zstd_level),
	  .cmds = OPT_CMD_CRAWL, .min = 1, .max = 19, .def = "3",
	  .help = "zstd compression level of WARC records" },
	{ .name = "page-requisites", .letter = 'p', .type = OPT_BOOL,
	  AT(page_requisites), .cmds = OPT_CMD_CRAWL,
	  .help = "also fetch the images, scripts and stylesheets of pages" },
	{ .name = "follow-nofollow", .type = OPT_BOOL, AT(follow_nofollow),
	  .cmds = OPT_CMD_CRAWL,
	  .help = "follow links marked nofollow (rel or meta robots)" },
	{ .name = "quiet", .letter = 'q', .type = OPT_BOOL, AT(quiet),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN, .help = "print errors only" },
	{ .name = "progress", .type = OPT_ENUM, AT(progress),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN, .names = progress_names, .def = "auto",
	  .help = "progress as a bar, as log lines, or a bar on a terminal only" },
	{ .name = "progress-interval", .arg = "SECONDS", .type = OPT_SECONDS,
	  AT(progress_interval), .cmds = OPT_CMD_CRAWL, .flags = OPT_F_PER_RUN, .min = 0.1,
	  .max = 86400, .def = "5", .help = "time between progress log lines" },
	{ .name = "extract", .arg = "NAME=xpath:EXPR|NAME=regex:RE", .type = OPT_LIST,
	  AT(extract), .cmds = OPT_CMD_CRAWL,
	  .help = "store what EXPR or RE finds on each HTML page as field NAME"
		  " (first match; NAME[] keeps all)" },
	{ .name = "extract-url", .arg = "NAME=REGEX", .type = OPT_LIST,
	  AT(extract_url), .cmds = OPT_CMD_CRAWL,
	  .help = "apply the extraction rule NAME only to URLs matching REGEX" },
	{ .name = "url", .arg = "URL", .type = OPT_STRING, AT(status_url),
	  .cmds = OPT_CMD_STATUS,
	  .help = "show the redirect chain that starts at URL, hop by hop" },
	{ .name = "format", .type = OPT_ENUM, AT(format), .cmds = OPT_CMD_EXPORT,
	  .names = format_names, .def = "jsonl",
	  .help = "export as JSON Lines, CSV (RFC 4180) or WARC records" },
	{ .name = "fields", .arg = "LIST", .type = OPT_STRING, AT(fields),
	  .cmds = OPT_CMD_EXPORT,
	  .help = "comma-separated fields to export (see docs/export.md)" },
	{ .name = "where", .arg = "FILTER", .type = OPT_LIST, AT(where),
	  .cmds = OPT_CMD_EXPORT,
	  .help = "export only rows where FILTER holds: state=done, status=200-299|4xx,"
		  " content-type=text/html, host=example.org, error=dns (all must hold)" },
	{ .name = "out", .letter = 'o', .arg = "FILE", .type = OPT_STRING, AT(out),
	  .cmds = OPT_CMD_EXPORT, .def = "-",
	  .help = "write the export to FILE ('-' = stdout)" },
	{ .name = "with-body", .type = OPT_ENUM, AT(with_body),
	  .cmds = OPT_CMD_EXPORT, .names = with_body_names, .def = "none",
	  .help = "JSON Lines: add the body as UTF-8 text or as raw bytes (base64)" },
	{ .name = "compress", .type = OPT_ENUM, AT(compress),
	  .cmds = OPT_CMD_EXPORT, .names = compress_names, .def = "zstd",
	  .help = "WARC export: compress each record with zstd or gzip, or not" },
	{ .name = "help", .letter = 'h', .type = OPT_BOOL, AT(help),
	  .cmds = ALL_CMDS, .flags = OPT_F_CLI_ONLY,
	  .help = "show this help and exit" },
	{ .name = "version", .letter = 'V', .type = OPT_BOOL, AT(version),
	  .cmds = OPT_CMD_CRAWL, .flags = OPT_F_CLI_ONLY,
	  .help = "show the version and exit" },
};

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

struct opt_cmd_info {
	const char *name;
	enum opt_command cmd;
	const char *args;    /* after "crawler NAME" in the usage line */
	const char *summary;
	long min_urls, max_urls; /* positional URLs; max -1 = any number */
};

static const struct opt_cmd_info commands[] = {
	{ "crawl", OPT_CMD_CRAWL, "[OPTIONS] [URL...]",
	  "Crawl from the URLs and seed files; run it again on the same directory to resume.",
	  0, -1 },
	{ "status", OPT_CMD_STATUS, "[OPTIONS]",
	  "Show the progress of a crawl, also while it runs.", 0, 0 },
	{ "why", OPT_CMD_WHY, "[OPTIONS] URL",
	  "Explain what happened to a URL and why.", 1, 1 },
	{ "export", OPT_CMD_EXPORT, "[OPTIONS]",
	  "Write the crawled pages as JSON Lines, CSV or WARC, also while a crawl runs.",
	  0, 0 },
	{ "show", OPT_CMD_SHOW, "[OPTIONS] URL",
	  "Print the stored response (headers and body) of a URL.", 1, 1 },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char units_help[] =
	"SECONDS may be fractional or carry a unit (500ms, 2m, 1h, 1d); SIZE takes\n"
	"k, M, G or T (powers of 1024).  A flag's --no-NAME form turns it off.\n"
	"The config file is INI: the long names are its keys (concurrency = 32),\n"
	"optionally under [crawl]; the command line overrides it, and repeatable\n"
	"options given on the command line add to the file's values.\n";

__attribute__((format(printf, 2, 3)))
static int fail(char **err, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (err)
		*err = msg;
	else
		free(msg);
	return -1;
}

/* Integer fields come in two widths: int and enums, or long and int64_t. */
_Static_assert(sizeof(int) == 4 && sizeof(enum opt_scope) == 4 &&
	       sizeof(long) == 8, "store_int assumes LP64");

static void store_int(void *field, size_t size, int64_t v)
{
	if (size == sizeof(int32_t)) {
		int32_t x = (int32_t)v;
		memcpy(field, &x, sizeof(x));
	} else {
		memcpy(field, &v, sizeof(v));
	}
}

static int64_t load_int(const void *field, size_t size)
{
	if (size == sizeof(int32_t)) {
		int32_t x;
		memcpy(&x, field, sizeof(x));
		return x;
	}
	int64_t v;
	memcpy(&v, field, sizeof(v));
	return v;
}

static void format_size(char *buf, size_t size, int64_t v)
{
	static const char suffixes[] = "kMGT";
	int unit = 0;

	while (unit < 4 && v != 0 && v % ((int64_t)1024 << (10 * unit)) == 0)
		unit++;
	if (unit == 0)
		snprintf(buf, size, "%" PRId64, v);
	else
		snprintf(buf, size, "%" PRId64 "%c", v >> (10 * unit),
			 suffixes[unit - 1]);
}

/* The shortest text that reads back as the same double. */
static void format_double(char *buf, size_t size, double v)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static void join_names(const char *const *names, const char *sep, char *buf,
		       size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; names[i] && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s",
				 i ? sep : "", names[i]);
		if (n < 0)
			return;
		used += (size_t)n;
	}
}

static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "1", "on" };
	static const char *const no[] = { "no", "false", "0", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Overflow saturates, so it is reported as out of range, not as a typo. */
static int parse_long(const char *s, int64_t *out)
{
	const char *digits = (*s == '-' || *s == '+') ? s + 1 : s;

	if (!*digits)
		return -1;
	for (const char *p = digits; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	*out = strtoll(s, NULL, 10);
	return 0;
}

static int parse_seconds(const char *s, double *out)
{
	static const struct {
		const char *unit;
		double scale;
	} units[] = { { "", 1 }, { "s", 1 }, { "ms", 0.001 }, { "m", 60 },
		      { "h", 3600 }, { "d", 86400 } };
	const char *num = (*s == '-' || *s == '+') ? s + 1 : s;
	char *end;

	/* strtod would also take inf, nan and hex floats */
	if (!(isdigit((unsigned char)*num) || *num == '.') || strpbrk(s, "xX"))
		return -1;
	double v = strtod(s, &end);
	if (end == s)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			*out = v * units[i].scale;
			return 0;
		}
	}
	return -1;
}

static int parse_size(const char *s, int64_t *out)
{
	static const char suffixes[] = "kmgt";
	char *end;
	int shift = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end) {
		const char *unit = strchr(suffixes, tolower((unsigned char)*end));
		if (!unit || end[1])
			return -1;
		shift = 10 * (int)(unit - suffixes + 1);
	}
	if (errno == ERANGE || v > ((unsigned long long)INT64_MAX >> shift))
		*out = INT64_MAX;
	else
		*out = (int64_t)(v << shift);
	return 0;
}

static int set_bool(struct opt_config *cfg, const struct opt_row *row,
		    const char *value, char **err)
{
	int b = 1;

	if (value && parse_bool(value, &b) < 0)
		return fail(err, "--%s: '%s' is not yes or no", row->name, value);
	store_int((char *)cfg + row->off, row->size, b);
	return 0;
}

static int set_long(struct opt_config *cfg, const struct opt_row *row,
		    const char *value, char **err)
{
	int64_t v;

	if (parse_long(value, &v) < 0)
		return fail(err, "--%s: '%s' is not a whole number", row->name,
			    value);
	if (v < row->min || v > row->max)
		return fail(err, "--%s: %s is out of range (%.0f..%.0f)",
			    row->name, value, row->min, row->max);
	store_int((char *)cfg + row->off, row->size, v);
	return 0;
}

static int set_seconds(struct opt_config *cfg, const struct opt_row *row,
		       const char *value, char **err)
{
	double v;

	if (parse_seconds(value, &v) < 0)
		return fail(err, "--%s: '%s' is not a duration (use e.g. 1.5, 500ms, 2m, 1h, 1d)",
			    row->name, value);
	if (!(v >= row->min && v <= row->max))
		return fail(err, "--%s: %s is out of range (%g..%g seconds)",
			    row->name, value, row->min, row->max);
	memcpy((char *)cfg + row->off, &v, sizeof(v));
	return 0;
}

static int set_size(struct opt_config *cfg, const struct opt_row *row,
		    const char *value, char **err)
{
	char lo[32], hi[32];
	int64_t v;

	if (parse_size(value, &v) < 0)
		return fail(err, "--%s: '%s' is not a size (use e.g. 500k, 10M, 1G)",
			    row->name, value);
	if (v < row->min || v > row->max) {
		format_size(lo, sizeof(lo), (int64_t)row->min);
		format_size(hi, sizeof(hi), (int64_t)row->max);
		return fail(err, "--%s: %s is out of range (%s..%s)", row->name,
			    value, lo, hi);
	}
	store_int((char *)cfg + row->off, row->size, v);
	return 0;
}

static int set_string(struct opt_config *cfg, const struct opt_row *row,
		      const char *value, char **err)
{
	char **field = (char **)((char *)cfg + row->off);
	char *copy = strdup(value);

	if (!copy)
		return fail(err, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

static int list_append(struct opt_strlist *list, const char *value, char **err)
{
	char *copy = strdup(value);
	char **items = copy ? realloc(list->items, (list->n + 1) * sizeof(*items))
			    : NULL;

	if (!items) {
		free(copy);
		return fail(err, "out of memory");
	}
	items[list->n++] = copy;
	list->items = items;
	return 0;
}

static void list_free(struct opt_strlist *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->n = 0;
	list->stored = 0;
}

static int set_list(struct opt_config *cfg, const struct opt_row *row,
		    const char *value, char **err)
{
	struct opt_strlist *list = (struct opt_strlist *)((char *)cfg + row->off);

	if (list->stored)
		list_free(list);
	return list_append(list, value, err);
}

static int set_enum(struct opt_config *cfg, const struct opt_row *row,
		    const char *value, char **err)
{
	char names[128];

	for (size_t i = 0; row->names[i]; i++) {
		if (strcmp(value, row->names[i]) == 0) {
			store_int((char *)cfg + row->off, row->size, (int64_t)i);
			return 0;
		}
	}
	join_names(row->names, ", ", names, sizeof(names));
	return fail(err, "--%s: '%s' is not one of %s", row->name, value, names);
}

static int (*const setters[])(struct opt_config *, const struct opt_row *,
			      const char *, char **) = {
	[OPT_BOOL] = set_bool,     [OPT_LONG] = set_long,
	[OPT_SECONDS] = set_seconds, [OPT_SIZE] = set_size,
	[OPT_STRING] = set_string, [OPT_LIST] = set_list,
	[OPT_ENUM] = set_enum,
};

static int set_row(struct opt_config *cfg, const struct opt_row *row,
		   const char *value, char **err)
{
	if (!value && row->type != OPT_BOOL)
		return fail(err, "--%s: missing value", row->name);
	if (row->check && row->check(row, value, err) < 0)
		return -1;
	return setters[row->type](cfg, row, value, err);
}

struct dns_server {
	const char *host, *port; /* port keeps its ':' */
	size_t host_len, port_len;
	int family;
};

/* IPv4[:PORT], [IPv6][:PORT] or a bare IPv6 address. */
static void split_server(const char *item, size_t len, struct dns_server *s)
{
	const char *end = item + len;
	const char *colon = memchr(item, ':', len);
	const char *close = len && *item == '[' ? memchr(item, ']', len) : NULL;

	*s = (struct dns_server){ .host = item, .host_len = len, .family = AF_INET };
	if (close) {
		s->host = item + 1;
		s->host_len = (size_t)(close - s->host);
		s->port = close + 1;
		s->family = AF_INET6;
	} else if (colon && !memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
		s->host_len = (size_t)(colon - item);
		s->port = colon;
	} else if (colon) {
		s->family = AF_INET6;
	}
	if (s->port)
		s->port_len = (size_t)(end - s->port);
}

static bool valid_port(const char *p, size_t len)
{
	long num = 0;

	if (len < 2 || len > 6 || p[0] != ':')
		return false;
	for (size_t i = 1; i < len; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		num = num * 10 + (p[i] - '0');
	}
	return num >= 1 && num <= 65535;
}

static int check_dns_server(const struct opt_row *row, const char *item,
			    size_t len, char **err)
{
	char host[INET6_ADDRSTRLEN];
	unsigned char addr[sizeof(struct in6_addr)];
	struct dns_server s;

	split_server(item, len, &s);
	if (s.host_len < sizeof(host)) {
		memcpy(host, s.host, s.host_len);
		host[s.host_len] = '\0';
	}
	if (s.host_len >= sizeof(host) || inet_pton(s.family, host, addr) != 1)
		return fail(err, "--%s: '%.*s' is not an IP address", row->name,
			    (int)s.host_len, s.host);
	if (s.port_len && !valid_port(s.port, s.port_len))
		return fail(err, "--%s: '%.*s' has no valid port (1..65535)",
			    row->name, (int)len, item);
	return 0;
}

static int check_dns_servers(const struct opt_row *row, const char *value,
			     char **err)
{
	const char *item = value;

	for (;;) {
		size_t len = strcspn(item, ",");
		if (check_dns_server(row, item, len, err) < 0)
			return -1;
		if (!item[len])
			return 0;
		item += len + 1;
	}
}

/* Finds a row by long name (`len` bytes of `name`); "no-NAME" of a flag
 * turns *value into "no".  `dashes` prefixes the name in messages. */
/* RFC 9110 token characters, for header names. */
static bool is_tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int check_header(const struct opt_row *row, const char *value, char **err)
{
	const char *colon = strchr(value, ':');
	const char *p = value;

	while (colon && p < colon && is_tchar(*p))
		p++;
	if (!colon || colon == value || p != colon || strpbrk(value, "\r\n"))
		return fail(err, "--%s: '%s' is not 'Name: value' (a token name, no line breaks)",
			    row->name, value);
	return 0;
}

static int check_user(const struct opt_row *row, const char *value, char **err)
{
	if (!strchr(value, ':') || value[0] == ':')
		return fail(err, "--%s: expected USER:PASS", row->name);
	return 0;
}

static int check_cookie(const struct opt_row *row, const char *value, char **err)
{
	const char *eq = strchr(value, '=');

	if (!eq || eq == value || strpbrk(value, ";\r\n\t "))
		return fail(err, "--%s: '%s' is not NAME=VALUE", row->name, value);
	return 0;
}

int opt_proxy_valid(const char *url)
{
	static const char *const schemes[] = {"http://", "https://", "socks5://", "socks5h://"};
	const char *rest = NULL;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]) && !rest; i++)
		if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
			rest = url + strlen(schemes[i]);
	if (!rest || strpbrk(url, " \t\r\n"))
		return 0;
	const char *at = strrchr(rest, '@');
	const char *host = at ? at + 1 : rest;
	size_t len = strcspn(host, "/");
	const char *name_end = host + len;
	if (host[0] == '[') {
		const char *bracket = memchr(host, ']', len);
		if (!bracket)
			return 0;
		name_end = bracket + 1;
	} else if (memchr(host, ':', len)) {
		name_end = memchr(host, ':', len);
	}
	if (name_end == host || (host[len] && strcmp(host + len, "/") != 0))
		return 0;
	if (name_end == host + len)
		return 1;
	return valid_port(name_end, (size_t)(host + len - name_end)); /* ":PORT" */
}

static int check_proxy(const struct opt_row *row, const char *value, char **err)
{
	if (!opt_proxy_valid(value))
		return fail(err, "--%s: not a proxy URL (http://, https://, socks5:// or"
			    " socks5h:// [USER:PASS@]HOST[:PORT])", row->name);
	return 0;
}

/* Only the shape: a JSON object or array; the server judges the rest. */
static int check_json(const struct opt_row *row, const char *value, char **err)
{
	const char *p = value + strspn(value, " \t\r\n");

	if (*p != '{' && *p != '[')
		return fail(err, "--%s: expected a JSON object or array", row->name);
	return 0;
}

static int check_socket(const struct opt_row *row, const char *value, char **err)
{
	struct stat st;

	if (stat(value, &st) < 0)
		return fail(err, "--%s: %s: %s", row->name, value, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return fail(err, "--%s: %s is not a socket", row->name, value);
	return 0;
}

/* A file written at the end of a run: its folder must take it, found out
 * now rather than after the crawl. */
static int check_writable(const struct opt_row *row, const char *value, char **err)
{
	const char *slash = strrchr(value, '/');
	char dir[4096];

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - value) + 1 : 1,
		 slash ? value : ".");
	if (access(dir, W_OK | X_OK) < 0)
		return fail(err, "--%s: cannot write in %s: %s", row->name, dir, strerror(errno));
	return 0;
}

static int check_readable(const struct opt_row *row, const char *value, char **err)
{
	FILE *f = fopen(value, "r");

	if (!f)
		return fail(err, "--%s: %s: %s", row->name, value, strerror(errno));
	fclose(f);
	return 0;
}

/* sha256//BASE64 of 32 bytes (44 characters with padding), ';'-separated. */
static int check_pins(const struct opt_row *row, const char *value, char **err)
{
	for (const char *p = value; *p;) {
		size_t n = strcspn(p, ";");
		size_t b64 = strspn(p + 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
		if (n != 52 || strncmp(p, "sha256//", 8) != 0 || b64 < 44)
			return fail(err, "--%s: '%.*s' is not sha256//BASE64 (44 characters)",
				    row->name, (int)n, p);
		p += n + (p[n] == ';');
	}
	return 0;
}

static const struct opt_row *lookup(const char *name, size_t len,
				    const char *dashes, const char **value,
				    char **err)
{
	bool negated = len > 3 && strncmp(name, "no-", 3) == 0;

	for (size_t i = 0; i < N_ROWS; i++) {
		const char *want = rows[i].name;
		if (strlen(want) == len && strncmp(name, want, len) == 0)
			return &rows[i];
		if (negated && rows[i].type == OPT_BOOL &&
		    strlen(want) == len - 3 && strncmp(name + 3, want, len - 3) == 0) {
			if (*value) {
				fail(err, "%sno-%s does not take a value", dashes, want);
				return NULL;
			}
			*value = "no";
			return &rows[i];
		}
	}
	fail(err, "unknown option '%s%.*s'", dashes, (int)len, name);
	return NULL;
}

static const struct opt_row *find_short(char letter)
{
	for (size_t i = 0; i < N_ROWS; i++)
		if (rows[i].letter == letter)
			return &rows[i];
	return NULL;
}

static const struct opt_cmd_info *find_command(const char *name,
					       enum opt_command cmd)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (name ? strcmp(name, commands[i].name) == 0
			 : commands[i].cmd == cmd)
			return &commands[i];
	return NULL;
}

void opt_config_init(struct opt_config *cfg)
{
	char *err = NULL;

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < N_ROWS; i++) {
		if (rows[i].def && set_row(cfg, &rows[i], rows[i].def, &err) < 0) {
			fprintf(stderr, "crawler: default of --%s: %s\n",
				rows[i].name, err ? err : "out of memory");
			abort();
		}
	}
}

void opt_config_free(struct opt_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < N_ROWS; i++) {
		void *field = (char *)cfg + rows[i].off;
		if (rows[i].type == OPT_STRING)
			free(*(char **)field);
		else if (rows[i].type == OPT_LIST)
			list_free(field);
	}
	list_free(&cfg->urls);
	memset(cfg, 0, sizeof(*cfg));
}

int opt_set(struct opt_config *cfg, const char *name, const char *value,
	    char **err)
{
	const struct opt_row *row = lookup(name, strlen(name), "--", &value, err);

	return row ? set_row(cfg, row, value, err) : -1;
}

/* ---- config file ---- */

struct file_ctx {
	struct opt_config *cfg;
	char *msg; /* the first error, without FILE:LINE (inih knows the line) */
};

static int on_ini_pair(void *user, const char *section, const char *name,
		       const char *value)
{
	struct file_ctx *ctx = user;
	const struct opt_row *row;

	if (*section && strcmp(section, "crawl") != 0) {
		fail(&ctx->msg, "unknown section [%s] (expected [crawl])", section);
		return 0;
	}
	row = lookup(name, strlen(name), "", &value, &ctx->msg);
	if (!row)
		return 0;
	if (row->flags & OPT_F_CLI_ONLY) {
		fail(&ctx->msg, "'%s' cannot be set in a config file", name);
		return 0;
	}
	return set_row(ctx->cfg, row, value, &ctx->msg) == 0;
}

/* Debian's libinih exposes its build options as globals: values keep ';'
 * (user agents, regexes), indented lines are errors rather than silent
 * continuations, and lines may be long (regexes). */
static void configure_inih(void)
{
	ini_stop_on_first_error = true;
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 64 * 1024;
}

int opt_load_file(struct opt_config *cfg, const char *path, char **err)
{
	struct file_ctx ctx = { cfg, NULL };
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (!f)
		return fail(err, "%s: cannot read: %s", path, strerror(errno));
	configure_inih();
	errno = 0;
	int line = ini_parse_file(f, on_ini_pair, &ctx);
	if (ferror(f))
		rc = fail(err, "%s: cannot read: %s", path, strerror(errno));
	else if (line == -2)
		rc = fail(err, "%s: out of memory", path);
	else if (line != 0)
		rc = fail(err, "%s:%d: %s", path, line,
			  ctx.msg ? ctx.msg : "expected NAME = VALUE or [crawl]");
	free(ctx.msg);
	fclose(f);
	return rc;
}

/* ---- command line ---- */

/* The command line is walked twice with the same rules: first to find
 * --config (the file must be loaded before the line overrides it), then to
 * apply everything else. */
enum pass { PASS_PRESCAN, PASS_APPLY };

static int apply(struct opt_config *cfg, const struct opt_row *row,
		 const char *value, enum pass pass, char **err)
{
	if (!(row->cmds & cfg->command))
		return fail(err, "--%s does not apply to '%s'", row->name,
			    find_command(NULL, cfg->command)->name);
	if ((pass == PASS_PRESCAN) != !!(row->flags & OPT_F_PRESCAN))
		return 0;
	return set_row(cfg, row, value, err);
}

static int long_arg(struct opt_config *cfg, int argc, char **argv, int *i,
		    enum pass pass, char **err)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	const char *value = eq ? eq + 1 : NULL;
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt_row *row = lookup(name, len, "--", &value, err);

	if (!row)
		return -1;
	if (!value && row->type != OPT_BOOL && *i + 1 < argc)
		value = argv[++*i];
	return apply(cfg, row, value, pass, err);
}

/* Bundled flags (-qp); a letter that takes a value ends the bundle and takes
 * the rest (-c16) or the next argument (-c 16). */
static int short_args(struct opt_config *cfg, int argc, char **argv, int *i,
		      enum pass pass, char **err)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		const struct opt_row *row = find_short(*p);
		if (!row)
			return fail(err, "unknown option '-%c'", *p);
		if (row->type == OPT_BOOL) {
			if (apply(cfg, row, NULL, pass, err) < 0)
				return -1;
			continue;
		}
		const char *value = p[1] ? p + 1 : NULL;
		if (!value && *i + 1 < argc)
			value = argv[++*i];
		return apply(cfg, row, value, pass, err);
	}
	return 0;
}

static int walk_args(struct opt_config *cfg, int argc, char **argv,
		     enum pass pass, char **err)
{
	bool options = true;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		int rc = 0;
		if (options && strcmp(a, "--") == 0)
			options = false;
		else if (options && a[0] == '-' && a[1] == '-')
			rc = long_arg(cfg, argc, argv, &i, pass, err);
		else if (options && a[0] == '-' && a[1])
			rc = short_args(cfg, argc, argv, &i, pass, err);
		else if (pass == PASS_APPLY)
			rc = list_append(&cfg->urls, a, err);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int check_urls(const struct opt_config *cfg,
		      const struct opt_cmd_info *cmd, char **err)
{
	long n = (long)cfg->urls.n;

	if (cfg->help || cfg->version)
		return 0;
	if (cmd->max_urls == 0 && n > 0)
		return fail(err, "'%s' takes no URL (got '%s')", cmd->name,
			    cfg->urls.items[0]);
	if (n < cmd->min_urls || (cmd->max_urls >= 0 && n > cmd->max_urls))
		return fail(err, "'%s' takes exactly one URL (got %ld)",
			    cmd->name, n);
	return 0;
}

/* `crawler help [COMMAND]` and the hidden `crawler help --markdown`. */
static int parse_help(struct opt_config *cfg, int argc, char **argv, char **err)
{
	cfg->help = 1;
	if (argc < 3)
		return 0;
	if (argc > 3)
		return fail(err, "help takes at most one command");
	if (strcmp(argv[2], "--markdown") == 0) {
		cfg->help_markdown = 1;
		return 0;
	}
	const struct opt_cmd_info *cmd = find_command(argv[2], 0);
	if (!cmd)
		return fail(err, "unknown command '%s' (expected crawl, status, why, export or show)",
			    argv[2]);
	cfg->command = cmd->cmd;
	return 0;
}

int opt_parse(struct opt_config *cfg, int argc, char **argv, char **err)
{
	const char *first = argc > 1 ? argv[1] : NULL;

	if (!first)
		return fail(err, "missing command (expected crawl, status, why, export or show); try 'crawler --help'");
	if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0) {
		cfg->help = 1;
		return 0;
	}
	if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0) {
		cfg->version = 1;
		return 0;
	}
	if (strcmp(first, "help") == 0)
		return parse_help(cfg, argc, argv, err);
	const struct opt_cmd_info *cmd = find_command(first, 0);
	if (!cmd)
		return fail(err, "unknown command '%s' (expected crawl, status, why, export or show)",
			    first);
	cfg->command = cmd->cmd;
	if (walk_args(cfg, argc, argv, PASS_PRESCAN, err) < 0)
		return -1;
	if (cfg->config_file && opt_load_file(cfg, cfg->config_file, err) < 0)
		return -1;
	if (walk_args(cfg, argc, argv, PASS_APPLY, err) < 0)
		return -1;
	return check_urls(cfg, cmd, err);
}

/* ---- a resumed crawl's stored configuration ---- */

static bool stored_row(const struct opt_row *row)
{
	return (row->cmds & OPT_CMD_CRAWL) &&
	       !(row->flags & (OPT_F_CLI_ONLY | OPT_F_PER_RUN)) && row->secret == SECRET_NONE;
}

/* Keys the stored text has but this version does not know are skipped: the
 * crawl may have been started by another version. */
static int on_stored_pair(void *user, const char *section, const char *name,
			  const char *value)
{
	struct file_ctx *ctx = user;
	const struct opt_row *row = NULL;

	for (size_t i = 0; i < N_ROWS && !row; i++)
		if (strcmp(rows[i].name, name) == 0)
			row = &rows[i];
	(void)section;
	if (!row || !stored_row(row))
		return 1;
	return set_row(ctx->cfg, row, value, &ctx->msg) == 0;
}

static int load_stored(struct opt_config *cfg, const char *stored, char **err)
{
	struct file_ctx ctx = { cfg, NULL };
	int rc = 0;

	configure_inih();
	int line = ini_parse_string(stored, on_stored_pair, &ctx);
	if (line != 0)
		rc = fail(err, "the crawl's stored configuration, line %d: %s", line,
			  ctx.msg ? ctx.msg : "not INI");
	free(ctx.msg);
	for (size_t i = 0; i < N_ROWS; i++)
		if (rows[i].type == OPT_LIST && stored_row(&rows[i]))
			((struct opt_strlist *)((char *)cfg + rows[i].off))->stored = 1;
	return rc;
}

static void dump_row(FILE *out, const struct opt_config *cfg,
		     const struct opt_row *row);

/* A row's value as the dump writes it, values of a list joined by ", ";
 * malloc'ed, NULL when memory ran out. */
static char *row_value(const struct opt_config *cfg, const struct opt_row *row)
{
	char *text = NULL, *value = NULL;
	size_t len = 0, prefix = strlen(row->name) + 3;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	dump_row(out, cfg, row);
	if (fclose(out) != 0 || !(value = calloc(1, len + 1))) {
		free(text);
		return NULL;
	}
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		if (*value)
			strcat(value, ", ");
		strcat(value, line + prefix);
	}
	free(text);
	return value;
}

static void log_changes(const struct opt_config *was, const struct opt_config *now,
			FILE *log)
{
	for (size_t i = 0; i < N_ROWS; i++) {
		if (!stored_row(&rows[i]))
			continue;
		char *a = row_value(was, &rows[i]), *b = row_value(now, &rows[i]);
		if (a && b && strcmp(a, b) != 0)
			fprintf(log, "crawler: --%s changed from '%s' to '%s'"
				" (stored crawl configuration)\n", rows[i].name, a, b);
		free(a);
		free(b);
	}
}

int opt_parse_resumed(struct opt_config *cfg, const char *stored, int argc,
		      char **argv, FILE *log, char **err)
{
	struct opt_config was;
	int rc;

	opt_config_init(&was);
	if (load_stored(&was, stored, err) < 0 || load_stored(cfg, stored, err) < 0) {
		opt_config_free(&was);
		return -1;
	}
	rc = opt_parse(cfg, argc, argv, err);
	if (rc == 0 && log && !cfg->quiet)
		log_changes(&was, cfg, log);
	opt_config_free(&was);
	return rc;
}

/* ---- help, Markdown, dump ---- */

static void row_label(const struct opt_row *row, char *buf, size_t size)
{
	char arg[128] = "";
	int n;

	if (row->names)
		join_names(row->names, "|", arg, sizeof(arg));
	else if (row->arg)
		snprintf(arg, sizeof(arg), "%s", row->arg);
	if (row->letter)
		n = snprintf(buf, size, "-%c, --%s", row->letter, row->name);
	else
		n = snprintf(buf, size, "    --%s", row->name);
	if (*arg && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " %s", arg);
}

/* Length of the word at s; a parenthesized group counts as one word. */
static int word_len(const char *s)
{
	int depth = 0, n = 0;

	for (; s[n] && (s[n] != ' ' || depth > 0); n++)
		depth += (s[n] == '(') - (s[n] == ')');
	return n;
}

/* Writes words from column `indent` on, wrapping before column 80. */
static void print_wrapped(FILE *out, int indent, const char *text)
{
	int col = indent;

	while (*text) {
		int word = word_len(text);
		if (col > indent && col + 1 + word > 79) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fwrite(text, 1, (size_t)word, out);
		col += word;
		text += word;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

static void print_overview(FILE *out)
{
	fputs("Usage: crawler COMMAND [OPTIONS] [URL...]\n\nCommands:\n", out);
	for (size_t i = 0; i < N_COMMANDS; i++) {
		fprintf(out, "  %-7s ", commands[i].name);
		print_wrapped(out, 10, commands[i].summary);
	}
	fputs("\nRun 'crawler help COMMAND' for the options of a command.\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n", out);
}

void opt_print_help(FILE *out, enum opt_command cmd)
{
	const struct opt_cmd_info *info = find_command(NULL, cmd);
	char label[160], text[320];
	int width = 0;

	if (!info) {
		print_overview(out);
		return;
	}
	fprintf(out, "Usage: crawler %s %s\n", info->name, info->args);
	print_wrapped(out, 0, info->summary);
	fputs("\nOptions:\n", out);
	for (size_t i = 0; i < N_ROWS; i++) {
		row_label(&rows[i], label, sizeof(label));
		if ((rows[i].cmds & cmd) && (int)strlen(label) > width)
			width = (int)strlen(label);
	}
	for (size_t i = 0; i < N_ROWS; i++) {
		if (!(rows[i].cmds & cmd))
			continue;
		row_label(&rows[i], label, sizeof(label));
		snprintf(text, sizeof(text), "%s%s%s%s%s", rows[i].help,
			 rows[i].def ? " (default: " : "",
			 rows[i].def ? rows[i].def : "", rows[i].def ? ")" : "",
			 rows[i].type == OPT_LIST ? " (repeatable)" : "");
		fprintf(out, "  %-*s  ", width, label);
		print_wrapped(out, width + 4, text);
	}
	if (cmd == OPT_CMD_CRAWL)
		fprintf(out, "\n%s", units_help);
}

/* Markdown table cells: '|' would end the cell. */
static void md_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', out);
		fputc(*s, out);
	}
}

static void md_commands(FILE *out, unsigned cmds)
{
	const char *sep = "";

	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (cmds & commands[i].cmd) {
			fprintf(out, "%s%s", sep, commands[i].name);
			sep = ", ";
		}
	}
}

void opt_print_markdown(FILE *out)
{
	char label[160];

	fputs("# crawler options\n\n"
	      "Generated from the option table in `config/opt.c` "
	      "(`crawler help --markdown`); do not edit by hand.\n\n"
	      "## Commands\n\n", out);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "- `crawler %s %s`: %s\n", commands[i].name,
			commands[i].args, commands[i].summary);
	fputs("\n## Options\n\n| Option | Default | Commands | Description |\n"
	      "|---|---|---|---|\n", out);
	for (size_t i = 0; i < N_ROWS; i++) {
		row_label(&rows[i], label, sizeof(label));
		fputs("| `", out);
		md_cell(out, label + strspn(label, " "));
		fputs(rows[i].def ? "` | `" : "` | ", out);
		md_cell(out, rows[i].def ? rows[i].def : "");
		fputs(rows[i].def ? "` | " : " | ", out);
		md_commands(out, rows[i].cmds);
		fputs(" | ", out);
		md_cell(out, rows[i].help);
		fputs(rows[i].type == OPT_LIST ? " (repeatable) |\n" : " |\n", out);
	}
	fprintf(out, "\n## Values and the config file\n\n%s", units_help);
}

/* A secret as the dump shows it: the user name, if any, then "***", then
 * (in a URL) what follows the credentials. */
static void dump_secret(FILE *out, const struct opt_row *row, const char *value)
{
	const char *user = value, *end = value + strlen(value);
	if (row->secret == SECRET_URL) {
		const char *scheme_end = strstr(value, "://"), *at = strrchr(value, '@');
		if (!scheme_end || !at) {
			fprintf(out, "%s = %s\n", row->name, value); /* no credentials */
			return;
		}
		user = scheme_end + 3;
		end = at;
	}
	const char *colon = memchr(user, ':', (size_t)(end - user));
	if (row->secret == SECRET_ALL || !colon)
		fprintf(out, "%s = %.*s***%s\n", row->name, row->secret == SECRET_URL ?
			(int)(user - value) : 0, value, row->secret == SECRET_URL ? end : "");
	else
		fprintf(out, "%s = %.*s:***%s\n", row->name, (int)(colon - value), value,
			row->secret == SECRET_URL ? end : "");
}

static void dump_row(FILE *out, const struct opt_config *cfg,
		     const struct opt_row *row)
{
	const void *field = (const char *)cfg + row->off;
	char buf[64];
	int64_t v;

	switch (row->type) {
	case OPT_BOOL:
		fprintf(out, "%s = %s\n", row->name,
			load_int(field, row->size) ? "yes" : "no");
		break;
	case OPT_LONG:
		fprintf(out, "%s = %" PRId64 "\n", row->name, load_int(field, row->size));
		break;
	case OPT_SECONDS:
		format_double(buf, sizeof(buf), *(const double *)field);
		fprintf(out, "%s = %s\n", row->name, buf);
		break;
	case OPT_SIZE:
		format_size(buf, sizeof(buf), load_int(field, row->size));
		fprintf(out, "%s = %s\n", row->name, buf);
		break;
	case OPT_STRING:
		if (*(char *const *)field && row->secret != SECRET_NONE)
			dump_secret(out, row, *(char *const *)field);
		else if (*(char *const *)field)
			fprintf(out, "%s = %s\n", row->name, *(char *const *)field);
		break;
	case OPT_LIST:
		for (size_t i = 0; i < ((const struct opt_strlist *)field)->n; i++)
			fprintf(out, "%s = %s\n", row->name,
				((const struct opt_strlist *)field)->items[i]);
		break;
	case OPT_ENUM:
		v = load_int(field, row->size);
		fprintf(out, "%s = %s\n", row->name, row->names[v]);
		break;
	}
}

char *opt_dump(const struct opt_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	for (size_t i = 0; i < N_ROWS; i++)
		if (!(rows[i].flags & OPT_F_CLI_ONLY))
			dump_row(out, cfg, &rows[i]);
	int failed = ferror(out);
	if (fclose(out) != 0 || failed) {
		free(buf);
		return NULL;
	}
	return buf;
}
