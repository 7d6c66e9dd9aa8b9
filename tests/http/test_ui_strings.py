"""The words a person reads on the newer web pages come from the messages
catalogue (src/web/messages.c, Japanese and English), not from literals in
the page code: a literal is in one language only and escapes the
catalogue's checks.  Reads the sources as text; no server is started."""

import os
import re

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FILES = ["src/web/incident_report.c", "src/web/indicator.c", "src/web/feeds.c",
         # The older topic, community and directory pages (the list range,
         # "7/30 更新", the author's organisation in brackets).
         "src/web/topic.c", "src/web/community.c", "src/web/directory.c"]
# Page code that picks words by language itself ("if English, this
# literal, else that one") keeps a translation outside the catalogue.
LANG_BRANCH = re.compile(r'(?:str_eq|strcmp)\(\s*r->lang\s*,\s*"(?:en|ja)"\s*\)')
JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff\uff01-\uff5e]")
# Text between two tags in a literal: ">Two words<" (a format like ">%s<"
# or a lone code such as ">TLP<" is not prose).
ENGLISH = re.compile(r">\s*[A-Za-z][a-z]+(?:[ ,.][A-Za-z][a-z]*)+[.!?]?\s*<")


def literals(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        src = f.read()
    src = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), src, flags=re.S)
    src = re.sub(r"//[^\n]*", "", src)
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', src):
        yield src.count("\n", 0, m.start()) + 1, m.group(1)


def offending(path):
    return [(path, line, text) for line, text in literals(path)
            if JAPANESE.search(text) or ENGLISH.search(text)]


def test_scanner_sees_literals():
    # A broken scanner would find nothing and pass vacuously below.
    found = list(literals("src/web/feeds.c"))
    assert any("<" in t for _, t in found)
    assert ENGLISH.search('<p class=\\"empty\\">No cases to report.</p>')
    assert JAPANESE.search("<h2>送付記録</h2>")


def test_no_ui_words_outside_the_catalogue():
    bad = [o for p in FILES for o in offending(p)]
    assert not bad, "UI words not from src/web/messages.c: %r" % bad


def test_scanner_sees_language_branches():
    assert LANG_BRANCH.search('if (str_eq(r->lang, "en"))')
    assert LANG_BRANCH.search('strcmp(r->lang, "ja") == 0')


def test_no_language_branches_in_page_code():
    bad = []
    for path in FILES:
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if LANG_BRANCH.search(line):
                    bad.append((path, n, line.strip()))
    assert not bad, "words chosen by language outside src/web/messages.c: %r" % bad
