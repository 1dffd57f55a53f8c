#!/usr/bin/env python3
"""Builds a corpus of N articles by recombining real paragraphs (issue 6).

    bench/grow_corpus.py --from DIR --articles N --out DIR [--seed 6]

Every generated article takes a real article of DIR as its template: the
template's front matter (its keys and values, in order), its title plus a
number, and as many blocks (paragraphs, lists, tables, headings, whole code
fences) as the template has, each drawn at random from the articles in the
same top-level folder (one language per folder in d365 and content/). The
text is therefore real text in the right language, in real Markdown, but the
articles are recombined: an article's paragraphs do not belong together.

Keys that must be unique across a corpus (slug, aliases, translation_of) are
dropped; files without a title (include fragments) are not templates but
their blocks are drawn. The output is deterministic for a given source,
N and seed. Files go to OUT/<top folder>/<NNN>/<source name>-<i>.md, a
thousand per folder.
"""
import argparse
import json
import os
import random
import re
import sys

DROPPED_KEYS = {"title", "slug", "aliases", "translation_of"}
KEY_RE = re.compile(r"^([A-Za-z_][\w.\-]*)\s*:(.*)$")


def split_front_matter(text):
    """(front matter lines or None, body)."""
    if not (text.startswith("---\n") or text.startswith("---\r\n")):
        return None, text
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return lines[1:i], "\n".join(lines[i + 1:])
    return None, text


def title_of(front):
    for line in front or []:
        m = KEY_RE.match(line)
        if m and m.group(1) == "title":
            value = m.group(2).strip()
            if not value or value[0] in "|>":
                return None  # a block scalar: not worth parsing here
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            return value
    return None


def kept_front_matter(front):
    """The template's lines minus the unique keys (with their continuation lines)."""
    out, dropping = [], False
    for line in front:
        m = KEY_RE.match(line)
        if m:
            dropping = m.group(1) in DROPPED_KEYS
        elif not (line.startswith(" ") or line.startswith("\t") or line.startswith("-")):
            dropping = False
        if not dropping:
            out.append(line)
    return out


def blocks_of(body):
    """Blank-line separated blocks; a fenced code block stays whole."""
    blocks, current, fence = [], [], None
    for line in body.split("\n"):
        stripped = line.lstrip()
        if fence:
            current.append(line)
            if stripped.startswith(fence):
                fence = None
            continue
        if stripped.startswith("```") or stripped.startswith("~~~"):
            fence = stripped[:3]
            current.append(line)
            continue
        if not line.strip():
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current and not fence:
        blocks.append("\n".join(current))
    # The title heading is the article's own; ':::' fences would open
    # internal blocks that the recombination never closes.
    return [b for b in blocks if not b.startswith("# ") and not any(
        l.lstrip().startswith(":::") for l in b.split("\n"))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="source", required=True)
    ap.add_argument("--articles", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args()

    paths = []
    for root, dirs, files in os.walk(args.source):
        dirs.sort()
        paths += [os.path.join(root, f) for f in sorted(files) if f.endswith(".md")]
    pools = {}      # top-level folder -> blocks
    templates = []  # (top, stem, kept front matter lines, title, block count)
    for path in paths:
        rel = os.path.relpath(path, args.source)
        top = rel.split(os.sep)[0] if os.sep in rel else "."
        with open(path, encoding="utf-8", errors="replace") as f:
            front, body = split_front_matter(f.read())
        blocks = blocks_of(body)
        pools.setdefault(top, []).extend(blocks)
        title = title_of(front)
        if title and blocks:
            stem = os.path.splitext(os.path.basename(path))[0]
            templates.append((top, stem, kept_front_matter(front), title, len(blocks)))
    if not templates:
        sys.exit(f"grow_corpus: no article with a title in {args.source}")

    rng = random.Random(args.seed)
    written = 0
    width = max(6, len(str(args.articles)))
    for i in range(args.articles):
        top, stem, front, title, count = templates[rng.randrange(len(templates))]
        pool = pools[top]
        new_title = f"{title} ({i + 1})"
        body = "\n\n".join(pool[rng.randrange(len(pool))] for _ in range(count))
        # A JSON string is a valid YAML double-quoted scalar.
        text = ("---\ntitle: " + json.dumps(new_title, ensure_ascii=False) + "\n" +
                "".join(line + "\n" for line in front) + "---\n# " + new_title + "\n\n" + body + "\n")
        folder = os.path.join(args.out, top, f"{i // 1000:03d}")
        os.makedirs(folder, exist_ok=True)
        data = text.encode("utf-8")
        with open(os.path.join(folder, f"{stem}-{i + 1:0{width}d}.md"), "wb") as f:
            written += f.write(data)
    print(f"grow_corpus: {args.articles} articles, {written / 1048576:.0f} MB of text, "
          f"from {len(templates)} templates in {args.source} (seed {args.seed})")


if __name__ == "__main__":
    main()
