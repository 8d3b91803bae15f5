"""One exception tree for the whole tracker, and the exit code each stands for.

Exit codes (README.md lists them for schedulers):
    0  success                       3  PubMed unreachable or failing after every retry
    1  bad input (config, seeds,     4  incomplete run: records PubMed listed but did not return
       dates, ids, paths, a query)   5  locked: another run is writing to the database
    2  usage error (unknown option)  6  database unavailable: server down, wrong credentials
                                     7  mail: a digest the SMTP server refused or never reached
                                     70 internal error (a bug: please report it)
                                     130 interrupted

    TrackerError                 anything the CLI turns into one line on stderr (exit code 1)
    ├── ConfigError              a bad tracker.toml, environment value or command-line option
    ├── BaselineError            a malformed therapy or reference entry in seeds/
    ├── UnknownTherapyError      a therapy id that the baseline does not define
    ├── StoreError               the database cannot be opened, migrated or written
    │   ├── LockedError          another run holds the database's run lock (exit code 5)
    │   └── DatabaseUnavailableError  server down, wrong credentials, no such database (exit 6)
    ├── MailError                the SMTP server cannot be reached or refuses a digest (7)
    ├── IncompleteRunError       a run finished without records PubMed listed (exit code 4)
    └── PubMedError              E-utilities failed after every retry (exit code 3)
        ├── QueryRejectedError   PubMed refused the query itself: bad input (exit code 1)
        ├── ResponseError        a malformed, truncated or error-bearing answer
        └── TransportError       HTTP status, timeout or connection failure
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error the tracker reports to its user."""

    exit_code = 1


class ConfigError(TrackerError):
    pass


class BaselineError(TrackerError):
    pass


class UnknownTherapyError(TrackerError):
    pass


class StoreError(TrackerError):
    pass


class LockedError(StoreError):
    """Another poll, refresh, init or reclassify holds the run lock: try again later."""

    exit_code = 5


class IncompleteRunError(TrackerError):
    """The run stored what it got, but PubMed left records out; the next run retries them."""

    exit_code = 4


class DatabaseUnavailableError(StoreError):
    """The database server cannot be reached or refuses us: nothing was read or written."""

    exit_code = 6


class PubMedError(TrackerError):
    exit_code = 3


class QueryRejectedError(PubMedError):
    """Bad input rather than an outage: the same query fails the same way every time."""

    exit_code = 1


class ResponseError(PubMedError):
    pass


class TransportError(PubMedError):
    pass


class MailError(TrackerError):
    """The SMTP server could not be reached or refused a message (the password never shown)."""

    exit_code = 7
