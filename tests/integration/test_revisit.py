"""Revisits and payload dedup (issue 5).

- A second run with --revisit-after 0 fetches every page again with
  If-None-Match / If-Modified-Since from the stored validators: nginx answers
  304 for the unchanged pages, which are archived as revisit records
  (server-not-modified) pointing at their first response, and 200 for the 10
  pages changed on disk, which get new response records; the urls table and
  `crawler export` keep giving every page's current body.
- Two URLs with the same body of 1 KiB or more: the second is archived as a
  revisit record (identical-payload-digest) and `crawler show` still prints
  its body; with --no-dedup, and for small bodies, both are responses."""
import json
import os
import random
import subprocess

import pytest

import harness
import warccheck
from test_durability import archive_problems

PAGES = 150
CHANGED = 10
PROFILE = "http://netpreserve.org/warc/1.1/revisit/"


class LoggingNginx(harness.Nginx):
	"""nginx whose access log also has the request's validators."""

	def conf_text(self):
		return super().conf_text().replace(
			'"conn_requests":$connection_requests}',
			'"conn_requests":$connection_requests,'
			'"inm":"$http_if_none_match","ims":"$http_if_modified_since"}')


@pytest.fixture
def nginx(tmp_path):
	server = LoggingNginx(str(tmp_path / "nginx"), [("127.0.0.1", str(tmp_path / "site"))])
	yield server
	server.stop()


def served_file(root, path):
	return os.path.join(root, path.lstrip("/") or "index.html")


def read(path):
	with open(path, "rb") as f:
		return f.read()


def change_pages(root, paths):
	"""Makes each page longer (a new ETag) without touching its links."""
	for i, path in enumerate(paths):
		f = served_file(root, path)
		body = read(f).replace(b"</body>", b"<p>changed %d</p></body>" % i)
		with open(f, "wb") as out:
			out.write(body)


def export_bodies(c):
	res = c.run("export", "--dir", c.dir, "--fields", "url", "--with-body", "text",
		    "--where", "state=done", timeout=60)
	assert res.rc == 0, res
	return {r["url"]: r["body"] for r in map(json.loads, res.stdout.splitlines())}


def fetches_by_run(c, run):
	return {r["url"]: r for r in c.query(
		"SELECT u.url, f.* FROM fetches f JOIN urls u ON u.id = f.url_id WHERE f.run_id = ?",
		run)}


@pytest.fixture
def revisited(nginx, crawler, tmp_path):
	"""A crawl, 10 pages changed on disk, then a run with --revisit-after 0."""
	root = str(tmp_path / "site")
	nginx.start()
	manifest = harness.generate_site(root, PAGES, nginx.origin(), "http://other.test:1",
					 seed=41, page_kb=4)
	crawler.crawl(nginx.origin() + "/")
	old = {p: read(served_file(root, p)) for p in manifest["pages"]}
	changed = set(random.Random(41).sample(manifest["pages"], CHANGED))
	change_pages(root, sorted(changed))
	nginx.reset_log()
	crawler.crawl("--revisit-after", 0)
	pages = {nginx.origin() + p: p for p in manifest["pages"]}
	return nginx, crawler, root, pages, old, {nginx.origin() + p for p in changed}


def test_revisits_send_the_stored_validators(revisited):
	nginx, _, _, pages, _, changed = revisited
	log = {e["uri"]: e for e in nginx.log() if e["uri"] in pages.values()}
	assert set(log) == set(pages.values()), "pages not revisited: %s" % sorted(
		set(pages.values()) - set(log))[:10]
	bare = [e for e in log.values() if not e["inm"] or not e["ims"]]
	assert not bare, "requests without If-None-Match/If-Modified-Since: %s" % bare[:5]
	status = {p: log[p]["status"] for p in log}
	want = {p: 200 if u in changed else 304 for u, p in pages.items()}
	assert status == want


def test_unchanged_pages_get_revisit_records(revisited):
	_, crawler, _, pages, _, changed = revisited
	first, second = fetches_by_run(crawler, 1), fetches_by_run(crawler, 2)
	wrong = [second[u] for u in pages if u not in changed and
		 (second[u]["status"], second[u]["record"], second[u]["profile"]) !=
		 (304, "revisit", "server-not-modified")]
	assert not wrong, harness.describe(wrong)
	records = {}
	for u in set(pages) - changed:
		f = second[u]
		if f["warc_segment"] not in records:
			records[f["warc_segment"]] = warccheck.segment_records(
				crawler.warc_path(f["warc_segment"]))
		rec = records[f["warc_segment"]][f["warc_offset"]][1]
		refers = (rec.get("WARC-Profile"), rec.get("WARC-Refers-To"),
			  rec.get("WARC-Refers-To-Target-URI"), rec.get("WARC-Refers-To-Date"))
		assert refers == (PROFILE + "server-not-modified", first[u]["record_id"], u,
				  first[u]["warc_date"]), u
	assert not archive_problems(crawler)


def test_revisit_record_holds_the_304_head_only(revisited):
	_, crawler, _, pages, _, changed = revisited
	second = fetches_by_run(crawler, 2)
	for u in sorted(set(pages) - changed)[:5]:
		f = second[u]
		headers, _, _, block = warccheck.read_record(
			crawler.warc_path(f["warc_segment"]), f["warc_offset"], f["warc_length"])
		assert headers["WARC-Type"] == "revisit"
		assert block.startswith(b"HTTP/1.1 304 "), block[:100]
		assert block.endswith(b"\r\n\r\n") and block.count(b"\r\n\r\n") == 1, block


def test_changed_pages_get_new_responses(revisited):
	_, crawler, _, pages, _, changed = revisited
	first, second = fetches_by_run(crawler, 1), fetches_by_run(crawler, 2)
	responses = {u for u, f in second.items() if f["record"] == "response" and f["status"] == 200}
	assert responses == changed
	same = [u for u in changed if second[u]["payload_digest"] == first[u]["payload_digest"]]
	assert not same, same


def test_urls_describe_the_current_content(revisited):
	_, crawler, _, pages, _, changed = revisited
	second = fetches_by_run(crawler, 2)
	first = fetches_by_run(crawler, 1)
	urls = crawler.urls()
	bad = [urls[u] for u in pages if (urls[u]["state"], urls[u]["status"]) != ("done", 200)]
	assert not bad, harness.describe(bad)
	location = ("warc_segment", "warc_offset", "warc_length", "payload_digest")
	for u in pages:
		was = second[u] if u in changed else first[u]
		assert urls[u]["fetch_id"] == second[u]["id"], u
		assert tuple(urls[u][k] for k in location) == tuple(was[k] for k in location), u


def test_export_gives_every_page_its_current_body(revisited):
	_, crawler, root, pages, old, changed = revisited
	bodies = export_bodies(crawler)
	for u, p in pages.items():
		want = read(served_file(root, p)) if u in changed else old[p]
		assert bodies[u].encode("latin-1") == want, u
	assert all(bodies[u].encode("latin-1") != old[pages[u]] for u in changed)


# ---- payload dedup ----

BIG = "<html><body><p>%s</p></body></html>\n" % ("same words in both pages " * 160)
SMALL = "<html><body><p>tiny twin</p></body></html>\n"


@pytest.fixture
def twins(servers):
	links = "".join('<a href="/%s">x</a>' % p for p in ("one", "two", "small1", "small2"))
	return servers.faultserver({"hosts": {"*": {
		"/": {"body": "<html><body>%s</body></html>" % links},
		"/one": {"body": BIG}, "/two": {"body": BIG},
		"/small1": {"body": SMALL}, "/small2": {"body": SMALL}}}})


def twin_fetches(crawler, fs, *names):
	rows = fetches_by_run(crawler, 1)
	return [rows["http://127.0.0.1:%d/%s" % (fs.port, n)] for n in names]


def test_identical_payload_is_stored_once(twins, crawler):
	assert len(BIG) >= 4000
	crawler.crawl(twins.origin() + "/", "--per-host", 1)
	pair = sorted(twin_fetches(crawler, twins, "one", "two"), key=lambda f: f["id"])
	assert [(f["record"], f["profile"]) for f in pair] == [
		("response", None), ("revisit", "identical-payload-digest")], pair
	assert pair[0]["payload_digest"] == pair[1]["payload_digest"]
	_, rec = warccheck.segment_records(crawler.warc_path(pair[1]["warc_segment"]))[
		pair[1]["warc_offset"]]
	assert rec.get("WARC-Profile") == PROFILE + "identical-payload-digest"
	assert rec.get("WARC-Refers-To") == pair[0]["record_id"]
	assert rec.get("WARC-Payload-Digest") == pair[0]["payload_digest"]
	small = twin_fetches(crawler, twins, "small1", "small2")
	assert [f["record"] for f in small] == ["response", "response"], small
	assert not archive_problems(crawler)

	second = next(u for u, r in crawler.urls().items() if r["fetch_id"] == pair[1]["id"])
	show = subprocess.run([crawler.binary, "show", "--dir", crawler.dir, second],
			      capture_output=True, timeout=60)
	assert show.returncode == 0, show.stderr
	assert show.stdout.endswith(BIG.encode()), show.stdout[-300:]
	bodies = export_bodies(crawler)
	assert bodies[second] == BIG


def test_no_dedup_stores_both(twins, crawler):
	crawler.crawl(twins.origin() + "/", "--no-dedup")
	pair = twin_fetches(crawler, twins, "one", "two")
	assert [(f["record"], f["profile"]) for f in pair] == [("response", None)] * 2, pair
	assert not archive_problems(crawler)
