"""Trials in the report: distinct trials beside papers, and a trial's papers listed together.

A paper in no trial group counts as a trial of its own, so "RCTs: 4 trials, 9 papers" reads as
9 RCT papers reporting 4 trials. Plain functions on the builder's data; build.py calls them.
"""

from __future__ import annotations

from dataclasses import replace

from tracker.evidence import ROLE_LABELS, Level, TrialMembership

RCT = Level.RCT.value


def with_trial(item, membership: TrialMembership | None):
    """The report's PaperItem with its trial and role, when it belongs to one."""
    if membership is None:
        return item
    return replace(item, trial_key=membership.key, trial_label=membership.label,
                   trial_role=ROLE_LABELS[membership.role],
                   trial_role_reason=membership.role_reason)


def rcts_as_trials(by_level: dict[str, int], trials_by_level: dict[str, int]) -> dict[str, int]:
    """Paper counts with the RCT entry replaced by distinct trials, so RCT events count trials."""
    return {**by_level, RCT: trials_by_level.get(RCT, 0)}


def highlight_groups(items, others=()) -> list[tuple[str | None, tuple]]:
    """Highlights in order, a trial's papers listed together under it: (trial label, papers).

    others: the window's other papers; those of a highlighted trial (its protocol, say) join it.
    """
    groups: list[tuple[str | None, list]] = []
    where: dict[str, int] = {}
    highlighted = {getattr(i, "trial_key", None) for i in items} - {None}
    items = [*items, *(o for o in others if getattr(o, "trial_key", None) in highlighted)]
    for item in items:
        key = getattr(item, "trial_key", None)
        if key is None:
            groups.append((None, [item]))
        elif key in where:
            groups[where[key]][1].append(item)
        else:
            where[key] = len(groups)
            groups.append((item.trial_label or key, [item]))
    return [(label if len(papers) > 1 else None, tuple(papers)) for label, papers in groups]


def listed_in_trials(highlights, others) -> set[str]:
    """PMIDs of the other papers already listed under a highlighted trial."""
    highlighted = {getattr(i, "trial_key", None) for i in highlights} - {None}
    return {o.pmid for o in others if getattr(o, "trial_key", None) in highlighted}
