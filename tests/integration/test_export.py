"""`crawler export` and `crawler show` on a real crawl: JSON Lines that jq and
Python load, CSV with the same rows and values, WARC that an independent
reader (warcio.js from npm) reads with every digest correct, filters that
select exactly the expected rows, bodies as decoded text or raw bytes, export
during a crawl, bad input, and constant memory on 100,000 rows."""
import base64
import contextlib
import csv
import datetime
import fcntl
import hashlib
import io
import json
import os
import re
import socket
import sqlite3
import subprocess
import urllib.parse

import pytest

import harness
from test_extract import RULE_NAMES, expected_extracted, export_jsonl, extract_args

PAGES = 120
LATIN1_TEXT = ("<html><head><title>Caf\u00e9 cr\u00e8me</title></head><body>"
	       "<p>Cr\u00e8me br\u00fbl\u00e9e \u00e0 la fran\u00e7aise: 12\u00a0\u00a3, "
	       "\u00bd \u00ff</p></body></html>\n")
RAW_BYTES = bytes(range(256)) * 4
DEFAULT_FIELDS = ["url", "final_url", "status", "content_type", "length", "fetched_at",
		  "depth", "parent", "title", "links", "error", "extracted"]
FIELDS = ["url", "state", "status", "content_type", "length", "depth", "title", "links",
	  "error"] + RULE_NAMES


def fault_routes():
	return {
		"/": {"body": "".join('<a href="%s">x</a>\n' % p for p in (
			"/latin1.html", "/raw.bin", "/gone.html", "/moved"))},
		"/latin1.html": {"content_type": "text/html; charset=iso-8859-1",
				 "body_b64": base64.b64encode(LATIN1_TEXT.encode("latin-1")).decode()},
		"/raw.bin": {"content_type": "application/octet-stream",
			     "body_b64": base64.b64encode(RAW_BYTES).decode()},
		"/moved": {"kind": "redirect", "status": 301,
			   "location": "http://fault.test:{{port}}/latin1.html"},
	}


class Exported:
	"""One crawl of two hosts: the generated site on nginx (site.test) and the
	fault server (fault.test), both resolved by dnsmasq."""

	def __init__(self, servers, workdir, crawler_bin):
		self.dns = servers.dnsmasq({"site.test": "127.0.0.1", "fault.test": "127.0.0.1"})
		self.root = os.path.join(workdir, "site")
		self.nginx = servers.nginx([("site.test", self.root)])
		self.fault = servers.faultserver({"hosts": {"*": fault_routes()}})
		self.site_origin = self.nginx.origin("site.test")
		self.fault_origin = self.fault.origin("fault.test")
		self.manifest = harness.generate_site(self.root, PAGES, self.site_origin,
						      "http://other.test:1", seed=31)
		self.crawler = harness.Crawler(crawler_bin, os.path.join(workdir, "crawl"))
		self.crawler.crawl(self.site_origin + "/", self.fault_origin + "/",
				   "--dns-servers", self.dns.server_arg, *extract_args(), timeout=120)
		self.rows = self.crawler.urls()

	def export(self, *args):
		return self.crawler.run("export", "--dir", self.crawler.dir, *args)

	def served(self, url):
		"""The bytes the server sent for url's body (files for site.test)."""
		if url.startswith(self.fault_origin):
			route = fault_routes()[url[len(self.fault_origin):]]
			if "body_b64" in route:
				return base64.b64decode(route["body_b64"])
			return route.get("body", "").encode()
		path = url[len(self.site_origin):].lstrip("/") or "index.html"
		with open(os.path.join(self.root, path), "rb") as f:
			return f.read()

	def site_pages(self):
		return [self.site_origin + p for p in self.manifest["pages"]]


@pytest.fixture(scope="module")
def ex(module_servers, crawler_bin, tmp_path_factory):
	return Exported(module_servers, str(tmp_path_factory.mktemp("export")), crawler_bin)


def export_ok(ex, *args):
	res = ex.export(*args)
	assert res.rc == 0, res
	return res.stdout


def export_csv(crawler, *args):
	"""`crawler export --format csv ARGS` parsed: the header, then the rows."""
	res = crawler.run("export", "--dir", crawler.dir, "--format", "csv", *args)
	assert res.rc == 0, res
	return list(csv.reader(io.StringIO(res.stdout, newline="")))


def host_of(url):
	return urllib.parse.urlsplit(url).hostname


# ---- JSON Lines

def test_jsonl_loads_with_jq_and_python(ex, tmp_path):
	out = str(tmp_path / "all.jsonl")
	assert export_ok(ex, "--format", "jsonl", "--out", out) == ""
	with open(out, "rb") as f:
		raw = f.read()
	lines = raw.decode("utf-8").splitlines()
	rows = [json.loads(line) for line in lines]
	assert all(isinstance(r, dict) for r in rows)
	assert sorted(r["url"] for r in rows) == sorted(ex.rows), "not one line per URL row"
	jq = subprocess.run(["jq", "-c", "."], input=raw, capture_output=True, timeout=60)
	assert jq.returncode == 0, jq.stderr
	assert [json.loads(line) for line in jq.stdout.decode().splitlines()] == rows
	jq = subprocess.run(["jq", "-s", "map(.url) | length"], input=raw, capture_output=True,
			    timeout=60)
	assert jq.returncode == 0 and int(jq.stdout) == len(ex.rows), jq


def iso_to_epoch(text):
	return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_default_fields_match_the_database(ex):
	rows = export_jsonl(ex.crawler)
	assert rows
	by_id = {r["id"]: r["url"] for r in ex.rows.values()}
	bad = []
	for got in rows:
		db = ex.rows[got["url"]]
		assert list(got) == DEFAULT_FIELDS, list(got)
		for k in ("status", "content_type", "length", "depth", "title", "links", "error"):
			if got.get(k) != db[k]:
				bad.append((got["url"], k, got.get(k), db[k]))
		if got.get("parent") != by_id.get(db["parent_id"]):
			bad.append((got["url"], "parent", got.get("parent"), by_id.get(db["parent_id"])))
		if db["fetched_at"] is not None and abs(
				iso_to_epoch(got["fetched_at"]) - db["fetched_at"]) > 1.0:
			bad.append((got["url"], "fetched_at", got["fetched_at"], db["fetched_at"]))
	assert not bad, "(url, field, export, database): %s" % bad[:10]


def test_extracted_values_equal_the_generators(ex):
	rows = export_jsonl(ex.crawler, "--where", "host=site.test", "--where", "state=done",
			    "--fields", "url,extracted")
	got = {r["url"]: r["extracted"] for r in rows}
	bad = []
	for path in ex.manifest["pages"]:
		want = expected_extracted(ex.manifest["data"][path], path)
		if got.get(ex.site_origin + path) != want:
			bad.append((path, got.get(ex.site_origin + path), want))
	assert not bad, "(path, exported, generated): %s" % bad[:5]


def test_fields_selection_and_order(ex):
	for fields in (["status", "url"], ["title", "sku", "url", "depth"], ["tags"]):
		rows = export_jsonl(ex.crawler, "--fields", ",".join(fields))
		assert rows and all(list(r) == fields for r in rows), rows[:3]
		table = export_csv(ex.crawler, "--fields", ",".join(fields))
		assert table[0] == fields
		assert len(table) - 1 == len(rows)


def test_redirect_fields(ex):
	moved, target = ex.fault_origin + "/moved", ex.fault_origin + "/latin1.html"
	rows = export_jsonl(ex.crawler, "--where", "host=fault.test",
			    "--fields", "url,final_url,status,redirects")
	by_url = {r["url"]: r for r in rows}
	assert by_url[moved]["status"] == 301
	assert by_url[moved]["final_url"] == target
	assert by_url[moved]["redirects"] == [
		{"url": moved, "status": 301, "location": target}], by_url[moved]
	assert by_url[target]["final_url"] == target
	assert by_url[target]["redirects"] == []


# ---- CSV

def csv_value(cell, like):
	"""A CSV cell turned into the JSON value it should equal."""
	if like is None:
		return None if cell == "" else cell
	if isinstance(like, (list, dict)):
		return json.loads(cell)
	if isinstance(like, int):
		return int(cell)
	return cell


def test_csv_has_the_same_rows_and_values(ex, tmp_path):
	out = str(tmp_path / "all.csv")
	export_ok(ex, "--format", "csv", "--fields", ",".join(FIELDS), "--out", out)
	with open(out, "rb") as f:
		raw = f.read()
	assert raw.endswith(b"\r\n") and raw.split(b"\r\n", 1)[0] == ",".join(FIELDS).encode()
	with open(out, newline="", encoding="utf-8") as f:
		table = list(csv.reader(f))
	assert table[0] == FIELDS
	jsonl = export_jsonl(ex.crawler, "--fields", ",".join(FIELDS))
	assert len(table) - 1 == len(jsonl)
	bad = []
	for cells, obj in zip(table[1:], jsonl):
		assert len(cells) == len(FIELDS), cells
		for name, cell in zip(FIELDS, cells):
			if csv_value(cell, obj[name]) != obj[name]:
				bad.append((obj["url"], name, cell, obj[name]))
	assert not bad, "(url, field, csv, jsonl): %s" % bad[:10]


def test_csv_gives_each_rule_a_column(ex):
	table = export_csv(ex.crawler, "--fields", "url,extracted", "--where", "state=done")
	header = table[0]
	assert header[0] == "url" and len(header) == 1 + len(RULE_NAMES), header
	assert all(any(h.endswith(n) for h in header[1:]) for n in RULE_NAMES), header


# ---- filters

def db_select(ex, pred):
	return sorted(u for u, r in ex.rows.items() if pred(r))


def content_type_is(r, want):
	ct = (r["content_type"] or "").split(";")[0].strip().lower()
	return ct.startswith(want)


FILTERS = [
	(["state=done"], lambda r: r["state"] == "done"),
	(["state=done,failed"], lambda r: r["state"] in ("done", "failed")),
	(["state=skipped"], lambda r: r["state"] == "skipped"),
	(["status=200-299"], lambda r: r["status"] is not None and 200 <= r["status"] <= 299),
	(["status=404"], lambda r: r["status"] == 404),
	(["status=301,404"], lambda r: r["status"] in (301, 404)),
	(["status=300-399,200"], lambda r: r["status"] is not None and (
		300 <= r["status"] <= 399 or r["status"] == 200)),
	(["content-type=text/html"], lambda r: content_type_is(r, "text/html")),
	(["content-type=TEXT/HTML"], lambda r: content_type_is(r, "text/html")),
	(["content-type=application/octet-stream"],
	 lambda r: content_type_is(r, "application/octet-stream")),
	(["host=fault.test"], lambda r: host_of(r["url"]) == "fault.test"),
	(["host=other.test"], lambda r: host_of(r["url"]) == "other.test"),
	(["host=site.test,fault.test"], lambda r: host_of(r["url"]) in ("site.test", "fault.test")),
	(["host=test"], lambda r: False),
	(["state=done", "host=fault.test", "content-type=text/html"],
	 lambda r: r["state"] == "done" and host_of(r["url"]) == "fault.test" and
	 content_type_is(r, "text/html")),
]


@pytest.mark.parametrize("where,pred", FILTERS, ids=[" ".join(w) for w, _ in FILTERS])
def test_filters_select_exactly_the_expected_rows(ex, where, pred):
	args = []
	for w in where:
		args += ["--where", w]
	want = db_select(ex, pred)
	rows = export_jsonl(ex.crawler, "--fields", "url", *args)
	assert sorted(r["url"] for r in rows) == want
	table = export_csv(ex.crawler, "--fields", "url", *args)
	assert sorted(c[0] for c in table[1:]) == want


def test_filters_cover_real_rows(ex):
	"""The filters above are only meaningful if each kind of row exists."""
	states = {r["state"] for r in ex.rows.values()}
	assert {"done", "failed", "skipped"} <= states, states
	statuses = {r["status"] for r in ex.rows.values()}
	assert {200, 301, 404} <= statuses, statuses


# ---- bodies

def body_of(row):
	assert "body" in row, "no body member: %s" % sorted(row)
	return row["body"]


def test_with_body_text_decodes_the_declared_charset(ex):
	rows = export_jsonl(ex.crawler, "--with-body", "text", "--where", "state=done",
			    "--where", "content-type=text/html", "--fields", "url")
	by_url = {r["url"]: r for r in rows}
	assert body_of(by_url[ex.fault_origin + "/latin1.html"]) == LATIN1_TEXT
	for url in ex.site_pages()[:20]:
		assert body_of(by_url[url]) == ex.served(url).decode("latin-1"), url


def test_with_body_raw_is_base64_of_the_served_bytes(ex):
	rows = export_jsonl(ex.crawler, "--with-body", "raw", "--where", "state=done",
			    "--fields", "url")
	by_url = {r["url"]: r for r in rows}
	urls = ex.site_pages()[:20] + [ex.fault_origin + p for p in ("/latin1.html", "/raw.bin")]
	for url in urls:
		assert base64.b64decode(body_of(by_url[url])) == ex.served(url), url


def test_without_with_body_there_is_no_body(ex):
	assert all("body" not in r for r in export_jsonl(ex.crawler))


# ---- show

def split_response(data):
	head, sep, body = data.partition(b"\r\n\r\n")
	assert sep, "no blank line after the headers: %r" % data[:300]
	lines = head.decode("latin-1").split("\r\n")
	headers = {}
	for line in lines[1:]:
		name, _, value = line.partition(":")
		headers[name.strip().lower()] = value.strip()
	return lines[0], headers, body


def nginx_get(ex, path):
	"""The raw response nginx gives now for path on site.test."""
	with socket.create_connection(("127.0.0.1", ex.nginx.port), timeout=5) as s:
		s.sendall(("GET %s HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n"
			   % path).encode())
		data = b""
		while True:
			chunk = s.recv(65536)
			if not chunk:
				return data
			data += chunk


def show(ex, url):
	p = subprocess.run([ex.crawler.binary, "show", "--dir", ex.crawler.dir, url],
			   capture_output=True, timeout=60, env=harness.clean_env())
	return p.returncode, p.stdout, p.stderr.decode(errors="replace")


@pytest.mark.parametrize("path", ["/", "/s00/t00/p5.html"])
def test_show_prints_what_nginx_served(ex, path):
	rc, out, err = show(ex, ex.site_origin + path)
	assert rc == 0, err
	status, headers, body = split_response(out)
	assert body == ex.served(ex.site_origin + path)
	n_status, n_headers, n_body = split_response(nginx_get(ex, path))
	assert n_body == body
	assert status == n_status == "HTTP/1.1 200 OK"
	for name in ("content-type", "content-length", "last-modified", "etag", "server"):
		assert headers.get(name) == n_headers.get(name), (name, headers, n_headers)


def test_show_prints_a_stored_error_response(ex):
	missing = ex.manifest["missing"][0]
	rc, out, err = show(ex, ex.site_origin + missing)
	assert rc == 0, err
	status, _, body = split_response(out)
	assert status.startswith("HTTP/1.1 404")
	assert body == split_response(nginx_get(ex, missing))[2]


def test_show_canonicalizes_the_url(ex):
	url = ex.site_origin + "/s00/t00/p5.html"
	spelled = url.replace("site.test", "SITE.test").replace("/p5.html", "/x/../p5.html#top")
	assert show(ex, spelled)[:2] == show(ex, url)[:2]


def test_show_unknown_or_unfetched_url(ex):
	rc, out, err = show(ex, ex.site_origin + "/never/linked.html")
	assert rc == 1 and out == b"" and err.startswith("crawler: "), (rc, out, err)
	skipped = next(u for u, r in ex.rows.items() if r["state"] == "skipped")
	rc, out, err = show(ex, skipped)
	assert rc == 1 and out == b"", (rc, out, err)


# ---- WARC, read by warcio.js

NPM_OFFLINE = re.compile(r"ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|"
			 r"ECONNRESET|network", re.I)


@pytest.fixture(scope="session")
def warcio():
	"""NODE_PATH for warcio@2, installed once into a cache directory outside
	the repository; skipped only when the npm registry cannot be reached."""
	for tool in ("node", "npm"):
		if subprocess.run(["sh", "-c", "command -v " + tool], capture_output=True).returncode:
			pytest.skip("%s is not installed (scripts/deps installs it)" % tool)
	prefix = os.path.join(os.environ.get("XDG_CACHE_HOME") or "/tmp", "crawler-npm")
	modules = os.path.join(prefix, "node_modules")
	os.makedirs(prefix, exist_ok=True)
	with open(os.path.join(prefix, ".lock"), "w") as lock:
		fcntl.flock(lock, fcntl.LOCK_EX)
		if not os.path.exists(os.path.join(modules, "warcio", "package.json")):
			p = subprocess.run(["npm", "install", "--prefix", prefix, "--no-audit",
					    "--no-fund", "--no-save", "warcio@2"],
					   capture_output=True, text=True, timeout=300)
			if p.returncode != 0 and NPM_OFFLINE.search(p.stdout + p.stderr):
				pytest.skip("npm registry unreachable: %s" % p.stderr.strip()[-300:])
			assert p.returncode == 0, "npm install warcio@2 failed:\n" + p.stderr
	return modules


def warcio_check(modules, path):
	p = subprocess.run(["node", os.path.join(harness.HERE, "warcio_check.js"), path],
			   capture_output=True, text=True, timeout=120,
			   env=dict(os.environ, NODE_PATH=modules))
	assert p.returncode in (0, 1), "warcio could not read %s: %s" % (path, p.stderr)
	return json.loads(p.stdout)


MAGIC = {"gzip": b"\x1f\x8b", "zstd": b"\x28\xb5\x2f\xfd", "none": b"WARC/1."}


@pytest.mark.parametrize("compress", ["gzip", "none", "zstd"])
def test_warc_export_reads_back_with_warcio(ex, warcio, tmp_path, compress):
	out = str(tmp_path / ("export.warc." + compress))
	export_ok(ex, "--format", "warc", "--compress", compress, "--out", out,
		  "--where", "state=done", "--where", "content-type=text/html,application/octet")
	with open(out, "rb") as f:
		assert f.read(len(MAGIC[compress])) == MAGIC[compress]
	if compress == "zstd":
		plain = str(tmp_path / "export.warc")
		subprocess.run(["zstd", "-dq", out, "-o", plain], check=True, timeout=60)
		out = plain
	result = warcio_check(warcio, out)
	assert result["errors"] == 0, [r for r in result["records"] if
				       "bad" in (r["block_digest"], r["payload_digest"]) or not r["length_ok"]]
	check_warc_records(ex, result["records"])


def check_warc_records(ex, records):
	want = db_select(ex, lambda r: r["state"] == "done" and (
		content_type_is(r, "text/html") or content_type_is(r, "application/octet")))
	responses = [r for r in records if r["type"] == "response"]
	assert sorted(r["uri"] for r in responses) == want
	requests = {r["id"]: r for r in records if r["type"] == "request"}
	assert len(requests) == len(responses)
	for r in responses:
		assert (r["block_digest"], r["payload_digest"]) == ("ok", "ok"), r
		assert r["status"] == ex.rows[r["uri"]]["status"], r
		assert r["payload_sha1"] == hashlib.sha1(ex.served(r["uri"])).hexdigest(), r["uri"]
		req = requests.get(r["concurrent_to"]) or next(
			(q for q in requests.values() if q["concurrent_to"] == r["id"]), None)
		assert req is not None and req["uri"] == r["uri"], ("no request record", r)
		assert req["block_digest"] == "ok", req


# ---- export while a crawl runs

LIVE_PAGES = 60


def test_export_while_a_crawl_runs(servers, crawler):
	routes = {"/": {"body": "".join('<a href="/p%d.html">p</a>\n' % i
					for i in range(LIVE_PAGES))}}
	routes.update({"/p%d.html" % i: {"body": "<title>p%d</title>" % i}
		       for i in range(LIVE_PAGES)})
	fs = servers.faultserver({"latency": 0.1, "hosts": {"*": routes}})
	proc = crawler.start("crawl", "--dir", crawler.dir, "--quiet", "--concurrency", 2,
			     "--per-host", 2, fs.origin() + "/")
	try:
		harness.wait_until(lambda: done_rows(crawler) >= 5 or proc.poll() is not None,
				   30, "5 pages crawled")
		assert proc.poll() is None, "the crawl ended before the export: %s" % (
			proc.communicate(),)
		jsonl = crawler.run("export", "--dir", crawler.dir, "--format", "jsonl")
		table = crawler.run("export", "--dir", crawler.dir, "--format", "csv")
		running = proc.poll() is None
		_, err = proc.communicate(timeout=60)
	finally:
		harness.stop_process(proc)
	assert proc.returncode == 0, err
	assert running, "the crawl ended during the export: pick a slower site"
	assert jsonl.rc == 0, jsonl
	rows = [json.loads(line) for line in jsonl.stdout.splitlines()]
	assert 5 <= sum(r["status"] == 200 for r in rows) < LIVE_PAGES + 1, len(rows)
	assert table.rc == 0, table
	assert len(list(csv.reader(io.StringIO(table.stdout, newline="")))) >= 6
	final = export_jsonl(crawler, "--where", "state=done")
	assert len(final) == LIVE_PAGES + 1


def done_rows(crawler):
	if not os.path.exists(os.path.join(crawler.dir, "crawl.db")):
		return 0
	# the crawl may hold the write lock at this instant: just ask again
	with contextlib.suppress(sqlite3.Error):
		return crawler.query("SELECT count(*) AS n FROM urls WHERE state = 'done'")[0]["n"]
	return 0


# ---- bad input

def assert_usage_error(res, needle):
	assert res.rc == 2, res
	first = res.stderr.strip().splitlines()[0] if res.stderr.strip() else ""
	assert first.startswith("crawler: ") and needle in first, res


@pytest.mark.parametrize("args,needle", [
	(["--fields", "url,nosuch"], "nosuch"),
	(["--format", "xml"], "xml"),
	(["--with-body", "html"], "html"),
	(["--compress", "lz4"], "lz4"),
	(["--where", "status"], "status"),
	(["--where", "status=abc"], "status=abc"),
	(["--where", "status=200-"], "status=200-"),
	(["--where", "nosuch=1"], "nosuch=1"),
	(["--where", "state=bogus"], "state=bogus"),
	(["--where", "=done"], "=done"),
], ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_bad_export_options(ex, args, needle):
	res = ex.export(*args)
	assert_usage_error(res, needle)
	assert res.stdout == ""


def test_export_of_a_dir_without_a_crawl(crawler, tmp_path):
	empty, absent = tmp_path / "empty", tmp_path / "absent"
	empty.mkdir()
	for d in (empty, absent):
		res = crawler.run("export", "--dir", str(d), "--format", "jsonl")
		assert res.rc != 0 and str(d) in res.stderr, res
		assert res.stdout == ""
	assert os.listdir(str(empty)) == [] and not absent.exists()
	res = crawler.run("show", "--dir", str(tmp_path / "absent"), "http://a.test/")
	assert res.rc != 0 and str(tmp_path / "absent") in res.stderr, res


# ---- 100,000 rows in bounded memory

BENCH = os.path.join(harness.SRC, "scripts", "bench-export")
RSS_GROWTH_LIMIT_KB = 8 * 1024


def test_export_of_100k_rows_in_bounded_memory(crawler_bin, tmp_path):
	p = subprocess.run([harness.PYTHON, BENCH, "--json", "--crawler", crawler_bin,
			    "--rows", "10000", "--rows", "100000", "--work", str(tmp_path)],
			   capture_output=True, text=True, timeout=300)
	runs = [json.loads(line) for line in p.stdout.splitlines()]
	assert len(runs) == 4, p
	for r in runs:
		assert r["rc"] == 0, r
		assert r["records"] == r["rows"], r
	for fmt in ("jsonl", "csv"):
		rss = {r["rows"]: r["peak_rss_kb"] for r in runs if r["format"] == fmt}
		print("export %s: peak RSS %d KiB (10k rows), %d KiB (100k rows)" % (
			fmt, rss[10000], rss[100000]))
		assert rss[100000] - rss[10000] < RSS_GROWTH_LIMIT_KB, (fmt, rss)


def test_filters_on_generated_rows(crawler):
	"""bench-export's rows: every 20th failed with 404, hosts h0..h15 in turn."""
	rows = 32000
	subprocess.run([harness.PYTHON, BENCH, "--make-db", crawler.dir, "--rows", str(rows)],
		       check=True, timeout=120)
	failed = export_jsonl(crawler, "--where", "state=failed", "--fields", "url,status")
	assert len(failed) == rows // 20 and all(r["status"] == 404 for r in failed)
	table = export_csv(crawler, "--where", "host=h3.example", "--fields", "url,title")
	assert len(table) - 1 == rows // 16 and all(
		host_of(row[0]) == "h3.example" for row in table[1:])
	assert table[1][1] == 'Page 3, "quoted" \u00e9t\u00e9 \u2014 ok'
