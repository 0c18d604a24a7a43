"""Bad input from the user stops the crawler with one clear message naming
the input; bad input from the web fails only the URL that carried it."""
import contextlib
import os
import subprocess

import pytest

import harness


def assert_user_error(res, needle, codes=(2,)):
	assert res.rc in codes, res
	lines = res.stderr.strip().splitlines()
	assert lines and lines[0].startswith("crawler: "), res
	assert needle in lines[0], "message does not name %r: %r" % (needle, res)
	assert len(lines) <= 2, "more than one message: %r" % res


def test_unknown_option(crawler):
	assert_user_error(crawler.run("crawl", "--dir", crawler.dir, "--bogus-option",
				      "http://127.0.0.1:9/"), "--bogus-option")


@pytest.mark.parametrize("args,needle", [
	(["--concurrency", "0"], "--concurrency"),
	(["--per-host", "many"], "many"),
	(["--delay", "-1"], "--delay"),
	(["--max-size", "10Q"], "10Q"),
	(["--scope", "planet"], "planet"),
	(["--zstd-level", "99"], "--zstd-level"),
	(["--dns-servers", "1.2.3.999"], "1.2.3.999"),
	(["--timeout"], "--timeout"),
	(["--extract", "price"], "price"),
])
def test_bad_option_values(crawler, args, needle):
	res = crawler.run("crawl", "--dir", crawler.dir, *args, "http://127.0.0.1:9/")
	assert_user_error(res, needle)
	assert not os.path.exists(crawler.dir), "a usage error created the crawl directory"


def test_no_seeds_for_a_new_crawl(crawler):
	assert_user_error(crawler.run("crawl", "--dir", crawler.dir), "seed")
	assert not os.path.exists(crawler.dir), "a usage error created the crawl directory"


@pytest.mark.parametrize("args,needle", [
	(["why"], "why"),
	(["why", "ftp://example.org/"], "ftp://example.org/"),
	(["show", "mailto:someone@example.org"], "mailto:someone@example.org"),
	(["status", "http://127.0.0.1:9/"], "http://127.0.0.1:9/"),
])
def test_bad_arguments_to_the_other_commands(crawler, args, needle):
	assert_user_error(crawler.run(args[0], "--dir", crawler.dir, *args[1:]), needle)


def test_bad_regex(crawler):
	assert_user_error(crawler.run("crawl", "--dir", crawler.dir, "--deny", "([",
				      "http://127.0.0.1:9/"), "([")


def test_unreadable_seed_file(crawler, tmp_path):
	missing = str(tmp_path / "no" / "seeds.txt")
	assert_user_error(crawler.run("crawl", "--dir", crawler.dir, "--seeds", missing), missing)


def test_seed_file_that_is_a_directory(crawler, tmp_path):
	res = crawler.run("crawl", "--dir", crawler.dir, "--seeds", str(tmp_path))
	assert_user_error(res, str(tmp_path))


@pytest.mark.parametrize("seed", ["ftp://x/", "mailto:someone@example.org"])
def test_seed_with_unsupported_scheme(crawler, seed):
	assert_user_error(crawler.run("crawl", "--dir", crawler.dir, seed), seed)


def test_bad_seed_in_a_seed_file(crawler, tmp_path):
	seeds = tmp_path / "seeds.txt"
	seeds.write_text("http://127.0.0.1:9/\nftp://x/\n")
	assert_user_error(crawler.run("crawl", "--dir", crawler.dir, "--seeds", str(seeds)),
			  "ftp://x/")


def test_dir_under_a_regular_file(crawler, tmp_path):
	blocker = tmp_path / "file"
	blocker.write_text("not a directory")
	target = str(blocker / "crawl")
	res = crawler.run("crawl", "--dir", target, "http://127.0.0.1:9/")
	assert res.rc != 0, res
	assert res.stderr.startswith("crawler: ") and target in res.stderr, res


@contextlib.contextmanager
def unwritable_dir(path):
	"""A directory nobody may write into: mode 0555 stops ordinary users, the
	immutable attribute stops root too."""
	path.mkdir()
	if os.geteuid() == 0:
		subprocess.run(["chattr", "+i", str(path)], check=True)
	else:
		path.chmod(0o555)
	try:
		yield path
	finally:
		if os.geteuid() == 0:
			subprocess.run(["chattr", "-i", str(path)], check=True)
		path.chmod(0o755)


@pytest.mark.parametrize("inside", [True, False], ids=["new-dir-inside", "the-dir-itself"])
def test_unwritable_dir(crawler, tmp_path, inside):
	with unwritable_dir(tmp_path / "ro") as ro:
		target = str(ro / "crawl") if inside else str(ro)
		res = crawler.run("crawl", "--dir", target, "http://127.0.0.1:9/")
		assert res.rc == 2, res
		assert res.stderr.startswith("crawler: ") and target in res.stderr, res
		assert os.listdir(str(ro)) == []


def test_bad_config_value(crawler, tmp_path):
	ini = tmp_path / "bad.ini"
	ini.write_text("[crawl]\nmax-depth = lots\n")
	res = crawler.run("crawl", "--dir", crawler.dir, "--config", str(ini), "http://127.0.0.1:9/")
	assert_user_error(res, "max-depth")
	assert str(ini) in res.stderr or "bad.ini" in res.stderr, res


def test_missing_config_file(crawler, tmp_path):
	ini = str(tmp_path / "nope.ini")
	assert_user_error(crawler.run("crawl", "--dir", crawler.dir, "--config", ini,
				      "http://127.0.0.1:9/"), ini)


WEB_FAULTS = {"latency": 0.0, "hosts": {"*": {
	"/": {"body": "".join('<a href="%s">x</a>\n' % p for p in (
		"/ok1.html", "/bad.html", "/big.html", "/reset.html", "/loop1", "/self",
		"/chain", "/err500", "/ok2.html"))},
	"/ok1.html": {"body": "<p>fine</p>"},
	"/ok2.html": {"body": '<p>fine <a href="/ok3.html">on</a></p>'},
	"/ok3.html": {"body": "<p>fine</p>"},
	"/bad.html": {"kind": "malformed", "links": ["/from-bad.html"]},
	"/from-bad.html": {"body": "<p>found in broken HTML</p>"},
	"/big.html": {"kind": "big", "size": 300000},
	"/reset.html": {"kind": "reset", "size": 60000, "sent": 4000},
	"/loop1": {"kind": "redirect", "location": "/loop2"},
	"/loop2": {"kind": "redirect", "location": "/loop1"},
	"/self": {"kind": "redirect", "location": "/self", "status": 301},
	"/chain": {"kind": "redirect_chain"},
	"/err500": {"body": "oops", "status": 500},
}}}


@pytest.fixture(scope="module")
def web_faults(module_servers, crawler_bin, tmp_path_factory):
	fs = module_servers.faultserver(WEB_FAULTS)
	c = harness.Crawler(crawler_bin, str(tmp_path_factory.mktemp("faults") / "crawl"))
	c.crawl(fs.origin() + "/", "--max-size", "100k", "--timeout", "10", timeout=120)
	return fs, c, c.urls()


def row(web_faults, path):
	fs, _, urls = web_faults
	url = fs.origin() + path
	assert url in urls, "no row for %s; rows: %s" % (url, sorted(urls))
	return urls[url]


def test_crawl_goes_on_past_faults(web_faults):
	for path in ("/", "/ok1.html", "/ok2.html", "/ok3.html"):
		r = row(web_faults, path)
		assert (r["state"], r["status"]) == ("done", 200), harness.describe([r])
	_, _, urls = web_faults
	lingering = [r for r in urls.values() if r["state"] in ("queued", "leased")]
	assert not lingering, harness.describe(lingering)


def test_malformed_html_is_done_and_parsed(web_faults):
	r = row(web_faults, "/bad.html")
	assert (r["state"], r["status"]) == ("done", 200), harness.describe([r])
	assert row(web_faults, "/from-bad.html")["state"] == "done"


def test_body_over_max_size(web_faults):
	r = row(web_faults, "/big.html")
	assert (r["state"], r["error"]) == ("failed", "too_large"), harness.describe([r])


def test_reset_mid_body(web_faults):
	r = row(web_faults, "/reset.html")
	assert r["state"] == "failed" and r["error"], harness.describe([r])
	assert r["error"] in ("connect", "aborted"), "unexpected class: " + harness.describe([r])


def test_http_error_status(web_faults):
	r = row(web_faults, "/err500")
	assert (r["state"], r["status"], r["error"]) == ("failed", 500, "http"), \
		harness.describe([r])


def test_redirect_loop(web_faults):
	fs, c, _ = web_faults
	loop = [row(web_faults, p) for p in ("/loop1", "/loop2")]
	assert [r["state"] for r in loop].count("failed") == 1, harness.describe(loop)
	closing = [r for r in loop if r["state"] == "failed"][0]
	assert closing["error"] == "redirect", harness.describe(loop)
	first = row(web_faults, "/loop1")
	assert (first["state"], first["status"]) == ("done", 302), harness.describe(loop)
	hops = c.query("SELECT f.url AS src, t.url AS dst, r.status FROM redirects r "
		       "JOIN urls f ON f.id = r.from_id LEFT JOIN urls t ON t.id = r.to_id")
	assert (fs.origin() + "/loop1", fs.origin() + "/loop2", 302) in \
		[(h["src"], h["dst"], h["status"]) for h in hops], hops
	requests = [e["path"] for e in fs.log()]
	assert requests.count("/loop1") <= 2 and requests.count("/loop2") <= 2, requests


def test_self_redirect(web_faults):
	r = row(web_faults, "/self")
	assert (r["state"], r["error"]) == ("failed", "redirect"), harness.describe([r])


def test_endless_redirect_chain_is_cut(web_faults):
	fs, c, urls = web_faults
	chain = [r for u, r in urls.items() if u.startswith(fs.origin() + "/chain")]
	assert 1 < len(chain) <= 32, harness.describe(chain)
	last = max(chain, key=lambda r: r["redirect_hops"])
	assert (last["state"], last["reason"] or last["error"]) in (
		("skipped", "redirects"), ("failed", "redirect")), harness.describe([last])
	assert sum(1 for e in fs.log() if e["path"].startswith("/chain")) <= 32
