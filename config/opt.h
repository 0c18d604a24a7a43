/* opt: the one option table that drives the command line, the config file
 * (--config FILE, INI, keys = long option names, optional [crawl] section),
 * `--help` and the README's option list.
 *
 * Precedence: built-in defaults < config file < command line.  Every value is
 * validated against the table's bounds when it is set; an error names the
 * option and the offending value (and the file and line for the config file).
 *
 * Ownership: opt_config owns every string and list in it; opt_config_free
 * releases them.  Messages returned through `char **err` are malloc'ed and
 * owned by the caller (NULL only if memory ran out while formatting one).
 */
#ifndef CRAWLER_OPT_H
#define CRAWLER_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_command {
	OPT_CMD_CRAWL = 1,  /* crawler crawl [OPTIONS] [URL...] */
	OPT_CMD_STATUS = 2, /* crawler status [--dir DIR] */
	OPT_CMD_WHY = 4,    /* crawler why [--dir DIR] URL */
	OPT_CMD_EXPORT = 8, /* crawler export [--dir DIR] [--format F] ... */
	OPT_CMD_SHOW = 16,  /* crawler show [--dir DIR] URL */
};

enum opt_format { OPT_FORMAT_JSONL, OPT_FORMAT_CSV, OPT_FORMAT_WARC };
enum opt_with_body { OPT_BODY_NONE, OPT_BODY_TEXT, OPT_BODY_RAW };
enum opt_compress { OPT_COMPRESS_ZSTD, OPT_COMPRESS_GZIP, OPT_COMPRESS_NONE };
enum opt_fsync { OPT_FSYNC_NEVER, OPT_FSYNC_BATCH, OPT_FSYNC_ALWAYS };

enum opt_scope {
	OPT_SCOPE_HOST,   /* the hosts of the seeds (default) */
	OPT_SCOPE_DOMAIN, /* the seeds' registrable domains and their subdomains */
	OPT_SCOPE_ANY,    /* anything reachable (still bounded by depth/pages/allow/deny) */
};

struct opt_strlist {
	char **items;
	size_t n;
	int stored;  /* came from a crawl's stored configuration: the next
		      * value given replaces the list instead of adding to it */
};

struct opt_config {
	enum opt_command command;    /* 0 for `crawler --help|--version` and `crawler help` */
	char *dir;                   /* --dir, default "./crawl" */
	char *config_file;           /* --config */
	struct opt_strlist seeds_files; /* --seeds FILE (repeatable, "-" = stdin) */
	struct opt_strlist urls;     /* positional URLs */
	long concurrency;            /* --concurrency, default 16, 1..10000 */
	long per_host;               /* --per-host, default 4, 1..1000 */
	double delay;                /* --delay SECONDS, default 0, 0..86400 */
	double max_delay;            /* --max-delay SECONDS, cap on any delay, default 60 */
	long per_ip;                 /* --per-ip N transfers per address, default 0 = no cap */
	int auto_throttle;           /* --auto-throttle: delays from latency, 429 and 503 */
	long throttle_target;        /* --throttle-target requests in flight per host, default 1 */
	long retries;                /* --retries N, default 2 */
	double retry_delay;          /* --retry-delay SECONDS, first back-off, default 1 */
	long pause_after;            /* --pause-after N failures in a row, default 5 */
	double pause;                /* --pause SECONDS, first pause, default 30 */
	int robots;                  /* --robots: obey robots.txt, default on */
	double robots_ttl;           /* --robots-ttl SECONDS, default 24h */
	long max_depth;              /* --max-depth, default -1 = unlimited */
	long max_pages;              /* --max-pages per run, default 0 = unlimited */
	double max_time;             /* --max-time SECONDS per run, default 0 = unlimited */
	double grace;                /* --grace SECONDS after a stop, default 10 */
	double revisit_after;        /* --revisit-after SECONDS, default -1 = never */
	int dedup;                   /* --dedup: identical payloads as revisits, default on */
	enum opt_fsync fsync;        /* --fsync never|batch|always, default batch */
	int sitemaps;                /* --sitemaps: seed from robots.txt Sitemap: and /sitemap.xml */
	long max_url_length;         /* --max-url-length, default 2048 */
	long max_repeats;            /* --max-repeats of a path segment, default 3 */
	long max_pages_per_host;     /* --max-pages-per-host, default 0 = unlimited */
	struct opt_strlist strip_query; /* --strip-query REGEX (repeatable) */
	enum opt_scope scope;        /* --scope host|domain|any */
	struct opt_strlist allow;    /* --allow REGEX (repeatable) */
	struct opt_strlist deny;     /* --deny REGEX (repeatable) */
	char *user_agent;            /* --user-agent, default "crawler/VERSION" */
	char *dns_servers;           /* --dns-servers IP[:PORT],... */
	struct opt_strlist headers;  /* --header 'Name: value' (repeatable) */
	char *user;                  /* --user USER:PASS (Basic, seed hosts only) */
	int cookies;                 /* --cookies: one shared jar, default on */
	struct opt_strlist cookie;   /* --cookie NAME=VALUE for the seed hosts */
	char *load_cookies, *save_cookies; /* --load-cookies FILE, --save-cookies FILE */
	char *proxy;                 /* --proxy URL */
	char *proxy_user;            /* --proxy-user USER:PASS */
	char *proxy_list;            /* --proxy-list FILE */
	int trust_env;               /* --trust-env: HTTP(S)_PROXY and NO_PROXY */
	char *login_url;             /* --login-url URL: POST before crawling */
	char *login_data, *login_json; /* its body: form or JSON (one of them) */
	int referer;                 /* --referer: send the parent page, default on */
	int compression;             /* --compression: accept and decode, default on */
	int http11;                  /* --http1.1: no HTTP/2 */
	char *ca_certificate;        /* --ca-certificate FILE */
	char *client_cert, *client_key; /* --client-cert FILE, --client-key FILE */
	char *pinned_pubkey;         /* --pinned-pubkey sha256//BASE64[;...] */
	int insecure;                /* --insecure: no TLS verification */
	char *unix_socket;           /* --unix-socket PATH */
	long max_redirects;          /* --max-redirects N, default 10 */
	double read_timeout;         /* --read-timeout SECONDS, default 0 = none */
	double timeout;              /* --timeout SECONDS whole transfer, default 30 */
	double connect_timeout;      /* --connect-timeout SECONDS, default 10 */
	int64_t max_size;            /* --max-size BYTES (k/M/G suffixes), default 10M */
	int64_t warc_max_size;       /* --warc-max-size BYTES, default 1G */
	int zstd_level;              /* --zstd-level, default 3, 1..19 */
	int page_requisites;         /* --page-requisites: also fetch img/script/css */
	int follow_nofollow;         /* --follow-nofollow: ignore rel/meta nofollow */
	int quiet;                   /* --quiet */
	int progress;                /* --progress auto|bar|log (0 auto, 1 bar, 2 log) */
	double progress_interval;    /* --progress-interval SECONDS for log lines, default 5 */
	struct opt_strlist extract;  /* --extract NAME=xpath:EXPR | NAME=regex:PATTERN
				      * (NAME[] keeps every match) */
	struct opt_strlist extract_url; /* --extract-url NAME=REGEX: rule NAME only
					 * on matching URLs */
	char *status_url;            /* status --url URL: its redirect chain */
	enum opt_format format;      /* export --format jsonl|csv|warc */
	char *fields;                /* export --fields a,b,c (NULL: the default set) */
	struct opt_strlist where;    /* export --where FILTER (repeatable, all must hold) */
	char *out;                   /* export --out FILE, default "-" (stdout) */
	enum opt_with_body with_body; /* export --with-body none|text|raw (jsonl) */
	enum opt_compress compress;  /* export --compress zstd|gzip|none (warc) */
	int help, version;
	int help_markdown;           /* hidden `crawler help --markdown` */
};

/* Fills *cfg with the defaults (the same strings --help shows).  Aborts if
 * memory runs out, as nothing can be done before options exist. */
void opt_config_init(struct opt_config *cfg);

/* Parses argv (argv[0] is the program, argv[1] the subcommand).  Loads the
 * --config file first if one is given anywhere on the line, then applies the
 * command line.  Returns 0, or -1 with *err set ("--max-depth: 'x' is not a
 * number", "crawl.ini:3: unknown option 'foo'", "unknown command 'x'" ...). */
int opt_parse(struct opt_config *cfg, int argc, char **argv, char **err);

/* Loads an INI file into cfg (used by opt_parse; exposed for tests). */
int opt_load_file(struct opt_config *cfg, const char *path, char **err);

/* For a crawl being resumed: parses argv like opt_parse, on top of the
 * configuration the crawl stored (INI from opt_dump): defaults < stored <
 * config file < command line.  Per-run options (directory, seeds, budgets,
 * output) are not taken from the stored text; a repeatable option given
 * again replaces its stored values.  Then writes one line to `log` for each
 * stored option whose value changed.  0, or -1 with *err set. */
int opt_parse_resumed(struct opt_config *cfg, const char *stored, int argc,
		      char **argv, FILE *log, char **err);

/* Sets one option by long name from a string value, as the command line and
 * the config file do.  `value` is NULL for a flag given without value. */
int opt_set(struct opt_config *cfg, const char *name, const char *value,
	    char **err);

/* Whether url is a proxy URL the crawler takes (--proxy, --proxy-list). */
int opt_proxy_valid(const char *url);

/* Writes the usage text for a command, generated from the table; cmd 0
 * writes the overview of the commands. */
void opt_print_help(FILE *out, enum opt_command cmd);

/* Writes the option reference as Markdown (docs/options.md), from the table. */
void opt_print_markdown(FILE *out);

/* Writes every option with its effective value as INI (for the runs table),
 * loadable by opt_load_file.  Returns a malloc'ed string owned by the caller,
 * or NULL if memory ran out. */
char *opt_dump(const struct opt_config *cfg);

/* Frees everything cfg owns (not cfg itself); leaves it re-initializable. */
void opt_config_free(struct opt_config *cfg);

#endif
