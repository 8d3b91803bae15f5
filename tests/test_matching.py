"""The text rules' literal prefilter: public means only, every cue covered, never wrong."""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

from tracker.evidence import matching, text_rules
from tracker.evidence.cue_literals import REQUIRED_LITERALS
from tracker.evidence.matching import WordPattern, fold

ROOT = Path(__file__).parents[1]


def all_patterns() -> list[WordPattern]:
    patterns = [cue.pattern for cue in text_rules.CUES]
    patterns += [v for v in vars(text_rules).values() if isinstance(v, WordPattern)]
    return patterns


def corpus() -> list[str]:
    labelled = runpy.run_path(str(ROOT / "bench" / "labelled_evidence.py"))
    items = labelled["DEV"] + labelled["HELD_OUT"]
    return [fold(f"{title}\n{abstract}") for _, title, abstract in items]


def test_no_private_modules_of_the_standard_library():
    tree = ast.parse(Path(matching.__file__).read_text())
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if any(part.startswith("_") for part in
                                                 name.split(".") if part != "__future__")]


def test_every_cue_has_its_literals():
    missing = [p.source for p in all_patterns() if not p.needles]
    assert missing == []
    assert all(n == n.lower() and n for needles in REQUIRED_LITERALS.values() for n in needles)


def test_every_match_contains_one_of_its_literals():
    texts = corpus()
    checked = 0
    for pattern in all_patterns():
        for text in texts:
            for match in pattern.regex.finditer(text):
                assert any(n in match.group(0) for n in pattern.needles), (
                    pattern.source, match.group(0))
                checked += 1
    assert checked > 200  # the labelled set exercises the cues


def test_a_pattern_without_literals_is_scanned_not_skipped():
    pattern = WordPattern(r"\bsham[- ]controlled\b")
    assert pattern.needles == ()
    assert pattern.search("a sham-controlled trial") is not None
    assert pattern.search("shamcontrolled") is None
