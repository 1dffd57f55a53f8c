#!/usr/bin/env python3
"""Relevance benchmark for kb: XQuAD-R retrieval (vs. SQLite FTS5) and d365 known items.

Standard library only. Markdown report on stdout, progress on stderr.
"""
import argparse
import datetime
import json
import math
import os
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
XQUAD_LANGS = ("en", "de", "ru", "vi", "zh")
CJK_LANGS = ("zh", "ja", "ko")
K = 10
HTTP_TIMEOUT = 10.0
START_TIMEOUT = 30.0
WORD_RE = re.compile(r"\w+", re.UNICODE)


def log(msg):
    """Progress message on stderr."""
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- kb driving

def run_indexer(build, content, index, accept_partial, extra=()):
    """Index CONTENT into INDEX; return the paths kb-index rejected (raise on a bad exit code)."""
    cmd = [os.path.join(build, "kb-index"), "--content", content, "--index", index, "--quiet", *extra]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    took = time.monotonic() - t0
    if proc.returncode == 1 and accept_partial:
        log("  kb-index exited 1 (some files failed), accepted")
    elif proc.returncode != 0:
        raise RuntimeError(f"kb-index exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    log(f"  indexed {content} in {took:.1f}s")
    failed = set()
    for line in proc.stderr.splitlines():
        m = re.match(r"(.+?):\d+: error:", line)
        if m:
            failed.add(m.group(1).replace(os.sep, "/"))
    return failed


def create_token(build, index):
    """Create an agent token and return it."""
    cmd = [os.path.join(build, "kb-index"), "token", "create", "relevance-bench", "--index", index]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    lines = [l.strip() for l in proc.stdout.splitlines() if l.strip()]
    if not lines:
        raise RuntimeError("kb-index token create printed nothing")
    return lines[-1]


def free_port():
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """kb-server as a context manager: started on enter, always stopped on exit."""

    def __init__(self, build, index, workdir):
        port = free_port()
        self.cmd = [os.path.join(build, "kb-server"), "--index", index,
                    "--templates", os.path.join(REPO, "templates"),
                    "--port", str(port), "--no-access-log",
                    # One client sends every query: no per-address or per-token limits.
                    "--rate-limit", "0", "--staff-rate-limit", "0"]
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = os.path.join(workdir, "server.log")
        self.proc = None

    def __enter__(self):
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _wait_healthy(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                with open(self.log_path, encoding="utf-8", errors="replace") as f:
                    raise RuntimeError(f"kb-server exited {self.proc.returncode}: {f.read()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError("kb-server did not become healthy in time")

    def stop(self):
        """SIGTERM, then SIGKILL if it does not exit."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def search(self, query, token=None):
        """Top-K results as a list of dicts, or None when the request failed."""
        url = f"{self.base}/api/v1/search?" + urllib.parse.urlencode({"q": query, "limit": K})
        req = urllib.request.Request(url)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as r:
                return json.load(r).get("results", [])[:K]
        except (urllib.error.URLError, OSError, ValueError) as e:
            log(f"  search failed for {shorten(query)!r}: {e}")
            return None


# ---------------------------------------------------------------- data

def read_markdown(path):
    """(front matter dict of simple scalars, body) of a Markdown file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    meta, body = {}, text
    m = re.match(r"---\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", text, re.S)
    if m:
        body = text[m.end():]
        for line in m.group(1).splitlines():
            km = re.match(r"([A-Za-z_][\w.-]*):\s*(.*)$", line)
            if km:
                meta[km.group(1)] = unquote_yaml(km.group(2).strip())
    return meta, body


def unquote_yaml(value):
    """Strip YAML scalar quotes (double-quoted escapes are read as JSON)."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


def load_paragraphs(articles):
    """{relative path: (doc_id, title, body)} for every .md under ARTICLES."""
    docs = {}
    for root, _, files in os.walk(articles):
        for name in sorted(files):
            if name.endswith(".md"):
                full = os.path.join(root, name)
                rel = os.path.relpath(full, articles).replace(os.sep, "/")
                meta, body = read_markdown(full)
                doc_id = meta.get("doc_id") or rel[:-3].replace("/", "-")
                docs[rel] = (doc_id, meta.get("title", ""), body)
    return docs


def load_queries(lang_dir):
    """[(query id, text, relevant doc_id)] for questions that have a qrel."""
    qrels = {}
    with open(os.path.join(lang_dir, "qrels.tsv"), encoding="utf-8") as f:
        next(f, None)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and (len(parts) < 3 or parts[2] != "0"):
                qrels[parts[0]] = parts[1]
    out = []
    with open(os.path.join(lang_dir, "queries.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                q = json.loads(line)
                if q["_id"] in qrels:
                    out.append((q["_id"], q["text"], qrels[q["_id"]]))
    return out


# ---------------------------------------------------------------- FTS5 baseline

def fts5_available():
    """True when this sqlite3 build has FTS5."""
    try:
        con = sqlite3.connect(":memory:")
        con.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        con.close()
        return True
    except sqlite3.Error:
        return False


def fts5_rankings(docs, queries):
    """{query id: [doc_id, ...]} from an in-memory FTS5 index ranked by bm25."""
    con = sqlite3.connect(":memory:")
    try:
        con.execute('CREATE VIRTUAL TABLE p USING fts5(doc_id UNINDEXED, title, body, '
                    'tokenize="unicode61 remove_diacritics 2")')
        with con:
            con.executemany("INSERT INTO p(doc_id, title, body) VALUES (?, ?, ?)",
                            [(d, t, b) for d, t, b in docs.values()])
        ranked = {}
        for qid, text, _ in queries:
            tokens = WORD_RE.findall(text)
            if not tokens:
                ranked[qid] = []
                continue
            match = " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)
            rows = con.execute("SELECT doc_id FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT ?",
                               (match, K)).fetchall()
            ranked[qid] = [r[0] for r in rows]
        return ranked
    finally:
        con.close()


# ---------------------------------------------------------------- metrics

def first_rank(ranked, relevant):
    """1-based rank of the first relevant item within the top K, or None."""
    for i, item in enumerate(ranked[:K]):
        if item in relevant:
            return i + 1
    return None


def scores(ranks):
    """nDCG@K, MRR@K and Recall@K for single-relevant-doc queries."""
    n = len(ranks) or 1
    return {"ndcg": sum(1 / math.log2(r + 1) for r in ranks if r) / n,
            "mrr": sum(1 / r for r in ranks if r) / n,
            "recall": sum(1 for r in ranks if r) / n}


# ---------------------------------------------------------------- XQuAD-R

def eval_xquad(args, langs, out):
    """Run XQuAD-R for each language; append markdown lines to OUT."""
    base = os.path.join(args.shared, "data", "relevance", "xquad-r")
    out.append("## XQuAD-R (question -> paragraph, top 10, no lang parameter)\n")
    if not os.path.isdir(base):
        out.append(f"Skipped: {base} not found.\n")
        log(f"XQuAD-R skipped: {base} not found")
        return
    have_fts = fts5_available()
    if not have_fts:
        out.append("**The sqlite3 module has no FTS5: baseline columns are empty.**\n")
    rows, notes = [], []
    for lang in langs:
        lang_dir = os.path.join(base, lang)
        if not os.path.isdir(os.path.join(lang_dir, "articles")):
            notes.append(f"- {lang}: no data, skipped")
            continue
        log(f"XQuAD-R {lang}")
        docs = load_paragraphs(os.path.join(lang_dir, "articles"))
        queries = load_queries(lang_dir)
        path_to_id = {rel: d[0] for rel, d in docs.items()}
        kb_ranks, errors, unknown = [], 0, set()
        t0 = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="kb-rel-") as tmp:
            index = os.path.join(tmp, "index")
            run_indexer(args.build, os.path.join(lang_dir, "articles"), index, False)
            with Server(args.build, index, tmp) as srv:
                for _, text, rel in queries:
                    hits = srv.search(text)
                    if hits is None:
                        errors += 1
                        hits = []
                    ids = []
                    for h in hits:
                        doc = path_to_id.get(h.get("path", ""))
                        if doc is None:
                            unknown.add(h.get("path", ""))
                        ids.append(doc)
                    kb_ranks.append(first_rank(ids, {rel}))
        took = time.monotonic() - t0
        kb = scores(kb_ranks)
        fts = None
        if have_fts:
            ranked = fts5_rankings(docs, queries)
            fts = scores([first_rank(ranked[q], {rel}) for q, _, rel in queries])
        rows.append((lang, len(queries), kb, fts, errors))
        zero = sum(1 for r in kb_ranks if r is None)
        notes.append(f"- {lang}: {len(docs)} paragraphs, {len(queries)} queries, "
                     f"{errors} failed requests, {zero} without the answer in the top 10, "
                     f"{took:.1f}s for index + queries")
        if unknown:
            notes.append(f"  - {len(unknown)} result path(s) not in the corpus, e.g. {sorted(unknown)[0]!r}")
    out.append("| lang | queries | nDCG@10 kb | FTS5 | Δ | MRR@10 kb | FTS5 | Δ | R@10 kb | FTS5 | Δ |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for lang, n, kb, fts, _ in rows:
        cells = [lang, str(n)]
        for m in ("ndcg", "mrr", "recall"):
            cells.append(f"{kb[m]:.3f}")
            cells += [f"{fts[m]:.3f}", f"{kb[m] - fts[m]:+.3f}"] if fts else ["–", "–"]
        out.append("| " + " | ".join(cells) + " |")
    if len(rows) > 1:
        cells = ["**mean**", str(sum(r[1] for r in rows))]
        for m in ("ndcg", "mrr", "recall"):
            k = sum(r[2][m] for r in rows) / len(rows)
            cells.append(f"{k:.3f}")
            if all(r[3] for r in rows):
                f = sum(r[3][m] for r in rows) / len(rows)
                cells += [f"{f:.3f}", f"{k - f:+.3f}"]
            else:
                cells += ["–", "–"]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    if have_fts and any(r[0] in CJK_LANGS for r in rows):
        out.append("FTS5's unicode61 tokenizer does not segment CJK text (a run of ideographs is one "
                   "token), so its zh baseline is near zero by construction.\n")
    out.extend(notes)
    out.append("")


# ---------------------------------------------------------------- known items

def load_known_items(path, langs):
    """[(lang, kind, query, set of expected paths)] from the TSV, filtered by LANGS."""
    items = []
    with open(path, encoding="utf-8") as f:
        header = next(f, "").rstrip("\n").split("\t")
        col = {name.strip(): i for i, name in enumerate(header)}
        for name in ("lang", "kind", "query", "expected"):
            if name not in col:
                raise RuntimeError(f"{path}: header lacks column {name!r}")
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            get = lambda c: parts[col[c]].strip() if col[c] < len(parts) else ""
            if langs and get("lang") not in langs:
                continue
            expected = {re.sub(r"^(\./)+", "", p.strip()) for p in get("expected").split("|") if p.strip()}
            items.append((get("lang"), get("kind"), get("query"), expected))
    return items


def known_row(label_lang, label_kind, ranks):
    """A markdown table row with success@1, success@3 and MRR@10."""
    n = len(ranks) or 1
    s1 = sum(1 for r in ranks if r == 1) / n
    s3 = sum(1 for r in ranks if r and r <= 3) / n
    mrr = sum(1 / r for r in ranks if r) / n
    return f"| {label_lang} | {label_kind} | {len(ranks)} | {s1:.3f} | {s3:.3f} | {mrr:.3f} |"


def eval_known(args, langs, out):
    """Run the d365 known-item queries, the dev set and the held-out test set,
    over one index; append markdown lines to OUT."""
    corpus = os.path.join(args.shared, "data", "corpora", "d365")
    out.append("## Known items (d365, agent token, top 10, no lang parameter)\n")
    if not os.path.exists(corpus):
        out.append(f"Skipped: corpus {corpus} not found.\n")
        log(f"Known items skipped: {corpus} not found")
        return
    sets = []  # (title, items, list the misses)
    for title, path, misses in (("Dev set (tuned on)", args.known_items, True),
                                ("Test set (held out: never tuned on, only aggregates)", args.known_test, False)):
        if not os.path.exists(path):
            out.append(f"{title}: skipped, {path} not found.\n")
            continue
        items = load_known_items(path, langs)
        if items:
            sets.append((title, items, misses))
    if not sets:
        out.append("Skipped: no known items for the selected languages.\n")
        return
    log(f"Known items: {sum(len(s[1]) for s in sets)} queries over {corpus}")
    answered = []  # per set: [(lang, kind, query, expected, rank, top)]
    errors = 0
    with tempfile.TemporaryDirectory(prefix="kb-rel-") as tmp:
        index = os.path.join(tmp, "index")
        # d365's "audience: Application User" is Microsoft's schema, not ours:
        # publish those articles, so spelling data is built from them too.
        rejected = run_indexer(args.build, corpus, index, True, ("--unknown-audience", "public"))
        token = create_token(args.build, index)
        with Server(args.build, index, tmp) as srv:
            for _, items, _ in sets:
                results = []
                for lang, kind, query, expected in items:
                    hits = srv.search(query, token)
                    errors += hits is None
                    rank = first_rank([h.get("path", "") for h in hits or []], expected)
                    top = (hits[0] if hits else {}) if hits is not None else None
                    results.append((lang, kind, query, expected, rank, top))
                answered.append(results)
    out.append(f"{errors} failed requests; kb-index rejected {len(rejected)} file(s).\n")
    for (title, items, misses), results in zip(sets, answered):
        known_table(title, results, rejected, misses, out)


def known_table(title, results, rejected, misses, out):
    """The success table of one known-item set; with MISSES, the queries not in the top 3."""
    unreachable = [r[2] for r in results if r[3] and r[3] <= rejected]
    out.append(f"### {title}: {len(results)} queries, {len(unreachable)} expect only rejected files\n")
    out.append("| lang | kind | queries | success@1 | success@3 | MRR@10 |")
    out.append("|---|---|---:|---:|---:|---:|")
    for lang in sorted({r[0] for r in results}):
        mine = [r for r in results if r[0] == lang]
        for kind in sorted({r[1] for r in mine}):
            out.append(known_row(lang, kind, [r[4] for r in mine if r[1] == kind]))
        out.append(known_row(f"**{lang}**", "**all**", [r[4] for r in mine]))
    for kind in sorted({r[1] for r in results}):
        out.append(known_row("**all**", kind, [r[4] for r in results if r[1] == kind]))
    out.append(known_row("**all**", "**all**", [r[4] for r in results]))
    failed = [r for r in results if not r[4] or r[4] > 3]
    if not misses:
        out.append(f"\n{len(failed)} not in the top 3 (not listed: a held-out set stays a fair judge "
                   "only while nobody tunes on its misses).\n")
        return
    out.append(f"\n#### Not in the top 3 ({len(failed)})\n")
    if failed:
        out.append("| lang | kind | query | rank | expected | first result |")
        out.append("|---|---|---|---:|---|---|")
        for lang, kind, query, expected, rank, top in failed:
            if top is None:
                first = "(request failed)"
            else:
                first = f"{top.get('path', '')} ({top.get('title', '')})" if top else "(no hits)"
            if expected <= rejected:
                first += " [expected file was rejected by kb-index]"
            out.append("| " + " | ".join(cell(x) for x in (
                lang, kind, shorten(query), str(rank or "–"), " | ".join(sorted(expected)), first)) + " |")
    out.append("")


def shorten(text, width=100):
    """TEXT cut to WIDTH characters with an ellipsis."""
    return text if len(text) <= width else text[:width - 1] + "…"


def cell(text):
    """Make TEXT safe inside a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------- main

def parse_args(argv):
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.path.join(REPO, "build"), help="folder with kb-index and kb-server")
    p.add_argument("--shared", default=os.path.join(os.path.dirname(REPO), "shared"),
                   help="shared folder holding data/ (default: ../shared next to the repo)")
    p.add_argument("--only", choices=("xquad", "known"), help="run one part only")
    p.add_argument("--langs", help="comma-separated languages (filters both parts)")
    p.add_argument("--out", help="also write the markdown report to this file")
    p.add_argument("--known-items", default=os.path.join(REPO, "bench", "relevance", "known_items.tsv"),
                   help=argparse.SUPPRESS)
    p.add_argument("--known-test", default=os.path.join(REPO, "bench", "relevance", "known_items_test.tsv"),
                   help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.build = os.path.abspath(args.build)
    args.shared = os.path.abspath(args.shared)
    for tool in ("kb-index", "kb-server"):
        if not os.access(os.path.join(args.build, tool), os.X_OK):
            p.error(f"{tool} not found in {args.build} (build first or pass --build)")
    return args


def main(argv):
    args = parse_args(argv)
    langs = [l.strip() for l in args.langs.split(",") if l.strip()] if args.langs else None
    out = ["# kb relevance benchmark\n",
           f"- command: `{shlex.join(['python3', os.path.relpath(__file__, REPO)] + argv)}`",
           f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
           f"- build: {args.build}",
           f"- SQLite {sqlite3.sqlite_version}\n"]
    if args.only in (None, "xquad"):
        eval_xquad(args, langs or list(XQUAD_LANGS), out)
    if args.only in (None, "known"):
        eval_known(args, langs, out)
    report = "\n".join(out)
    print(report)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
