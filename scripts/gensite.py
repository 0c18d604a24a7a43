#!/usr/bin/python3
"""Deterministic test-site generator for the crawler's tests and benchmarks.

    gensite.py OUTDIR --pages N --origin http://HOST:PORT [--seed S]
               [--page-kb 12] [--offsite-origin http://other.test:PORT]

Writes N reachable HTML pages (about --page-kb KB and ~40 links each) under
OUTDIR, plus a few orphan pages and the assets they use, and
OUTDIR/manifest.json:

    pages        paths reachable from "/" through followable links, sorted
    missing      linked paths that do not exist (the server answers 404)
    assets       img/script/css paths that pages reference (files exist)
    offsite      absolute off-site URLs that pages link to (canonical form)
    unreachable  pages that exist but that nothing links to
    depth        {path: fewest followable links from "/"}
    deep         the deep chain of pages, in order
    origin, offsite_origin, seed
    data         {path: expected values of the embedded item} for every page:
                 title (the <title>), name (text of h2.name, which nests a <b>),
                 price (span.price), tags (the data-href attributes of
                 span.tag, in order, maybe none), sku (the 5 digits after the
                 first "SKU-" followed by 5 digits, or null when absent)

Link graph: "/" is the root of a tree (branching 8) over the pages
/sNN/tNN/pK.html, so every page is reachable; a chain /deep/cK.html hangs off
"/" and nothing else links into it, so its depths are exact.  On top of the
tree every page links to random tree pages, spelled every way a crawler must
unify: relative ("p3.html", "../../s01/t02/p7.html"), root-relative,
absolute, absolute with an upper-case host, with #fragments, with "./" and
"dir/../" detours.  rel=nofollow links only point at pages that their tree
parent links to normally, so nofollow never changes reachability.

Every page also carries an item for extraction rules (see "data"), drawn from
a random generator of its own, so the link graph, the filler and the sizes
are exactly those of a site generated without items (pages are ~300 bytes
larger); the item holds no link.
"""
import argparse
import json
import os
import posixpath
import random
import sys
import urllib.parse

BRANCH = 8
DEEP_MAX = 40
LINKS_PER_PAGE = 40
PAGES_PER_DIR = 50
DIRS_PER_SECTION = 20

WORDS = ("crawler frontier politeness archive record segment fetch queue host "
         "latency budget canonical anchor fragment redirect header payload "
         "digest index lease revisit scope depth robots sitemap extract "
         "schedule socket resolver connection transfer stream spool").split()

ADJECTIVES = ("amber", "brisk", "cobalt", "dusty", "eager", "fuzzy", "gentle",
              "hollow", "ivory", "jolly", "keen", "lucid")
TAGS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta")
NO_SKU_RATE = 0.2

FORMS = ("rel", "rel", "rel", "root", "root", "abs", "upper", "frag", "dot",
         "detour")


def tree_path(k):
	"""Path of tree page k >= 1 (k = 0 is the index "/")."""
	if k == 0:
		return "/"
	sec = k // (PAGES_PER_DIR * DIRS_PER_SECTION)
	sub = (k // PAGES_PER_DIR) % DIRS_PER_SECTION
	return "/s%02d/t%02d/p%d.html" % (sec, sub, k)


def rel_ref(target, srcdir):
	"""Relative reference from directory `srcdir` to path `target`."""
	src = srcdir.strip("/").split("/") if srcdir != "/" else []
	dst = target[1:].split("/")
	i = 0
	while i < len(src) and i < len(dst) - 1 and src[i] == dst[i]:
		i += 1
	return "../" * (len(src) - i) + "/".join(dst[i:]) or "./"


def spell(rng, form, target, srcdir, origin, upper_origin):
	"""Spells a link to `target` (a path) from a page in `srcdir` in `form`."""
	if form == "rel":
		return rel_ref(target, srcdir)
	if form == "root":
		return target
	if form == "abs":
		return origin + target
	if form == "upper":
		return upper_origin + target
	if form == "frag":
		return rel_ref(target, srcdir) + "#sec%d" % rng.randrange(5)
	if form == "dot":
		return "./" + rel_ref(target, srcdir)
	head, _, tail = target.rpartition("/")
	return "%s/x%d/../%s" % (head, rng.randrange(9), tail)


class Site:
	def __init__(self, args):
		self.origin = args.origin.rstrip("/")
		parts = urllib.parse.urlsplit(self.origin)
		self.upper_origin = "%s://%s" % (parts.scheme, parts.netloc.upper())
		self.offsite_origin = args.offsite_origin.rstrip("/")
		self.seed = args.seed
		self.rng = random.Random(args.seed)
		self.item_rng = random.Random("items:%d" % args.seed)
		self.data = {}
		self.page_bytes = int(args.page_kb * 1024)
		n = args.pages
		self.n_deep = min(DEEP_MAX, max(0, (n - 1) // 5))
		self.n_tree = n - 1 - self.n_deep  # tree pages 1..n_tree
		self.deep = ["/deep/c%d.html" % i for i in range(self.n_deep)]
		self.orphans = ["/orphan/o%d.html" % i for i in range(max(1, n // 100))]
		self.n_assets = max(6, n // 20)
		self.n_missing = max(2, n // 50)
		self.n_offsite = max(2, min(50, n // 20))
		self.missing = set()
		self.assets = set()
		self.offsite = set()
		self.filler = [self.paragraph() for _ in range(64)]
		self.graph = {}
		self.tree_paths = [tree_path(k) for k in range(self.n_tree + 1)]

	def paragraph(self):
		words = [self.rng.choice(WORDS) for _ in range(70)]
		return "<p>" + " ".join(words) + ".</p>\n"

	def children(self, k):
		first = k * BRANCH + 1
		return [tree_path(c) for c in range(first, min(first + BRANCH, self.n_tree + 1))]

	def asset(self, kind):
		j = self.rng.randrange(self.n_assets)
		path = "/assets/%s%d.%s" % (kind, j, {"img": "png", "js": "js", "css": "css"}[kind])
		self.assets.add(path)
		return path

	def body_links(self, path, followed):
		"""HTML anchors for a page at `path` whose tree/chain links are `followed`."""
		rng = self.rng
		srcdir = posixpath.dirname(path) if not path.endswith("/") else path.rstrip("/") or "/"
		spellit = lambda t: spell(rng, rng.choice(FORMS), t, srcdir, self.origin,
					  self.upper_origin)
		extra = max(0, LINKS_PER_PAGE - 4 - len(followed))
		targets = list(followed) + rng.choices(self.tree_paths, k=extra)
		self.graph[path] = targets
		forms = rng.choices(FORMS, k=len(targets))
		hrefs = [spell(rng, f, t, srcdir, self.origin, self.upper_origin)
			 for f, t in zip(forms, targets)]
		anchors = ['<a href="%s">link %d</a>' % (h, i) for i, h in enumerate(hrefs)]
		if rng.random() < 0.3:
			j = rng.randrange(self.n_missing)
			miss = "/s%02d/t%02d/missing%d.html" % (j % 3, j % 5, j)
			self.missing.add(miss)
			anchors.append('<a href="%s">gone</a>' % spellit(miss))
		if rng.random() < 0.3:
			url = "%s/ext/o%d.html" % (self.offsite_origin, rng.randrange(self.n_offsite))
			self.offsite.add(url)
			anchors.append('<a href="%s">elsewhere</a>' % url)
		if rng.random() < 0.1 and self.n_tree > 0:
			target = self.tree_paths[rng.randrange(1, self.n_tree + 1)]
			anchors.append('<a rel="nofollow" href="%s">nf</a>' % spellit(target))
		return anchors

	def item(self, path, title):
		"""The embedded item of a page, recording its expected values."""
		rng = self.item_rng
		adjective = rng.choice(ADJECTIVES).capitalize()
		number = rng.randrange(1, 1000)
		price = "%d.%02d" % (rng.randrange(1, 1000), rng.randrange(100))
		tags = rng.sample(TAGS, rng.randrange(len(TAGS) // 2 + 1))
		sku = None if rng.random() < NO_SKU_RATE else "%05d" % rng.randrange(100000)
		self.data[path] = {"title": title, "name": "Widget %s %d" % (adjective, number),
				   "price": price, "tags": ["/tags/" + t for t in tags], "sku": sku}
		spans = " ".join('<span class="tag" data-href="/tags/%s">%s</span>' % (t, t)
				 for t in tags)
		# a shorter code first, so "first match" must skip it
		code = "Item code SKU-%s, in stock." % sku if sku else "No item code."
		return ('<div class="item">\n<h2 class="name">Widget <b>%s</b> %d</h2>\n'
			'<p>Price: <span class="price">%s</span></p>\n<p class="tags">%s</p>\n'
			'<p>Old code SKU-%d. %s</p>\n</div>\n'
			% (adjective, number, price, spans, number % 100, code))

	def render(self, path, title, followed):
		anchors = self.body_links(path, followed)
		head = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
			'<title>%s</title>\n<link rel="stylesheet" href="%s">\n'
			'<script src="%s"></script>\n</head><body>\n<h1>%s</h1>\n<img src="%s" alt="">\n'
			% (title, self.asset("css"), self.asset("js"), title, self.asset("img")))
		# the item is left out of the size, so the filler is what it was
		# before pages had items
		parts = [head, self.item(path, title)]
		size = len(head)
		for i in range(0, len(anchors), 4):
			chunk = "<p>" + " ".join(anchors[i:i + 4]) + "</p>\n"
			parts.append(chunk)
			size += len(chunk)
		while size < self.page_bytes - 16:
			para = self.rng.choice(self.filler)
			parts.append(para)
			size += len(para)
		parts.append("</body></html>\n")
		return "".join(parts)

	def pages(self):
		"""Yields (path, title, tree or chain links) for every reachable page."""
		yield "/", "Index", self.children(0) + self.deep[:1]
		for k in range(1, self.n_tree + 1):
			yield tree_path(k), "Page %d" % k, self.children(k)
		for i, path in enumerate(self.deep):
			yield path, "Deep %d" % i, self.deep[i + 1:i + 2]

	def depths(self):
		"""Breadth-first link distance from "/" over followable links."""
		depth = {"/": 0}
		frontier = ["/"]
		while frontier:
			nxt = []
			for path in frontier:
				for t in self.graph[path]:
					if t not in depth:
						depth[t] = depth[path] + 1
						nxt.append(t)
			frontier = nxt
		return depth

	def write(self, outdir):
		made = set()
		for path, title, followed in self.pages():
			write_file(outdir, path, self.render(path, title, followed), made)
		listed = (set(self.missing), set(self.assets), set(self.offsite))
		# orphans link like any page, but nothing they link to is ever requested
		for i, path in enumerate(self.orphans):
			write_file(outdir, path, self.render(path, "Orphan %d" % i, []), made)
		for path in sorted(self.assets):
			write_file(outdir, path, asset_body(path), made)
		self.missing, self.assets, self.offsite = listed
		self.write_manifest(outdir)

	def write_manifest(self, outdir):
		depth = self.depths()
		manifest = {
			"origin": self.origin,
			"offsite_origin": self.offsite_origin,
			"seed": self.seed,
			"pages": sorted(depth),
			"missing": sorted(self.missing),
			"assets": sorted(self.assets),
			"offsite": sorted(self.offsite),
			"unreachable": self.orphans,
			"deep": self.deep,
			"depth": depth,
			"data": self.data,
		}
		with open(os.path.join(outdir, "manifest.json"), "w") as f:
			json.dump(manifest, f, indent=0, sort_keys=True)


def asset_body(path):
	if path.endswith(".png"):
		return "\x89PNG\r\n\x1a\n" + path
	if path.endswith(".js"):
		return "var asset = %s;\n" % json.dumps(path)
	return "body { margin: 0 } /* %s */\n" % path


def write_file(outdir, path, text, made):
	full = os.path.join(outdir, path.lstrip("/"))
	if path.endswith("/"):
		full = os.path.join(full, "index.html")
	d = os.path.dirname(full)
	if d not in made:
		os.makedirs(d, exist_ok=True)
		made.add(d)
	with open(full, "w", encoding="latin-1") as f:
		f.write(text)


def parse_args(argv):
	p = argparse.ArgumentParser(description="Generate a deterministic test site.")
	p.add_argument("outdir")
	p.add_argument("--pages", type=int, required=True, help="reachable pages (>= 1)")
	p.add_argument("--origin", required=True, help="http://HOST:PORT the site is served at")
	p.add_argument("--seed", type=int, default=1)
	p.add_argument("--page-kb", type=float, default=12)
	p.add_argument("--offsite-origin", default="http://other.test",
		       help="origin of the off-site links (default http://other.test)")
	args = p.parse_args(argv)
	if args.pages < 1:
		p.error("--pages must be at least 1")
	return args


def main(argv):
	args = parse_args(argv)
	os.makedirs(args.outdir, exist_ok=True)
	Site(args).write(args.outdir)
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
