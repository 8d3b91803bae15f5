"""Coverage and calendar periods through the CLI: a report never reads unpolled days as quiet
ones, and calendar periods are compared with the calendar period before them."""

import json
from datetime import date

import pytest

from tracker.report.windows import calendar_window, choose_window, last_complete, window_of

from cli_run import run
from records_factory import RCT, make_record

D = date


@pytest.fixture
def polled(capsys, cli_env):
    """rTMS polled through 2025-06-30 with two papers in June and one in May."""
    cli_env.add_records([
        make_record("90000401", "Accelerated rTMS in treatment-resistant depression",
                    D(2025, 6, 10), types=(RCT,)),
        make_record("90000402", "rTMS maintenance in treatment-resistant depression",
                    D(2025, 6, 20)),
        make_record("90000403", "rTMS in older adults with treatment-resistant depression",
                    D(2025, 5, 20)),
    ])
    assert run(capsys, "init", "--skip-references")[0] == 0
    code, _, err = run(capsys, "poll", "--therapy", "rtms", "--until", "2025-06-30")
    assert code == 0, err
    return cli_env


def report_json(capsys, *argv):
    code, out, err = run(capsys, "report", "--therapy", "rtms", "--format", "json",
                         "--output", "-", *argv)
    assert code == 0, err
    return json.loads(out)


def test_an_unpolled_month_says_not_polled_not_zero(capsys, polled):
    data = report_json(capsys, "--since", "2025-07-01", "--until", "2025-07-31")
    assert data["coverage"] == {
        "complete": False, "polled_through": "2025-06-30",
        "gaps": [{"therapy": "rtms", "since": "2025-07-01", "until": "2025-07-31"}],
    }
    rtms = data["therapies"][0]
    assert rtms["polled"] is False and rtms["previous_polled"] is True
    code, out, _ = run(capsys, "report", "--therapy", "rtms", "--format", "txt", "--output", "-",
                       "--since", "2025-07-01", "--until", "2025-07-31")
    assert "Data complete through 2025-06-30." in out
    assert "new: not polled (not polled vs previous period)" in out
    assert "!! Not polled 2025-07-01 to 2025-07-31 for Repetitive" in out
    assert "NOT POLLED FOR THIS PERIOD" in out and "NO NEW PAPERS" not in out


def test_a_partly_polled_window_shows_its_gap(capsys, polled):
    data = report_json(capsys, "--since", "2025-06-16", "--until", "2025-07-15")
    assert data["coverage"]["gaps"] == [
        {"therapy": "rtms", "since": "2025-07-01", "until": "2025-07-15"}]
    code, out, _ = run(capsys, "report", "--therapy", "rtms", "--format", "md", "--output", "-",
                       "--since", "2025-06-16", "--until", "2025-07-15")
    assert "| 1 (partly not polled) | not polled |" in out
    assert "Not polled 2025-07-01 to 2025-07-15 for Repetitive" in out


def test_default_window_is_the_last_complete_period_up_to_the_last_poll(capsys, polled):
    week = report_json(capsys)
    assert (week["period"]["since"], week["period"]["until"]) == ("2025-06-23", "2025-06-29")
    assert week["period"]["unit"] == "week" and week["coverage"]["complete"]
    month = report_json(capsys, "--period", "month")
    assert month["period"] == {
        "since": "2025-06-01", "until": "2025-06-30", "unit": "month", "label": "2025-06",
        "step": "month", "previous_since": "2025-05-01", "previous_until": "2025-05-31",
    }
    assert month["therapies"][0]["totals"]["new"] == 2
    assert month["therapies"][0]["totals"]["previous"] == 1
    assert month["therapies"][0]["totals"]["change_vs_previous"] == 1


def test_a_calendar_month_given_as_days_is_compared_with_the_month_before(capsys, polled):
    data = report_json(capsys, "--since", "2025-06-01", "--until", "2025-06-30")
    assert data["period"]["unit"] == "month"
    assert (data["period"]["previous_since"], data["period"]["previous_until"]) == (
        "2025-05-01", "2025-05-31")


def test_calendar_periods_across_a_year_boundary(capsys, polled):
    week1 = report_json(capsys, "--period", "week", "--until", "2025-01-01")
    assert week1["period"] == {
        "since": "2024-12-30", "until": "2025-01-05", "unit": "week", "label": "2025-W01",
        "step": "week", "previous_since": "2024-12-23", "previous_until": "2024-12-29",
    }
    week53 = report_json(capsys, "--period", "week", "--since", "2021-01-01")
    assert (week53["period"]["since"], week53["period"]["until"]) == ("2020-12-28", "2021-01-03")
    assert week53["period"]["label"] == "2020-W53"
    assert week53["period"]["previous_since"] == "2020-12-21"
    january = report_json(capsys, "--period", "month", "--since", "2025-01-15")
    assert (january["period"]["previous_since"], january["period"]["previous_until"]) == (
        "2024-12-01", "2024-12-31")


def test_period_with_both_days_is_refused_in_one_line(capsys, polled):
    code, out, err = run(capsys, "report", "--period", "month", "--since", "2025-06-01",
                         "--until", "2025-06-30", "--output", "-")
    assert code != 0 and out == ""
    assert "--period" in err and len(err.strip().splitlines()) == 1


def test_windows_without_a_database():
    assert window_of(D(2025, 4, 1), D(2025, 6, 30)).unit == "quarter"
    assert window_of(D(2025, 4, 1), D(2025, 6, 30)).label == "2025-Q2"
    assert window_of(D(2025, 4, 1), D(2025, 6, 30)).previous_since == D(2025, 1, 1)
    assert window_of(D(2025, 1, 1), D(2025, 12, 31)).previous_until == D(2024, 12, 31)
    custom = window_of(D(2025, 6, 2), D(2025, 6, 30))
    assert custom.unit == "custom" and custom.previous_until == D(2025, 6, 1)
    assert custom.previous_since == D(2025, 5, 4)
    assert last_complete(D(2025, 6, 30), "month").since == D(2025, 6, 1)
    assert last_complete(D(2025, 6, 29), "month").since == D(2025, 5, 1)
    assert last_complete(D(2026, 1, 1), "year").label == "2025"
    assert calendar_window(D(2024, 12, 31), "week").label == "2025-W01"
    never = choose_window(since=None, until=None, unit=None, default_unit="week",
                          last_poll=None, today=D(2025, 7, 9))
    assert (never.since, never.until) == (D(2025, 6, 30), D(2025, 7, 6))


def test_the_demo_database_reports_as_demo_whatever_the_window(capsys, tmp_path, monkeypatch):
    from tracker.config import default_seeds_dir
    from tracker.demo.run import run_demo

    result = run_demo(tmp_path / "demo", seeds_dir=default_seeds_dir(), echo=lambda _: None)
    demo_json = json.loads(next(p for p in result.others if p.suffix == ".json").read_text())
    assert demo_json["demo"] is True and demo_json["coverage"]["complete"] is True
    events = {t["id"]: t["events"] for t in demo_json["therapies"]}
    # the history backfill found DBS's 2014 trial: June's DBS trial is not its first
    assert not any("first randomised" in e for e in events["dbs"])
    assert "Focused ultrasound has its first randomised controlled trial." in events[
        "focused_ultrasound"]
    dbs = next(t for t in demo_json["therapies"] if t["id"] == "dbs")
    assert dbs["history_complete"] is True and dbs["totals"]["at_baseline"] == 2
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'demo' / 'demo.db'}")
    old = report_json(capsys, "--since", "2019-01-01", "--until", "2019-01-31")
    assert old["demo"] is True  # no demo paper in the window, still the demo database
    assert old["therapies"][0]["polled"] is True  # searched by the history backfill
    assert old["therapies"][0]["totals"]["new"] == 0
