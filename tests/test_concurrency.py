"""What SQLite's single writer hides: two processes storing the same new paper at once."""

import threading
import time
from datetime import date, datetime

from sqlalchemy import func, select

from tracker.ingest.papers import link_therapies, sync_therapies, upsert_records
from tracker.store import Paper, TherapyPaper

from records_factory import make_record

NOW = datetime(2025, 6, 30, 12, 0)


def test_two_writers_store_the_same_new_paper_once(db, baseline):
    record = make_record("90000501", "Ketamine for treatment-resistant depression",
                         date(2025, 6, 2))
    with db.session() as session:
        sync_therapies(session, baseline)

    def store(session):
        result = upsert_records(session, [record], run_id=None, now=NOW)
        paper_id = result.ids[record.pmid]
        link_therapies(session, [("ketamine", paper_id)], run_id=None, now=NOW)
        return result, paper_id

    second: dict = {}

    def second_writer():
        try:
            with db.session() as session:
                second["result"], second["id"] = store(session)
        except Exception as exc:  # reported below: the point is that there is none
            second["error"] = exc

    with db.session() as first_session:
        first, first_id = store(first_session)  # inserted, not yet committed
        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the second writer should wait for the first transaction"
    thread.join(timeout=30)

    assert "error" not in second, second.get("error")
    assert first.new == {record.pmid: first_id}
    assert second["result"].new == {} and second["result"].unchanged == {record.pmid: first_id}
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Paper)) == 1
        assert session.scalar(select(func.count()).select_from(TherapyPaper)) == 1
