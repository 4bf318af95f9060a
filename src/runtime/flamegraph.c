/* flamegraph.c - --flamegraph FILE.svg: at exit, the stack maps drawn as
 * an SVG flame graph, in the shape flamegraph.pl (brendangregg/FlameGraph)
 * draws: the folded stacks of every map folded.h accepts are merged into
 * one tree of frames (a frame per function: the +offset of a symbol is
 * dropped, so that the samples of one function add up), laid out with x
 * by cumulative samples and y by depth, the root ("all") at the bottom;
 * one box per frame with its name and a <title> "name (N samples, P%)".
 * Colours (flamegraph.pl's "java" palette): kernel frames orange, user
 * frames red, key parts such as comm yellow, the "-" between a user and a kernel stack
 * grey; a name always gets the same colour (a hash of it). Embedded
 * JavaScript, no network resources: hover details, click to zoom, reset
 * zoom, search (a regular expression; "ic" toggles case) with the matched
 * percentage. With several stack maps, each map is a frame above "all". */
#define _GNU_SOURCE   /* qsort_r */
#include "runtime/folded.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runtime/sbuf.h"
#include "util/arena.h"

/* flamegraph.pl's geometry */
#define IMAGE_W 1200
#define FRAME_H 16
#define FONT_SIZE 12
#define FONT_W 0.59
#define XPAD 10
#define YPAD1 (FONT_SIZE * 3)        /* title and buttons */
#define YPAD2 (FONT_SIZE * 2 + 10)   /* details line */
#define MIN_W 0.1                    /* narrower frames are left out */

struct fnode {
	char *name;
	enum fold_kind kind;
	uint64_t count;
	int parent;
	int *kids;
	int nkids, capkids;
};

struct ftree {
	struct fnode *n;
	int len, cap;
	int *hash;               /* open addressing: node index + 1 */
	size_t hcap;
};

static uint64_t node_hash(int parent, enum fold_kind kind, const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)parent * 31 ^ (uint64_t)kind;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static int new_node(struct ftree *t, int parent, enum fold_kind kind, const char *s, size_t len)
{
	if (t->len == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->n = xrealloc(t->n, sizeof(*t->n) * (size_t)t->cap);
	}
	struct fnode *n = &t->n[t->len];
	memset(n, 0, sizeof(*n));
	n->name = xmalloc(len + 1);
	memcpy(n->name, s, len);
	n->name[len] = '\0';
	n->kind = kind;
	n->parent = parent;
	if (parent >= 0) {
		struct fnode *p = &t->n[parent];
		if (p->nkids == p->capkids) {
			p->capkids = p->capkids ? p->capkids * 2 : 4;
			p->kids = xrealloc(p->kids, sizeof(*p->kids) * (size_t)p->capkids);
		}
		p->kids[p->nkids++] = t->len;
	}
	return t->len++;
}

static void rehash(struct ftree *t);

/* The child of `parent` named s (len bytes) of this kind, made on first use. */
static int child(struct ftree *t, int parent, enum fold_kind kind, const char *s, size_t len)
{
	if ((size_t)t->len * 2 >= t->hcap)
		rehash(t);
	size_t i = node_hash(parent, kind, s, len) & (t->hcap - 1);
	for (; t->hash[i]; i = (i + 1) & (t->hcap - 1)) {
		struct fnode *n = &t->n[t->hash[i] - 1];
		if (n->parent == parent && n->kind == kind && strlen(n->name) == len && !memcmp(n->name, s, len))
			return t->hash[i] - 1;
	}
	int id = new_node(t, parent, kind, s, len);
	t->hash[i] = id + 1;
	return id;
}

static void rehash(struct ftree *t)
{
	size_t cap = t->hcap ? t->hcap * 2 : 1024;
	free(t->hash);
	t->hash = xcalloc(cap, sizeof(*t->hash));
	t->hcap = cap;
	for (int id = 1; id < t->len; id++) {   /* node 0, the root, is never looked up */
		struct fnode *n = &t->n[id];
		size_t i = node_hash(n->parent, n->kind, n->name, strlen(n->name)) & (cap - 1);
		while (t->hash[i])
			i = (i + 1) & (cap - 1);
		t->hash[i] = id + 1;
	}
}

/* A symbol's name without its +offset: the frames of one function merge. */
static size_t bare_len(const char *s, enum fold_kind kind)
{
	size_t len = strlen(s);
	if (kind != FOLD_USER && kind != FOLD_KERNEL)
		return len;
	size_t i = len;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i < len && i > 1 && s[i - 1] == '+')
		return i - 1;
	return len;
}

struct collect {
	struct ftree *t;
	int base;                /* the frame the map's stacks grow from */
};

static void on_fold(void *ctx, const struct fold *f, int64_t value)
{
	struct collect *c = ctx;
	if (value <= 0)
		return;
	int at = c->base;
	c->t->n[at].count += (uint64_t)value;
	if (c->base != 0)
		c->t->n[0].count += (uint64_t)value;
	for (int i = 0; i < f->n; i++) {
		const char *s = fold_name(f, i);
		at = child(c->t, at, f->kind[i], s, bare_len(s, f->kind[i]));
		c->t->n[at].count += (uint64_t)value;
	}
}

/* ---- drawing ---- */

/* flamegraph.pl's namehash: a number in [0, 1] from the first characters,
 * the early ones weighing most, so a name has the same colour everywhere. */
static double name_hash(const char *s, size_t len, bool reverse)
{
	double vector = 0, weight = 1, max = 1;
	int mod = 10;
	for (size_t k = 0; k < len && mod <= 12; k++) {
		unsigned char c = (unsigned char)s[reverse ? len - 1 - k : k];
		vector += (double)(c % mod) / (mod - 1) * weight;
		mod++;
		max += weight;
		weight *= 0.70;
	}
	return 1 - vector / max;
}

static void colour(const struct fnode *n, int *r, int *g, int *b)
{
	size_t len = strlen(n->name);
	double v1 = name_hash(n->name, len, false), v2 = name_hash(n->name, len, true);
	switch (n->kind) {
	case FOLD_KERNEL:          /* orange */
		*r = 190 + (int)(65 * v1);
		*g = 90 + (int)(65 * v1);
		*b = 0;
		break;
	case FOLD_PART:            /* yellow */
		*r = 175 + (int)(55 * v1);
		*g = *r;
		*b = 50 + (int)(20 * v1);
		break;
	case FOLD_SEP:             /* the grey of flamegraph.pl's "-" */
		*r = *g = *b = 160;
		break;
	default:                   /* user frames: red */
		*r = 200 + (int)(55 * v2);
		*g = 50 + (int)(80 * v1);
		*b = *g;
		break;
	}
}

/* Text for XML: markup characters as entities; bytes that are not valid
 * UTF-8, and control characters, which XML forbids, as '?'. */
static void xml_text(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		bool ok = n > 0 && i + n <= len && !(n == 2 && c < 0xc2);
		for (size_t k = 1; ok && k < n; k++)
			ok = (p[i + k] & 0xc0) == 0x80;
		if (!ok) {
			fputc('?', out);
			i++;
			continue;
		}
		if (n > 1) {
			fwrite(p + i, 1, n, out);
		} else if (c == '&') {
			fputs("&amp;", out);
		} else if (c == '<') {
			fputs("&lt;", out);
		} else if (c == '>') {
			fputs("&gt;", out);
		} else if (c == '"') {
			fputs("&quot;", out);
		} else if (c == '\'') {
			fputs("&apos;", out);
		} else if (c < 0x20 || c == 0x7f) {
			fputc('?', out);
		} else {
			fputc(c, out);
		}
		i += n;
	}
}

/* 1234567 -> "1,234,567", as flamegraph.pl's hover text */
static void commas(char *buf, size_t size, uint64_t v)
{
	char d[32];
	int n = snprintf(d, sizeof(d), "%" PRIu64, v), o = 0;
	for (int i = 0; i < n && (size_t)o + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = d[i];
	}
	buf[o] = '\0';
}

struct draw {
	FILE *out;
	const struct ftree *t;
	double per_sample;       /* pixels per sample */
	int height;
	uint64_t total;
};

static int cmp_names(const void *a, const void *b, void *arg)
{
	const struct ftree *t = arg;
	const struct fnode *x = &t->n[*(const int *)a], *y = &t->n[*(const int *)b];
	int c = strcmp(x->name, y->name);
	return c ? c : (int)x->kind - (int)y->kind;
}

static void draw_node(struct draw *d, int id, double x, int depth)
{
	const struct fnode *n = &d->t->n[id];
	double w = (double)n->count * d->per_sample;
	if (w < MIN_W)
		return;
	double y = d->height - YPAD2 - (depth + 1) * FRAME_H + 1;
	char samples[32];
	commas(samples, sizeof(samples), n->count);
	int r, g, b;
	colour(n, &r, &g, &b);
	fputs("<g>\n<title>", d->out);
	xml_text(d->out, n->name, strlen(n->name));
	fprintf(d->out, " (%s samples, %.2f%%)</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" "
		"fill=\"rgb(%d,%d,%d)\" rx=\"2\" ry=\"2\"/>\n<text x=\"%.2f\" y=\"%.1f\">",
		samples, d->total ? 100.0 * (double)n->count / (double)d->total : 0.0, x, y, w, FRAME_H - 1, r, g, b,
		x + 3, y + 10.5);
	/* the name, cut to the box as flamegraph.pl cuts it ("name.."); the
	 * script refits it when zooming */
	size_t len = strlen(n->name), fit = (size_t)((w - 3) / (FONT_SIZE * FONT_W));
	if (w >= 2 * FONT_SIZE * FONT_W) {
		if (len <= fit) {
			xml_text(d->out, n->name, len);
		} else if (fit >= 3) {
			size_t cut = fit - 2;
			while (cut > 0 && ((unsigned char)n->name[cut] & 0xc0) == 0x80)
				cut--;   /* not inside a UTF-8 character */
			xml_text(d->out, n->name, cut);
			fputs("..", d->out);
		}
	}
	fputs("</text>\n</g>\n", d->out);
	if (!n->nkids)
		return;
	int *kids = xmalloc(sizeof(*kids) * (size_t)n->nkids);
	memcpy(kids, n->kids, sizeof(*kids) * (size_t)n->nkids);
	qsort_r(kids, (size_t)n->nkids, sizeof(*kids), cmp_names, (void *)d->t);
	for (int i = 0; i < n->nkids; i++) {
		draw_node(d, kids[i], x, depth + 1);
		x += (double)d->t->n[kids[i]].count * d->per_sample;
	}
	free(kids);
}

static int max_depth(const struct ftree *t, const struct draw *d, int id)
{
	const struct fnode *n = &t->n[id];
	int m = 0;
	for (int i = 0; i < n->nkids; i++) {
		if ((double)t->n[n->kids[i]].count * d->per_sample < MIN_W)
			continue;
		int k = 1 + max_depth(t, d, n->kids[i]);
		if (k > m)
			m = k;
	}
	return m;
}

/* The page's behaviour: hover, zoom, search. Written for this file; the
 * interactions are those of flamegraph.pl's SVGs. */
static const char script[] =
	"\"use strict\";\n"
	"var frames = [], details, unzoombtn, searchbtn, icbtn, matchedtxt, total_w, ignorecase = false, term = null;\n"
	"function init(evt) {\n"
	"  details = document.getElementById(\"details\").firstChild;\n"
	"  unzoombtn = document.getElementById(\"unzoom\");\n"
	"  searchbtn = document.getElementById(\"search\");\n"
	"  icbtn = document.getElementById(\"ignorecase\");\n"
	"  matchedtxt = document.getElementById(\"matched\");\n"
	"  var gs = document.getElementById(\"frames\").children;\n"
	"  for (var i = 0; i < gs.length; i++) {\n"
	"    var g = gs[i], r = g.getElementsByTagName(\"rect\")[0], t = g.getElementsByTagName(\"title\")[0].textContent;\n"
	"    g.fx = parseFloat(r.getAttribute(\"x\")); g.fw = parseFloat(r.getAttribute(\"width\"));\n"
	"    g.fy = parseFloat(r.getAttribute(\"y\")); g.fill = r.getAttribute(\"fill\");\n"
	"    g.info = t; g.fname = t.replace(/ \\([0-9,]+ samples, [0-9.]+%\\)$/, \"\");\n"
	"    frames.push(g);\n"
	"  }\n"
	"  total_w = frames.length ? frames[0].fw : 1;\n"
	"  var fr = document.getElementById(\"frames\");\n"
	"  fr.addEventListener(\"click\", function (e) { var g = group(e.target); if (g) zoom(g); });\n"
	"  fr.addEventListener(\"mouseover\", function (e) { var g = group(e.target); if (g) details.nodeValue = \"Function: \" + g.info; });\n"
	"  fr.addEventListener(\"mouseout\", function (e) { details.nodeValue = \" \"; });\n"
	"  unzoombtn.addEventListener(\"click\", unzoom);\n"
	"  searchbtn.addEventListener(\"click\", function () { if (term === null) search_prompt(); else reset_search(); });\n"
	"  icbtn.addEventListener(\"click\", function () {\n"
	"    ignorecase = !ignorecase; icbtn.classList.toggle(\"show\", ignorecase); if (term !== null) search(term); });\n"
	"  window.addEventListener(\"keydown\", function (e) {\n"
	"    if (e.keyCode === 114 || ((e.ctrlKey || e.metaKey) && e.keyCode === 70)) { e.preventDefault(); search_prompt(); }\n"
	"    else if (e.keyCode === 27) { reset_search(); unzoom(); } });\n"
	"  var q = new URLSearchParams(window.location.search).get(\"s\");\n"
	"  if (q) search(q);\n"
	"}\n"
	"function group(el) {\n"
	"  while (el && el.parentNode && el.parentNode.id !== \"frames\") el = el.parentNode;\n"
	"  return el && el.parentNode ? el : null;\n"
	"}\n"
	"function place(g, x, w) {\n"
	"  var r = g.getElementsByTagName(\"rect\")[0], t = g.getElementsByTagName(\"text\")[0];\n"
	"  r.setAttribute(\"x\", x.toFixed(2)); r.setAttribute(\"width\", w.toFixed(2));\n"
	"  t.setAttribute(\"x\", (x + 3).toFixed(2));\n"
	"  var fit = Math.floor((w - 3) / (" "12 * 0.59" "));\n"
	"  if (w < 2 * 12 * 0.59) t.textContent = \"\";\n"
	"  else if (g.fname.length <= fit) t.textContent = g.fname;\n"
	"  else t.textContent = fit >= 3 ? g.fname.substring(0, fit - 2) + \"..\" : \"\";\n"
	"}\n"
	"function zoom(n) {\n"
	"  var x = n.fx, w = n.fw, ratio = total_w / w, eps = 0.0001;\n"
	"  unzoombtn.classList.remove(\"hide\");\n"
	"  frames.forEach(function (g) {\n"
	"    g.classList.remove(\"parent\"); g.classList.remove(\"hide\");\n"
	"    var inside = g.fx >= x - eps && g.fx + g.fw <= x + w + eps;\n"
	"    if (g.fy > n.fy) {\n"
	"      if (g.fx <= x + eps && g.fx + g.fw >= x + w - eps) { g.classList.add(\"parent\"); place(g, frames[0].fx, total_w); }\n"
	"      else g.classList.add(\"hide\");\n"
	"    } else if (inside) place(g, frames[0].fx + (g.fx - x) * ratio, g.fw * ratio);\n"
	"    else g.classList.add(\"hide\");\n"
	"  });\n"
	"  if (term !== null) search(term);\n"
	"}\n"
	"function unzoom() {\n"
	"  unzoombtn.classList.add(\"hide\");\n"
	"  frames.forEach(function (g) { g.classList.remove(\"parent\"); g.classList.remove(\"hide\"); place(g, g.fx, g.fw); });\n"
	"  if (term !== null) search(term);\n"
	"}\n"
	"function search_prompt() {\n"
	"  var t = prompt(\"Enter a search term (regexp allowed, eg: ^ext4_)\" + (ignorecase ? \", ignoring case\" : \"\"), \"\");\n"
	"  if (t) search(t);\n"
	"}\n"
	"function search(t) {\n"
	"  var re;\n"
	"  try { re = new RegExp(t, ignorecase ? \"i\" : \"\"); } catch (e) { return; }\n"
	"  term = t;\n"
	"  var spans = [];\n"
	"  frames.forEach(function (g) {\n"
	"    var r = g.getElementsByTagName(\"rect\")[0];\n"
	"    if (re.test(g.fname)) { r.setAttribute(\"fill\", \"rgb(230,0,230)\"); spans.push([g.fx, g.fx + g.fw]); }\n"
	"    else r.setAttribute(\"fill\", g.fill);\n"
	"  });\n"
	"  spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
	"  var sum = 0, end = -1;\n"
	"  spans.forEach(function (s) { if (s[0] >= end) { sum += s[1] - s[0]; end = s[1]; } else if (s[1] > end) { sum += s[1] - end; end = s[1]; } });\n"
	"  searchbtn.classList.add(\"show\"); searchbtn.firstChild.nodeValue = \"Reset Search\";\n"
	"  matchedtxt.classList.remove(\"hide\");\n"
	"  matchedtxt.firstChild.nodeValue = \"Matched: \" + (100 * sum / total_w).toFixed(1) + \"%\";\n"
	"}\n"
	"function reset_search() {\n"
	"  term = null;\n"
	"  frames.forEach(function (g) { g.getElementsByTagName(\"rect\")[0].setAttribute(\"fill\", g.fill); });\n"
	"  searchbtn.classList.remove(\"show\"); searchbtn.firstChild.nodeValue = \"Search\";\n"
	"  matchedtxt.classList.add(\"hide\");\n"
	"}\n";

static void write_svg(FILE *out, const struct ftree *t, const char *subtitle)
{
	struct draw d = { .out = out, .t = t, .total = t->n[0].count };
	d.per_sample = d.total ? (double)(IMAGE_W - 2 * XPAD) / (double)d.total : 0;
	int depth = d.total ? max_depth(t, &d, 0) + 1 : 1;
	d.height = depth * FRAME_H + YPAD1 + YPAD2;
	fprintf(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" onload=\"init(evt)\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
		"<!-- Flame graph drawn by bpfscript, in the form of flamegraph.pl -->\n"
		"<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
		"<stop stop-color=\"#eeeeee\" offset=\"5%%\"/><stop stop-color=\"#eeeeb0\" offset=\"95%%\"/>"
		"</linearGradient></defs>\n"
		"<style type=\"text/css\">\n"
		"text { font-family: Verdana, sans-serif; font-size: %dpx; fill: rgb(0,0,0); }\n"
		"#search, #ignorecase { opacity: 0.1; cursor: pointer; }\n"
		"#search:hover, #search.show, #ignorecase:hover, #ignorecase.show { opacity: 1; }\n"
		"#subtitle { text-anchor: middle; fill: rgb(160,160,160); }\n"
		"#title { text-anchor: middle; font-size: 17px; }\n"
		"#unzoom { cursor: pointer; }\n"
		"#frames > *:hover { stroke: black; stroke-width: 0.5; cursor: pointer; }\n"
		".hide { display: none; }\n"
		".parent { opacity: 0.5; }\n"
		"</style>\n<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n",
		IMAGE_W, d.height, IMAGE_W, d.height, FONT_SIZE, script);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"url(#background)\"/>\n"
		"<text id=\"title\" x=\"%d\" y=\"24\">Flame Graph</text>\n"
		"<text id=\"subtitle\" x=\"%d\" y=\"%d\">", IMAGE_W, d.height, IMAGE_W / 2, IMAGE_W / 2, FONT_SIZE * 2 + 24 - 8);
	xml_text(out, subtitle, strlen(subtitle));
	fprintf(out, "</text>\n"
		"<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n"
		"<text id=\"unzoom\" x=\"%d\" y=\"24\" class=\"hide\">Reset Zoom</text>\n"
		"<text id=\"search\" x=\"%d\" y=\"24\">Search</text>\n"
		"<text id=\"ignorecase\" x=\"%d\" y=\"24\">ic</text>\n"
		"<text id=\"matched\" x=\"%d\" y=\"%d\" class=\"hide\"> </text>\n"
		"<g id=\"frames\">\n",
		XPAD, d.height - 17, XPAD, IMAGE_W - XPAD - 100, IMAGE_W - XPAD - 16, IMAGE_W - XPAD - 100, d.height - 17);
	if (d.total)
		draw_node(&d, 0, XPAD, 0);
	fputs("</g>\n", out);
	if (!d.total)
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">No stack samples</text>\n", IMAGE_W / 2,
			YPAD1 + FRAME_H / 2);
	fputs("</svg>\n", out);
}

static int cmp_maps(const void *a, const void *b)
{
	const struct rt_map *x = *(struct rt_map *const *)a, *y = *(struct rt_map *const *)b;
	return strcmp(x->name, y->name);
}

int rt_flamegraph_write(struct rt *rt, int fd, const char *name)
{
	struct ftree t = { 0 };
	new_node(&t, -1, FOLD_PART, "all", 3);
	struct rt_map **maps = xmalloc(sizeof(*maps) * (size_t)(rt->nmaps ? rt->nmaps : 1));
	int n = 0;
	for (int i = 0; i < rt->nmaps; i++)
		if (fold_map(rt->maps[i]))
			maps[n++] = rt->maps[i];
	qsort(maps, (size_t)n, sizeof(*maps), cmp_maps);
	struct sbuf sub = { 0 };
	for (int i = 0; i < n; i++) {
		struct collect c = { .t = &t, .base = 0 };
		if (n > 1)   /* several maps: each one a frame of its own */
			c.base = child(&t, 0, FOLD_PART, maps[i]->name, strlen(maps[i]->name));
		int err = rt_map_fold(rt, maps[i], on_fold, &c);
		if (err)
			fprintf(stderr, "ERROR: --flamegraph: failed to read map %s: %s\n", maps[i]->name, strerror(-err));
		sb_printf(&sub, "%s%s", i ? ", " : "", maps[i]->name);
	}
	if (!n)
		fprintf(stderr, "WARNING: --flamegraph: no map has a key with a kstack or ustack and a count, "
			"sum, min, max, avg or integer value: %s has no frames\n", name);
	free(maps);
	int rc = 0;
	int fd2 = dup(fd);
	FILE *out = fd2 >= 0 ? fdopen(fd2, "w") : NULL;
	if (!out) {
		if (fd2 >= 0)
			close(fd2);
		rc = -1;
	} else {
		write_svg(out, &t, sub.p ? sub.p : "");
		if (ferror(out))
			rc = -1;
		if (fclose(out))
			rc = -1;
	}
	if (rc)
		fprintf(stderr, "ERROR: --flamegraph: failed to write %s: %s\n", name, strerror(errno));
	sb_free(&sub);
	for (int i = 0; i < t.len; i++) {
		free(t.n[i].name);
		free(t.n[i].kids);
	}
	free(t.n);
	free(t.hash);
	return rc;
}
