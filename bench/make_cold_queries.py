#!/usr/bin/env python3
"""Distinct realistic queries for the cold-search benchmark (issue 16).

Usage: bench/make_cold_queries.py CORPUS_DIR [--count 20000] [--seed 16] > FILE

Queries are what a customer types into a help page's search box: one to three
consecutive words of an article's title or of one of its headings (the words
an article is usually looked for by), chosen at random with a fixed seed. A
fifth of them are typed without diacritics ("faktury" for "faktury",
"quan ly" for "quản lý"), as on phones and foreign keyboards. Markup, link
targets and digits-only words are dropped; each query is lowercase and
appears once. The output is the same for the same corpus and seed, and has
more distinct queries than kb-server's result cache holds (4,096), so every
one of them is answered on the uncached path the first time.
"""
import argparse
import os
import random
import re
import sys
import unicodedata

WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
ANCHOR = re.compile(r"<a name=[^>]*></a>")
LINK = re.compile(r"\]\([^)]*\)")


def fold(text):
    """Latin letters without diacritics (as a customer without the keys types them)."""
    text = text.replace("đ", "d").replace("Đ", "D").replace("ł", "l").replace("Ł", "L")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def lines_of(path):
    """The title and the headings of one article."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    body = text
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end > 0:
            for line in text[3:end].splitlines():
                if line.startswith("title:"):
                    out.append(line[len("title:"):].strip().strip("'\""))
            body = text[end + 4:]
    for line in body.splitlines():
        if line.startswith("#"):
            out.append(LINK.sub("]", ANCHOR.sub("", line.lstrip("#"))))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--plain-share", type=float, default=0.2, help="share typed without diacritics")
    args = ap.parse_args()

    phrases = []
    for root, dirs, files in os.walk(args.corpus):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".md"):
                for line in lines_of(os.path.join(root, name)):
                    words = [w.lower() for w in WORD.findall(line) if len(w) > 1]
                    if words:
                        phrases.append(words)
    if not phrases:
        sys.exit(f"no titles or headings under {args.corpus}")
    rng = random.Random(args.seed)
    seen = set()
    out = []
    attempts = 0
    while len(out) < args.count and attempts < args.count * 50:
        attempts += 1
        words = rng.choice(phrases)
        n = min(len(words), rng.choice((1, 2, 2, 3, 3)))
        start = rng.randrange(len(words) - n + 1)
        q = " ".join(words[start:start + n])
        if rng.random() < args.plain_share:
            q = fold(q)
        if q not in seen:
            seen.add(q)
            out.append(q)
    if len(out) < args.count:
        sys.exit(f"only {len(out)} distinct queries in {args.corpus} (asked for {args.count})")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
