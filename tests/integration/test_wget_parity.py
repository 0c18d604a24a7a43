"""Parity with GNU wget on a real documentation tree (Debian's sqlite3-doc,
766 HTML pages under /usr/share/doc/sqlite3): served by nginx, the set of
HTML pages our crawl requests equals the set `wget -r -l inf -e robots=off`
requests from the same server (same host only, no depth limit).

Only HTML paths are compared: wget -r also fetches images and stylesheets,
which our crawler skips without --page-requisites."""
import os
import subprocess

import pytest

import harness

DOC_ROOT = "/usr/share/doc/sqlite3"


def html_paths(log):
	paths = set()
	for e in log:
		path = e["uri"].split("?", 1)[0]
		if path.endswith((".html", ".htm", "/")):
			paths.add(e["uri"])
	return paths


def who_links(path, limit=3):
	"""A few documents that mention a path's file name, to explain a difference."""
	name = os.path.basename(path.split("?", 1)[0]) or "index.html"
	p = subprocess.run(["grep", "-rl", "--include=*.html", name, DOC_ROOT],
			   capture_output=True, text=True)
	return p.stdout.split()[:limit]


def explain(paths):
	return "\n".join("  %s  (named in %s)" % (p, who_links(p)) for p in sorted(paths)[:15])


@pytest.fixture
def doc_nginx(servers):
	if not os.path.isfile(os.path.join(DOC_ROOT, "index.html")):
		pytest.skip("sqlite3-doc is not installed (apt-get install sqlite3-doc)")
	return servers.nginx([("_", DOC_ROOT)])


def test_same_html_pages_as_wget(doc_nginx, crawler, tmp_path):
	origin = doc_nginx.origin()
	crawler.crawl(origin + "/", timeout=300)
	ours = html_paths(doc_nginx.log())
	doc_nginx.reset_log()
	subprocess.run(["wget", "-r", "-l", "inf", "-e", "robots=off", "--no-proxy", "-q",
			"-P", str(tmp_path / "wget"), origin + "/"],
		       timeout=300, env=harness.clean_env())
	theirs = html_paths(doc_nginx.log())
	assert len(theirs) > 300, "wget fetched too little to compare: %d" % len(theirs)
	only_ours = ours - theirs
	only_wget = theirs - ours
	assert not only_ours and not only_wget, (
		"HTML pages requested only by us (%d):\n%s\nonly by wget (%d):\n%s" % (
			len(only_ours), explain(only_ours), len(only_wget), explain(only_wget)))
