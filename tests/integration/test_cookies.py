"""Cookies and the login step: one jar shared by every transfer (libcurl's
share interface), filled by a login POST before the crawl, by --cookie and
--load-cookies, kept in DIR/cookies.txt across runs and written in the
Netscape format that curl reads; cookies for another domain or for a public
suffix are refused."""
import json
import os
import subprocess

import pytest

import harness

HOST = "www.example.co.uk"   # co.uk is a public suffix
SESSION = "session=abc123"


class Site(harness.ThreadedHTTPServer):
	"""A login-protected site on 127.0.0.1, whatever the Host; log holds
	(method, path, {lower-case header: value}, body) per request."""
	methods = ("GET", "POST")  # POST for the login step

	def __init__(self):
		super().__init__()
		self.log = []

	def url(self, path, host=HOST):
		return super().url(path, host)

	def answer(self, req):
		body = req.body
		headers = {k.lower(): v for k, v in req.headers.items()}
		with self.lock:
			self.log.append((req.command, req.path, headers, body))
		logged_in = SESSION in headers.get("cookie", "")
		status, extra, page = 404, [], b"not found"
		if req.path == "/login" and req.command == "POST":
			good = body == b"user=alice&pass=secret" or \
				(headers.get("content-type") == "application/json" and
				 json.loads(body or b"{}").get("user") == "alice")
			status = 302 if good else 403
			extra = [("Location", "/private"),
				 ("Set-Cookie", SESSION + "; Path=/; HttpOnly")] if good else []
		elif req.path.startswith("/private"):
			status = 200 if logged_in else 403
			if req.path == "/private":
				page = b'<a href="/private/a">a</a><a href="/private/b">b</a><a href="/evil">e</a>'
			else:
				page = b"<p>secret page</p>"
		elif req.path == "/evil":
			status, page = 200, b'<a href="/check">check</a>'
			extra = [("Set-Cookie", "suffix=1; Domain=co.uk; Path=/"),
				 ("Set-Cookie", "elsewhere=1; Domain=other.test; Path=/"),
				 ("Set-Cookie", "good=1; Path=/")]
		elif req.path == "/check":
			status, page = 200, b"<p>ok</p>"
		req.send_response(status)
		for name, value in extra:
			req.send_header(name, value)
		req.send_header("Content-Type", "text/html")
		req.send_header("Content-Length", str(len(page)))
		req.end_headers()
		req.wfile.write(page)

	def requests(self, path):
		with self.lock:
			return [e for e in self.log if e[1] == path]


@pytest.fixture
def site():
	with Site() as s:
		yield s


@pytest.fixture
def names(servers):
	return servers.dnsmasq({HOST: "127.0.0.1"})


def crawl(crawler, names, *args, rc=(0,)):
	return crawler.crawl("--dns-servers", names.server_arg, "--retries", 0, *args, rc=rc)


def states(crawler, site):
	return {u.split(str(site.port), 1)[1]: (r["state"], r["status"])
		for u, r in crawler.urls().items()}


def test_login_form_opens_the_private_pages(site, names, crawler, tmp_path):
	saved = str(tmp_path / "jar.txt")
	crawl(crawler, names, site.url("/private"), "--login-url", site.url("/login"),
	      "--login-data", "user=alice&pass=secret", "--save-cookies", saved)
	got = states(crawler, site)
	assert got["/private"] == ("done", 200) and got["/private/a"] == ("done", 200), got
	assert got["/private/b"] == ("done", 200), got
	posts = site.requests("/login")
	assert len(posts) == 1 and posts[0][0] == "POST", posts
	assert posts[0][2]["content-type"] == "application/x-www-form-urlencoded"
	# the jar refused the public-suffix and foreign-domain cookies, kept the rest
	sent = site.requests("/check")[0][2].get("cookie", "")
	assert SESSION in sent and "good=1" in sent, sent
	assert "suffix" not in sent and "elsewhere" not in sent, sent
	for jar in (saved, os.path.join(crawler.dir, "cookies.txt")):
		text = open(jar).read()
		assert text.startswith("# Netscape HTTP Cookie File") and "abc123" in text, text
		assert "suffix" not in text and "elsewhere" not in text, text
	# curl reads the saved jar and is let in
	res = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-b", saved,
			      "--resolve", "%s:%d:127.0.0.1" % (HOST, site.port), "--noproxy", "*",
			      site.url("/private/a")], capture_output=True, text=True, timeout=30,
			     env=harness.clean_env())
	assert res.stdout == "200", res


def test_login_json(site, names, crawler):
	crawl(crawler, names, site.url("/private"), "--login-url", site.url("/login"),
	      "--login-json", '{"user": "alice"}')
	assert states(crawler, site)["/private/a"] == ("done", 200)
	assert site.requests("/login")[0][2]["content-type"] == "application/json"


def test_failed_login_stops_with_a_clear_error(site, names, crawler):
	res = crawl(crawler, names, site.url("/private"), "--login-url", site.url("/login"),
		    "--login-data", "user=alice&pass=wrong", rc=(1,))
	assert "--login-url" in res.stderr and "403" in res.stderr, res
	assert not site.requests("/private"), "crawled although the login failed"


def test_the_jar_persists_across_resume(site, names, crawler):
	crawl(crawler, names, site.url("/private"), "--login-url", site.url("/login"),
	      "--login-data", "user=alice&pass=secret", "--max-pages", 1, rc=(6,))
	crawl(crawler, names)  # resumed, no login: the jar in the directory lets it in
	got = states(crawler, site)
	assert got["/private/a"] == ("done", 200) and got["/private/b"] == ("done", 200), got
	assert len(site.requests("/login")) == 1


def test_cookie_option_and_load_cookies(site, names, crawler, tmp_path):
	crawl(crawler, names, site.url("/private"), "--cookie", SESSION)
	assert states(crawler, site)["/private/a"] == ("done", 200)
	jar = tmp_path / "in.txt"
	jar.write_text("# Netscape HTTP Cookie File\n%s\tFALSE\t/\tFALSE\t0\tsession\tabc123\n" % HOST)
	other = harness.Crawler(crawler.binary, str(tmp_path / "second"))
	crawl(other, names, site.url("/private"), "--load-cookies", str(jar))
	assert states(other, site)["/private/b"] == ("done", 200)


def test_no_cookies_keeps_none(site, names, crawler):
	crawl(crawler, names, site.url("/private"), "--login-url", site.url("/login"),
	      "--login-data", "user=alice&pass=secret", "--no-cookies")
	assert states(crawler, site)["/private"] == ("failed", 403)
	assert not os.path.exists(os.path.join(crawler.dir, "cookies.txt"))


@pytest.mark.parametrize("args,needle", [
	(["--cookie", "novalue"], "--cookie"),
	(["--load-cookies", "/nonexistent/jar.txt"], "--load-cookies"),
	(["--save-cookies", "/nonexistent/dir/jar.txt"], "--save-cookies"),
	(["--login-url", "http://h.test/login"], "--login-url needs"),
	(["--login-data", "a=b"], "--login-url"),
	(["--login-url", "http://h.test/", "--login-data", "a=b", "--login-json", "{}"], "not both"),
	(["--login-url", "http://h.test/", "--login-json", "user=alice"], "--login-json"),
	(["--login-url", "ftp://h.test/", "--login-data", "a=b"], "--login-url"),
])
def test_bad_cookie_and_login_options(crawler, args, needle):
	res = crawler.run("crawl", "--dir", crawler.dir, "http://h.test/", *args)
	assert res.rc == 2 and needle in res.stderr, res
	assert not os.path.exists(os.path.join(crawler.dir, "crawl.db"))
