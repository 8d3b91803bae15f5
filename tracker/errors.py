"""One exception tree for the whole tracker.

    TrackerError                 anything the CLI turns into one line on stderr and exit code 1
    ├── ConfigError              a bad tracker.toml, environment value or command-line option
    ├── BaselineError            a malformed therapy or reference entry in seeds/
    ├── UnknownTherapyError      a therapy id that the baseline does not define
    ├── StoreError               the database cannot be opened, migrated or written
    │   └── DatabaseUnavailableError  server down, wrong credentials, no such database (exit 6)
    └── PubMedError              E-utilities failed after every retry
        ├── QueryRejectedError   PubMed refused the query itself: retrying won't help
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


class DatabaseUnavailableError(StoreError):
    """The database server cannot be reached or refuses us: nothing was read or written."""

    exit_code = 6


class PubMedError(TrackerError):
    pass


class QueryRejectedError(PubMedError):
    pass


class ResponseError(PubMedError):
    pass


class TransportError(PubMedError):
    pass
