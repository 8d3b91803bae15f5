"""Training the level model on the store's own indexed papers, saving it, loading the current one.

The labels are free: a paper NLM has indexed carries publication types, and the level they give
(the rules' `publication_type` source) is what the model learns to read from the words alone.
Scores are measured on indexed papers held out of training, with their publication types hidden,
so they estimate how the model does on papers not yet indexed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.config import FEWEST_PER_LEVEL, MIN_PER_LEVEL
from tracker.errors import TrackerError
from tracker.evidence.indexed import INDEXED_STATUSES
from tracker.evidence.levels import RULES_VERSION, Level
from tracker.evidence.model import LevelModel, combine, fit_level_model
from tracker.evidence.text_rules import classify_text
from tracker.store import Database, LevelModelRow, Paper

MIN_LEVELS = 2  # a model that knows one level says nothing
HELD_OUT_SHARE = 0.2


class TrainingRefused(TrackerError):
    """The store holds too few indexed papers per level to train on."""


@dataclass(frozen=True)
class Example:
    title: str
    abstract: str
    level: Level


@dataclass
class TrainingReport:
    """What `train_and_save` did: the saved version, sizes, and held-out scores."""

    version: str
    trained_at: datetime
    training_size: int
    held_out_size: int
    levels: list[str]
    counts: dict[str, int]  # indexed papers per level, learnt or not
    scores: dict[str, dict]  # model / rules / combined -> {"accuracy", "levels": {...}}
    size_bytes: int
    skipped_levels: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "version": self.version, "trained_at": self.trained_at.isoformat(),
            "training_size": self.training_size, "held_out_size": self.held_out_size,
            "levels": self.levels, "counts": self.counts, "skipped_levels": self.skipped_levels,
            "size_bytes": self.size_bytes, "scores": self.scores,
        }


def abstract_text(sections: list[dict]) -> str:
    """A stored abstract as PaperRecord.abstract_text writes it, so training reads what
    classification reads."""
    return "\n".join(f"{s['label']}: {s['text']}" if s.get("label") else s.get("text", "")
                     for s in sections or [])


def indexed_examples(session: Session) -> list[Example]:
    """Every indexed, non-notice paper whose publication types alone decided its level."""
    rows = session.execute(
        select(Paper.title, Paper.abstract, Paper.level)
        .where(Paper.medline_status.in_(sorted(INDEXED_STATUSES)),
               Paper.level_source == "publication_type", Paper.notice_kind.is_(None),
               Paper.level != Level.UNCLASSIFIED.value, Paper.deleted.is_(False),
               Paper.canonical_id.is_(None))
        .order_by(Paper.id)
    ).all()
    return [Example(title or "", abstract_text(abstract), Level(level))
            for title, abstract, level in rows]


def learnable_levels(counts: Counter, min_per_level: int) -> list[Level]:
    """The levels with enough papers, strongest first; refuses when fewer than two have."""
    levels = sorted((level for level, n in counts.items() if n >= min_per_level),
                    key=lambda level: -level.rank)
    if len(levels) < MIN_LEVELS:
        have = ", ".join(f"{level.value} {n}" for level, n in counts.most_common()) or "none"
        raise TrainingRefused(
            f"too few indexed papers to train: at least {MIN_LEVELS} levels need "
            f"{min_per_level} or more indexed papers each (the store has: {have}); "
            "poll more history first"
        )
    return levels


def score(truth: Sequence[Level], predicted: Sequence[Level], levels: Sequence[Level]) -> dict:
    """Accuracy, and precision / recall / support per level (None where nothing to divide)."""
    pairs = list(zip(truth, predicted, strict=True))
    per_level = {}
    for level in levels:
        said = sum(1 for _, p in pairs if p is level)
        real = sum(1 for t, _ in pairs if t is level)
        hit = sum(1 for t, p in pairs if t is level and p is level)
        per_level[level.value] = {
            "precision": round(hit / said, 3) if said else None,
            "recall": round(hit / real, 3) if real else None,
            "support": real,
        }
    accuracy = sum(1 for t, p in pairs if t is p) / len(pairs) if pairs else None
    return {"accuracy": round(accuracy, 3) if accuracy is not None else None,
            "levels": per_level}


def evaluate(model: LevelModel, held_out: Sequence[Example]) -> dict[str, dict]:
    """Rules alone, model alone and both, on papers whose publication types are hidden."""
    truth = [e.level for e in held_out]
    probabilities = model.probabilities_many([(e.title, e.abstract) for e in held_out])
    rules = [classify_text(e.title, e.abstract) for e in held_out]
    model_says = [max(p.items(), key=lambda item: item[1])[0] for p in probabilities]
    both = [combine(r, p, model.version, indexed=False, title=e.title, abstract=e.abstract).level
            for r, p, e in zip(rules, probabilities, held_out, strict=True)]
    levels = model.levels
    return {"model": score(truth, model_says, levels),
            "rules": score(truth, [r.level for r in rules], levels),
            "combined": score(truth, both, levels)}


def split(examples: Sequence[Example], share: float, seed: int
          ) -> tuple[list[Example], list[Example]]:
    """A stratified split: every level keeps the same share in both parts."""
    from sklearn.model_selection import train_test_split

    train, held_out = train_test_split(list(examples), test_size=share, random_state=seed,
                                       stratify=[e.level.value for e in examples])
    return train, held_out


def train_and_save(db: Database, *, now: datetime, min_per_level: int = MIN_PER_LEVEL,
                   seed: int = 17) -> TrainingReport:
    """Fit a model on the store's indexed papers, score it on held-out ones, save it as current.

    The one function a scheduled retrain needs. Raises TrainingRefused (nothing saved) when the
    store has too few indexed papers per level.
    """
    if min_per_level < FEWEST_PER_LEVEL:
        raise TrainingRefused(f"min_per_level must be at least {FEWEST_PER_LEVEL}, "
                              f"not {min_per_level}")
    with db.session() as session:
        examples = indexed_examples(session)
    counts = Counter(e.level for e in examples)
    levels = learnable_levels(counts, min_per_level)
    usable = [e for e in examples if e.level in levels]
    train, held_out = split(usable, HELD_OUT_SHARE, seed)
    model = fit_level_model([(e.title, e.abstract) for e in train], [e.level for e in train],
                            seed=seed)
    with db.session() as session:
        number = (session.scalar(select(func.count()).select_from(LevelModelRow)) or 0) + 1
        model.version = str(number)
        scores = evaluate(model, held_out)
        blob = model.to_bytes()
        session.add(LevelModelRow(
            version=model.version, trained_at=now, training_size=len(train),
            held_out_size=len(held_out), levels=[level.value for level in levels],
            counts={level.value: n for level, n in counts.most_common()}, scores=scores,
            rules_version=RULES_VERSION, size_bytes=len(blob),
            digest=hashlib.sha256(blob).hexdigest(), model_bytes=blob,
        ))
    return TrainingReport(
        version=model.version, trained_at=now, training_size=len(train),
        held_out_size=len(held_out), levels=[level.value for level in levels],
        counts={level.value: n for level, n in counts.most_common()}, scores=scores,
        size_bytes=len(blob),
        skipped_levels=[level.value for level in counts if level not in levels],
    )


def current_model_row(session: Session) -> LevelModelRow | None:
    """The newest saved model's row (without loading its bytes)."""
    return session.scalars(select(LevelModelRow).order_by(LevelModelRow.id.desc()).limit(1)
                           ).first()


_loaded: dict[str, LevelModel] = {}  # digest -> model, so each batch does not unpickle again


def load_current_model(session: Session) -> LevelModel | None:
    """The current model, or None when none was trained: then the rules decide alone."""
    newest = session.execute(
        select(LevelModelRow.id, LevelModelRow.digest).order_by(LevelModelRow.id.desc()).limit(1)
    ).first()
    if newest is None:
        return None
    model_id, digest = newest
    if digest not in _loaded:
        row = session.get(LevelModelRow, model_id)
        model = LevelModel.from_bytes(row.model_bytes)
        model.version = row.version
        _loaded.clear()
        _loaded[digest] = model
    return _loaded[digest]
