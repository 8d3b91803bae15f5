"""The store on PostgreSQL: migrations, upserts and a poll behave as on SQLite."""

import os
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text

from tracker.ingest.poll import poll
from tracker.pubmed.eutils import EutilsClient
from tracker.store.database import Database
from tracker.store.models import Paper, TherapyPaper

from records_factory import make_record

ADMIN_URL = os.environ.get("TRACKER_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1/postgres")


@pytest.fixture
def pg_db():
    name = f"trd_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    yield database
    database.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()


def test_migrate_poll_and_rerun_on_postgres(pg_db, baseline, eutils_server, settings):
    assert pg_db.migrate() == pg_db.head_revision()
    pg_db.migrate()  # twice: nothing to do
    eutils_server.add_records([
        make_record("90000401", "Esketamine and ketamine in treatment-resistant depression",
                    date(2025, 3, 1)),
        make_record("90000402", "Ketamine maintenance in refractory depression",
                    date(2025, 3, 2)),
    ])
    client = EutilsClient(settings)
    for _ in range(2):
        poll(pg_db, client, baseline, therapy_ids=["ketamine", "esketamine"],
             today=date(2025, 6, 30))
    with pg_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Paper)) == 2
        assert session.scalar(select(func.count()).select_from(TherapyPaper)) == 3
