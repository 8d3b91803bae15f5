import shutil

import pytest

from tracker.baseline.seeds import load_baseline, therapies_mentioned
from tracker.config import default_seeds_dir
from tracker.errors import BaselineError, UnknownTherapyError

PRODUCT_THERAPIES = {
    "rtms", "vns", "dbs", "tdcs", "focused_ultrasound", "neurofeedback", "ketamine",
    "esketamine", "psilocybin", "lsd", "pharmacogenomics", "digital", "ssri", "snri", "cbt",
}


def test_every_therapy_of_the_seed_documents_is_there(baseline):
    assert {t.id for t in baseline.therapies} == PRODUCT_THERAPIES
    assert baseline.start_date.isoformat() == "2025-01-28"
    assert {d.published.isoformat() for d in baseline.documents} == {"2025-01-28", "2025-02-28"}
    for therapy in baseline.therapies:
        # comparators search titles only ([ti]): an add-on trial's abstract names one in passing
        assert "[tiab]" in therapy.query or "[ti]" in therapy.query, therapy.id
        assert therapy.full_query.endswith(f"AND ({baseline.condition})")
    assert baseline.therapy("esketamine").status.startswith("approved")
    assert baseline.therapy("dbs").status == "investigational"


def test_ten_references_five_per_document(baseline):
    documents = [r.document for r in baseline.references]
    assert len(documents) == 10
    assert documents.count("ricci-2025") == documents.count("matthews-2025") == 5


def test_myelin_references_match_no_therapy(baseline):
    first = [r for r in baseline.references if r.document == "ricci-2025"]
    assert all(not therapies_mentioned(r.title, baseline.therapies) for r in first)
    psilocybin = [r for r in baseline.references if "Psilocybin" in r.title]
    assert all("psilocybin" in therapies_mentioned(r.title, baseline.therapies) for r in psilocybin)


def test_unknown_therapy_names_the_known_ones(baseline):
    with pytest.raises(UnknownTherapyError, match="unknown therapy 'ect'.*rtms"):
        baseline.therapy("ect")


@pytest.fixture
def seeds_copy(tmp_path):
    target = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir(), target)
    return target


def test_a_user_adds_a_therapy(seeds_copy):
    with (seeds_copy / "therapies.toml").open("a") as f:
        f.write('\n[[therapy]]\nid = "ect"\nname = "Electroconvulsive therapy"\n'
                'category = "neuromodulation"\nstatus = "approved"\n'
                'query = \'"Electroconvulsive Therapy"[mh] OR electroconvulsive[tiab]\'\n')
    assert load_baseline(seeds_copy).therapy("ect").name == "Electroconvulsive therapy"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('id = "ect"\nname = "ECT"\ncategory = "x"\nstatus = "x"\n',
         "missing required field 'query'"),
        ('id = "ect"\nname = "ECT"\ncategory = "x"\nstatus = "x"\nquery = \'"ECT"[mh]\'\n',
         "no \\[tiab\\] synonyms"),
        ('id = "ECT!"\nname = "ECT"\ncategory = "x"\nstatus = "x"\nquery = "ect[tiab]"\n',
         "must be lower-case"),
        ('id = "rtms"\nname = "again"\ncategory = "x"\nstatus = "x"\nquery = "x[tiab]"\n',
         "duplicate therapy id"),
        ('id = "ect"\nname = "ECT"\ncategory = "x"\nstatus = "x"\nquery = "(ect[tiab]"\n',
         "unbalanced parentheses"),
        ('id = "ect"\nname = "ECT"\ncategory = "x"\nstatus = "x"\nquery = "e[tiab]"\ncolour = 1\n',
         "unknown field"),
    ],
)
def test_malformed_entry_names_file_entry_and_reason(seeds_copy, entry, message):
    with (seeds_copy / "therapies.toml").open("a") as f:
        f.write("\n[[therapy]]\n" + entry)
    with pytest.raises(BaselineError, match=r"therapies\.toml: therapy #16.*" + message):
        load_baseline(seeds_copy)
