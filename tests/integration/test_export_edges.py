"""Export edge cases found in review: where --out writes (a symbolic link's
target, standard output by another name, never over a directory), how an
undeclared charset is guessed for --with-body text (at the first non-ASCII
byte wherever it is, also when a UTF-8 sequence straddles the prescan
window), and column names when a rule is named like a built-in field."""
import base64
import csv
import io
import json
import os
import subprocess

import pytest

import harness

LATE_1252 = b"<html><body><p>" + b"a" * 1100 + b" caf\xe9</p></body></html>"
SPLIT_UTF8 = b"<html><body><p>" + b"b" * (1023 - 15) + "\u00e9t\u00e9".encode() + b"</p></body></html>"
assert SPLIT_UTF8.index("\u00e9".encode()) == 1023


@pytest.fixture(scope="module")
def crawl(module_servers, crawler_bin, tmp_path_factory):
	routes = {
		"/": {"body": '<title>Home</title><a href="/late">l</a><a href="/split">s</a> 42'},
		"/late": {"content_type": "text/html", "body_b64": base64.b64encode(LATE_1252).decode()},
		"/split": {"content_type": "text/html", "body_b64": base64.b64encode(SPLIT_UTF8).decode()},
	}
	fs = module_servers.faultserver({"hosts": {"*": routes}})
	c = harness.Crawler(crawler_bin, str(tmp_path_factory.mktemp("edges") / "crawl"))
	c.crawl("http://127.0.0.1:%d/" % fs.port, "--extract", "title=xpath://title",
		"--extract", "price=regex:([0-9]+)")
	c.origin = "http://127.0.0.1:%d" % fs.port
	return c


def export(c, *args, **kw):
	return c.run("export", "--dir", c.dir, *args, **kw)


def bodies(c):
	res = export(c, "--fields", "url", "--with-body", "text")
	assert res.rc == 0, res
	return {json.loads(l)["url"]: json.loads(l)["body"] for l in res.stdout.splitlines()}


def test_undeclared_charset_is_guessed_at_the_first_non_ascii_byte(crawl):
	b = bodies(crawl)
	assert b[crawl.origin + "/late"].endswith(" caf\u00e9</p></body></html>")
	assert "\u00e9t\u00e9" in b[crawl.origin + "/split"], b[crawl.origin + "/split"][1000:1040]


def test_rule_named_like_a_field_gets_its_own_column(crawl):
	res = export(crawl, "--format", "csv", "--fields", "url,title,extracted")
	assert res.rc == 0, res
	rows = list(csv.reader(io.StringIO(res.stdout, newline="")))
	assert rows[0] == ["url", "title", "extracted.title", "price"], rows[0]
	home = [r for r in rows[1:] if r[0] == crawl.origin + "/"][0]
	assert home[1:] == ["Home", "Home", "42"], home


@pytest.mark.parametrize("fields", ["price,extracted", "extracted,price"])
def test_a_rule_given_twice_is_an_error(crawl, fields):
	res = export(crawl, "--format", "csv", "--fields", fields)
	assert res.rc == 2 and "price" in res.stderr and res.stdout == "", res


def test_out_through_a_symbolic_link_writes_its_target(crawl, tmp_path):
	target = tmp_path / "real.jsonl"
	target.write_text("old")
	link = tmp_path / "link.jsonl"
	link.symlink_to(target)
	res = export(crawl, "--fields", "url", "--out", str(link))
	assert res.rc == 0, res
	assert link.is_symlink() and os.readlink(str(link)) == str(target)
	assert len(target.read_text().splitlines()) == 3
	assert sorted(os.listdir(str(tmp_path))) == ["link.jsonl", "real.jsonl"]


def test_out_naming_standard_output_writes_in_place(crawl, tmp_path):
	alias = tmp_path / "stdout"
	alias.symlink_to("/proc/self/fd/1")
	sink = tmp_path / "sink.jsonl"
	with open(str(sink), "w") as out:
		p = subprocess.run([crawl.binary, "export", "--dir", crawl.dir, "--fields", "url",
				    "--out", str(alias)], stdout=out, stderr=subprocess.PIPE,
				   text=True, env=harness.clean_env(), timeout=60)
	assert p.returncode == 0, p.stderr
	assert alias.is_symlink()
	assert len(sink.read_text().splitlines()) == 3


def test_out_a_directory_fails_before_exporting(crawl, tmp_path):
	res = export(crawl, "--out", str(tmp_path))
	assert res.rc == 2 and str(tmp_path) in res.stderr, res
	assert os.listdir(str(tmp_path)) == []
