"""counted days: the history a report sums, kept up to date by the database

A report's totals and trend are counts of every counted link of its therapies by level and day.
Counted from the links, that read grew with the database (0.2 s at 100,000 papers). This table
holds those counts per therapy, level and day, and triggers on papers and therapy_papers keep it
up to date on every write, whichever code (or hand-written SQL) makes it: a link added or removed,
a paper whose level, day or counting state changes, a paper deleted.

The counting rule here is tracker.report.counting.counting()'s; a change to one is a change to
both (tests compare the table with a count from the links after every test). The papers with
neither an Entrez nor a PubMed date are left out: their day is the local day they were first
seen, which depends on the reader's zone, so the report counts them live (a range of
ix_papers_created: both dates null).
`level` is stored as the paper has it; the report maps an unknown one to unclassified.

A later migration that rebuilds papers or therapy_papers on SQLite (Alembic's batch mode copies
the table) drops these triggers with the old table, and must make them again (the tests' check
after every test finds it if not).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# the columns a paper's count depends on (its counting state, level and day)
STATE = ("id", "canonical_id", "deleted", "inclusion", "retracted", "notice_kind", "level",
         "entrez_date", "pubmed_date")


def counts(paper: str) -> str:
    """The paper counts, and has a day of its own: counting() and a known Entrez/PubMed date."""
    return (f"{paper}.canonical_id IS NULL AND {paper}.deleted IS FALSE "
            f"AND {paper}.inclusion <> 'excluded' AND {paper}.retracted IS FALSE "
            f"AND {paper}.notice_kind IS NULL "
            f"AND coalesce({paper}.entrez_date, {paper}.pubmed_date) IS NOT NULL")


def add(rows: str) -> str:
    """Add each selected (therapy, level, day, change) to its row, made when missing."""
    return (f"INSERT INTO counted_days (therapy_id, level, day, papers) {rows} "
            "ON CONFLICT (therapy_id, level, day) "
            "DO UPDATE SET papers = counted_days.papers + excluded.papers")


def link_change(link: str, change: int) -> str:
    """One link (OLD or NEW) counted or uncounted, if its paper counts."""
    return add(f"SELECT {link}.therapy_id, p.level, coalesce(p.entrez_date, p.pubmed_date), "
               f"{change} FROM papers p WHERE p.id = {link}.paper_id AND {counts('p')}")


def paper_change(paper: str, change: int) -> str:
    """Every link of one paper (OLD or NEW state) counted or uncounted, if that state counts."""
    return add(f"SELECT tp.therapy_id, {paper}.level, "
               f"coalesce({paper}.entrez_date, {paper}.pubmed_date), {change} "
               f"FROM therapy_papers tp WHERE tp.paper_id = {paper}.id AND {counts(paper)}")


def state_changed(differs: str) -> str:
    return " OR ".join(f"OLD.{column} {differs} NEW.{column}" for column in STATE)


FILL = add("SELECT tp.therapy_id, p.level, coalesce(p.entrez_date, p.pubmed_date), count(*) "
           f"FROM therapy_papers tp JOIN papers p ON p.id = tp.paper_id WHERE {counts('p')} "
           "GROUP BY tp.therapy_id, p.level, coalesce(p.entrez_date, p.pubmed_date)")

SQLITE_TRIGGERS = {
    "counted_days_link_added": "AFTER INSERT ON therapy_papers BEGIN "
                               f"{link_change('NEW', 1)}; END",
    "counted_days_link_removed": "AFTER DELETE ON therapy_papers BEGIN "
                                 f"{link_change('OLD', -1)}; END",
    "counted_days_link_moved": "AFTER UPDATE OF therapy_id, paper_id ON therapy_papers BEGIN "
                               f"{link_change('OLD', -1)}; {link_change('NEW', 1)}; END",
    "counted_days_paper_changed": f"AFTER UPDATE OF {', '.join(STATE)} ON papers "
                                  f"WHEN {state_changed('IS NOT')} BEGIN "
                                  f"{paper_change('OLD', -1)}; {paper_change('NEW', 1)}; END",
    "counted_days_paper_deleted": "AFTER DELETE ON papers BEGIN "
                                  f"{paper_change('OLD', -1)}; END",
}

POSTGRESQL_FUNCTIONS = {
    "counted_days_of_links": (f"IF TG_OP <> 'INSERT' THEN {link_change('OLD', -1)}; END IF; "
                              f"IF TG_OP <> 'DELETE' THEN {link_change('NEW', 1)}; END IF;"),
    "counted_days_of_papers": (f"IF TG_OP <> 'INSERT' THEN {paper_change('OLD', -1)}; END IF; "
                               f"IF TG_OP <> 'DELETE' THEN {paper_change('NEW', 1)}; END IF;"),
}

POSTGRESQL_TRIGGERS = {  # name: (table, when it fires, what it runs)
    "counted_days_links": ("therapy_papers", "AFTER INSERT OR DELETE OR UPDATE OF therapy_id, "
                           "paper_id", "FOR EACH ROW EXECUTE FUNCTION counted_days_of_links()"),
    "counted_days_paper_changed": ("papers", f"AFTER UPDATE OF {', '.join(STATE)}",
                                   f"FOR EACH ROW WHEN ({state_changed('IS DISTINCT FROM')}) "
                                   "EXECUTE FUNCTION counted_days_of_papers()"),
    "counted_days_paper_deleted": ("papers", "AFTER DELETE",
                                   "FOR EACH ROW EXECUTE FUNCTION counted_days_of_papers()"),
}


def upgrade() -> None:
    op.create_table(
        "counted_days",
        sa.Column("therapy_id", sa.String(64), primary_key=True),
        sa.Column("level", sa.String(40), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("papers", sa.Integer(), nullable=False, server_default="0"),
        sqlite_with_rowid=False,  # rows kept in key order: a report reads them without lookups
    )
    op.execute(FILL)
    if op.get_bind().dialect.name == "postgresql":
        for name, body in POSTGRESQL_FUNCTIONS.items():
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                       f"BEGIN {body} RETURN NULL; END $$")
        for name, (table, when, action) in POSTGRESQL_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} ON {table} {action}")
    else:
        for name, definition in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {definition}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, _, _) in POSTGRESQL_TRIGGERS.items():
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for name in POSTGRESQL_FUNCTIONS:
            op.execute(f"DROP FUNCTION {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("counted_days")
