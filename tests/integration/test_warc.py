"""The archive: each fetched page's body, read back from the WARC through the
database's index (warc_segment/offset/length), is byte for byte the file
nginx served, and every segment passes warccheck.py."""
import base64
import glob
import hashlib
import os
import subprocess

import pytest

import harness

warccheck = pytest.importorskip("warccheck")

PAGES = 60


@pytest.fixture
def archived(servers, crawler, tmp_path):
	root = str(tmp_path / "site")
	ng = servers.nginx([("_", root)])
	manifest = harness.generate_site(root, PAGES, ng.origin(), "http://other.test", seed=21)
	crawler.crawl(ng.origin() + "/", "--page-requisites")
	return root, manifest, crawler


def served_file(root, url):
	path = url.split("://", 1)[1].split("/", 1)[1]
	return os.path.join(root, path or "index.html")


def sha1_file(path):
	with open(path, "rb") as f:
		return hashlib.sha1(f.read()).hexdigest()


def test_bodies_read_back_through_the_index(archived):
	root, manifest, crawler = archived
	rows = crawler.query("SELECT * FROM urls WHERE state = 'done'")
	assert len(rows) >= PAGES + len(manifest["assets"])
	for r in rows:
		assert r["warc_segment"] is not None, harness.describe([r])
		warc_headers, status, _, body = warccheck.read_record(
			crawler.warc_path(r["warc_segment"]), r["warc_offset"], r["warc_length"])
		assert warc_headers.get("WARC-Type") == "response", warc_headers
		assert warc_headers.get("WARC-Target-URI") == r["url"], warc_headers
		assert status == r["status"]
		assert len(body) == r["length"], r["url"]
		assert hashlib.sha1(body).hexdigest() == sha1_file(served_file(root, r["url"])), r["url"]
		digest = "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()
		assert r["payload_digest"] == digest, r["url"]


def test_failed_fetches_point_at_their_response(archived):
	_, manifest, crawler = archived
	rows = crawler.query("SELECT * FROM urls WHERE state = 'failed' AND status IS NOT NULL")
	assert len(rows) == len(manifest["missing"]), harness.describe(rows)
	for r in rows:
		_, status, _, _ = warccheck.read_record(
			crawler.warc_path(r["warc_segment"]), r["warc_offset"], r["warc_length"])
		assert status == r["status"] == 404


def test_warccheck_passes_on_every_segment(archived):
	_, _, crawler = archived
	segments = sorted(glob.glob(os.path.join(crawler.dir, "warc", "crawl-*.warc.zst")))
	assert segments
	for seg in segments:
		p = subprocess.run([harness.PYTHON, os.path.join(harness.HERE, "warccheck.py"), seg],
				   capture_output=True, text=True, timeout=120)
		assert p.returncode == 0, "warccheck %s: %s%s" % (seg, p.stdout, p.stderr)
