-- crawl.db schema (version 4). SQLite, WAL mode. Readable with the sqlite3 shell
-- while a crawl runs. This file is compiled into the binary (storage/db.c).
--
-- Times are Unix epoch seconds (REAL, fractional). Hashes are url_hash() as a
-- signed 64-bit integer.

CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT
);

-- One row per origin (scheme://host[:port]) the crawl has seen in scope.
CREATE TABLE IF NOT EXISTS hosts (
  id        INTEGER PRIMARY KEY,
  origin    TEXT NOT NULL UNIQUE,   -- "http://example.com:8080"
  host      TEXT NOT NULL,          -- "example.com"
  ip        TEXT,                   -- last address used
  dns_error TEXT                    -- NULL, or why the name did not resolve
);

-- One row per distinct canonical URL ever discovered, fetched or not.
CREATE TABLE IF NOT EXISTS urls (
  id             INTEGER PRIMARY KEY,
  url            TEXT NOT NULL,      -- canonical form (parsers/url.h)
  hash           INTEGER NOT NULL,   -- url_hash(url)
  host_id        INTEGER REFERENCES hosts(id),   -- NULL when never in scope
  state          TEXT NOT NULL,      -- queued | leased | done | failed | skipped
  reason         TEXT,               -- why skipped: scope:host, scope:domain, allow, deny,
                                     -- depth, nofollow, asset, redirects (chain too long),
                                     -- url-length, repeats, host-pages (trap guards)
  depth          INTEGER NOT NULL,   -- links from the nearest seed (redirects keep depth)
  parent_id      INTEGER REFERENCES urls(id),    -- the page it was first found on
  via            TEXT NOT NULL,      -- how it was first found: seed, a, area, link, frame,
                                     -- refresh, img, script, style, icon, media, redirect,
                                     -- sitemap (a sitemap file), listed (in a sitemap)
  redirect_hops  INTEGER NOT NULL DEFAULT 0,     -- position in a redirect chain
  discovered_at  REAL NOT NULL,
  fetched_at     REAL,
  status         INTEGER,            -- HTTP status of the last fetch
  content_type   TEXT,
  length         INTEGER,            -- body bytes received
  title          TEXT,
  links          INTEGER,            -- links found on the page
  error          TEXT,               -- failure class: dns, connect, tls, timeout, http,
                                     -- too_large, redirect, aborted, ...
  error_detail   TEXT,
  warc_segment   INTEGER,            -- response record: crawl-NNNNN.warc.zst
  warc_offset    INTEGER,            -- byte offset of its zstd frame
  warc_length    INTEGER,            -- compressed length of the frame
  warc_request_length INTEGER,       -- the request record's frame, just before it
  payload_digest TEXT,               -- "sha1:BASE32" of the body
  extracted      TEXT,               -- JSON object of --extract fields, when rules apply
  etag           TEXT,               -- ETag of the stored content, sent as If-None-Match
  last_modified  TEXT,               -- Last-Modified of it, sent as If-Modified-Since
  fetch_id       INTEGER,            -- its latest row in fetches
  robots_meta    TEXT,               -- noindex / nofollow from <meta name=robots>
                                     -- and X-Robots-Tag, comma-separated
  lastmod        TEXT,               -- <lastmod> of the sitemap that listed it
  retries        INTEGER NOT NULL DEFAULT 0, -- attempts that failed and were retried
  retry_at       REAL                -- queued for a retry: not before this time
);
CREATE INDEX IF NOT EXISTS urls_hash ON urls(hash);
CREATE INDEX IF NOT EXISTS urls_queued ON urls(host_id, id) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS urls_state ON urls(state);

-- One row per redirect hop.
CREATE TABLE IF NOT EXISTS redirects (
  from_id   INTEGER NOT NULL REFERENCES urls(id),
  to_id     INTEGER REFERENCES urls(id),  -- NULL when Location is not an http(s) URL
  status    INTEGER NOT NULL,
  location  TEXT NOT NULL,                -- the Location header as sent
  at        REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS redirects_from ON redirects(from_id);
CREATE INDEX IF NOT EXISTS redirects_to ON redirects(to_id);

-- The columns of urls describe a page's current content: a revisit answered
-- 304 Not Modified updates fetched_at and fetch_id and keeps the rest.  Every
-- fetch, first or revisit, is a row here.
CREATE TABLE IF NOT EXISTS fetches (
  id             INTEGER PRIMARY KEY,
  url_id         INTEGER NOT NULL REFERENCES urls(id),
  run_id         INTEGER REFERENCES runs(id),
  fetched_at     REAL NOT NULL,
  status         INTEGER,            -- NULL when no response
  error          TEXT,
  error_detail   TEXT,
  length         INTEGER,            -- body bytes received
  record         TEXT,               -- response | revisit | NULL (nothing archived)
  profile        TEXT,               -- revisits: server-not-modified | identical-payload-digest
  warc_segment   INTEGER,
  warc_offset    INTEGER,
  warc_length    INTEGER,
  warc_request_length INTEGER,
  payload_digest TEXT,
  record_id      TEXT,               -- WARC-Record-ID of the record
  warc_date      TEXT                -- its WARC-Date
);
CREATE INDEX IF NOT EXISTS fetches_url ON fetches(url_id);
CREATE INDEX IF NOT EXISTS fetches_payload ON fetches(payload_digest) WHERE record = 'response';

-- How much of each WARC segment the committed rows cover.  A segment is
-- cut back to this on the next start (a crash can leave a torn or
-- unindexed tail); a segment without a row holds no committed record.
CREATE TABLE IF NOT EXISTS segments (
  id             INTEGER PRIMARY KEY,  -- N of crawl-N.warc.zst
  committed_end  INTEGER NOT NULL
);

-- robots.txt of each origin as last fetched (RFC 9309), reused until it
-- expires (--robots-ttl).
CREATE TABLE IF NOT EXISTS robots (
  host_id    INTEGER PRIMARY KEY REFERENCES hosts(id),
  fetched_at REAL NOT NULL,
  expires_at REAL NOT NULL,
  status     INTEGER,        -- of the final answer; NULL when unreachable
  url        TEXT,           -- where it was fetched from, after redirects
  body       BLOB            -- the first 500 KiB of a 2xx answer
);

-- One row per run of `crawler crawl` on this directory.
CREATE TABLE IF NOT EXISTS runs (
  id          INTEGER PRIMARY KEY,
  started_at  REAL NOT NULL,
  ended_at    REAL,
  pid         INTEGER NOT NULL,
  config      TEXT NOT NULL,   -- effective options, INI
  exit_code   INTEGER,
  end_reason  TEXT,            -- finished | time budget | page budget | signal |
                               -- aborted | disk full | fatal
  pages       INTEGER NOT NULL DEFAULT 0,   -- fetches completed in this run
  bytes       INTEGER NOT NULL DEFAULT 0    -- body bytes received in this run
);
