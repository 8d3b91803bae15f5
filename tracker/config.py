"""Settings, read once: defaults, then tracker.toml, then the environment, then explicit overrides.

Nothing below this module reads os.environ; every part gets the one Settings object.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tracker.errors import ConfigError

NCBI_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
CONFIG_FILENAME = "tracker.toml"
SECRET_FIELDS = {"api_key", "smtp_password", "secret_key"}
# The level model's training sizes; here, not in tracker.evidence, so `tracker classifier --help`
# can show them without importing the store and scikit-learn.
MIN_PER_LEVEL = 20  # indexed papers a level needs before the model learns it
FEWEST_PER_LEVEL = 10  # below this a fifth held out and 3-fold calibration leave too little

# tracker.toml section -> the Settings fields it may set
SECTIONS: dict[str, tuple[str, ...]] = {
    "database": (
        "database_url", "pool_size", "max_overflow", "pool_timeout", "pool_recycle",
        "connect_timeout",
    ),
    "pubmed": (
        "eutils_url",
        "api_key",
        "email",
        "tool",
        "batch_size",
        "timeout",
        "max_retries",
        "backoff_base",
        "backoff_max",
        "requests_per_second",
    ),
    "paths": ("seeds_dir", "reports_dir"),
    "baseline": ("extra_therapies",),
    "report": ("baseline_date", "period", "max_listed"),
    "review": ("review_rules_off", "review_min_confidence", "exclusion_reasons"),
    "web": ("secret_key",),
    "smtp": ("smtp_host", "smtp_port", "smtp_user", "smtp_password", "smtp_from", "smtp_starttls",
             "smtp_ssl"),
    "jobs": ("schedule_file", "timezone"),
}
TOML_KEYS = {  # the key as written in tracker.toml when it differs from the field name
    "database_url": "url",
    "seeds_dir": "seeds",
    "reports_dir": "reports",
    "smtp_host": "host",
    "smtp_port": "port",
    "smtp_user": "user",
    "smtp_password": "password",
    "smtp_from": "from",
    "smtp_starttls": "starttls",
    "review_rules_off": "rules_off",
    "review_min_confidence": "min_confidence",
    "smtp_ssl": "ssl",
    "schedule_file": "schedule",
}
ENVIRONMENT = {
    "TRACKER_DATABASE_URL": "database_url",
    "TRACKER_EUTILS_URL": "eutils_url",
    "NCBI_API_KEY": "api_key",
    "NCBI_EMAIL": "email",
    "NCBI_TOOL": "tool",
    "TRACKER_SEEDS_DIR": "seeds_dir",
    "TRACKER_REPORTS_DIR": "reports_dir",
    "TRACKER_EXTRA_THERAPIES": "extra_therapies",
    "TRACKER_SMTP_HOST": "smtp_host",
    "TRACKER_SMTP_PORT": "smtp_port",
    "TRACKER_SMTP_USER": "smtp_user",
    "TRACKER_SMTP_PASSWORD": "smtp_password",
    "TRACKER_SECRET_KEY": "secret_key",
    "TRACKER_SMTP_FROM": "smtp_from",
    "TRACKER_SCHEDULE": "schedule_file",
    "TRACKER_TIMEZONE": "timezone",
}


def default_seeds_dir() -> Path:
    import seeds

    return Path(seeds.__file__).resolve().parent


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///tracker.db"
    pool_size: int = 5  # PostgreSQL connection pool; see tracker.store.database.PoolSettings
    max_overflow: int = 10
    pool_timeout: float = 30.0
    pool_recycle: int = 1800
    connect_timeout: int = 10
    eutils_url: str = NCBI_EUTILS_URL
    api_key: str | None = None
    email: str | None = None
    tool: str = "trd-tracker"
    batch_size: int = 200
    timeout: float = 30.0
    max_retries: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    requests_per_second: float | None = None  # None: NCBI's limit, 3/s or 10/s with an API key
    seeds_dir: Path = field(default_factory=default_seeds_dir)
    reports_dir: Path = Path("reports")
    extra_therapies: bool = False  # also track seeds/extra_therapies.toml (ECT, MST, ...)
    baseline_date: date = date(2025, 1, 28)
    period: str = "week"
    # papers the pages people read list of each level in each therapy, the most recent (0: all):
    # a long window's page stays readable; a week or a month rarely has more
    max_listed: int = 50
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "trd-tracker@localhost"
    smtp_starttls: bool = False
    review_rules_off: tuple[str, ...] = ()  # flag rules switched off (tracker.review.rules)
    review_min_confidence: float = 0.75  # a text-rule level below this is flagged
    exclusion_reasons: tuple[str, ...] = (
        "wrong population", "wrong intervention", "wrong study design", "not primary research",
        "duplicate", "other",
    )
    secret_key: str | None = None  # signs the review page's session cookies
    smtp_ssl: bool = False  # SMTP over TLS from the first byte (port 465), instead of STARTTLS
    schedule_file: Path | None = None  # None: jobs/schedule.toml shipped with the tracker
    timezone: str = "UTC"  # the scheduled jobs' clock (the digest goes out Monday 07:00 here)
    source: str = "defaults"  # where the settings came from, for `tracker config`

    @property
    def rate_limit(self) -> float:
        """Requests per second allowed by NCBI's usage rules for this identity."""
        ceiling = 10.0 if self.api_key else 3.0
        if self.requests_per_second is None:
            return ceiling
        if not self.talks_to_ncbi:  # a local E-utilities server (tests, demo) sets its own pace
            return self.requests_per_second
        return min(self.requests_per_second, ceiling)

    @property
    def talks_to_ncbi(self) -> bool:
        host = urlsplit(self.eutils_url).hostname or ""
        return host == "nih.gov" or host.endswith(".nih.gov")

    def masked(self) -> dict[str, Any]:
        """The settings as shown to a person: secrets replaced by asterisks."""
        shown = asdict(self)
        for name in SECRET_FIELDS:
            if shown.get(name):
                shown[name] = "********"
        shown["database_url"] = mask_url_password(self.database_url)
        shown["rate_limit"] = self.rate_limit
        return {k: str(v) if isinstance(v, Path | date) else list(v) if isinstance(v, tuple) else v
                for k, v in shown.items()}


URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)([^@\s]+)(@)")


def mask_url_password(text: str) -> str:
    """The text with the password of every URL in it (user:password@host) masked."""
    return URL_PASSWORD.sub(r"\1***\3", text)


def _coerce(name: str, value: Any) -> Any:
    """Turn a TOML or environment value into the type the field declares."""
    kind = {f.name: f.type for f in fields(Settings)}[name]
    try:
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError  # 2.7 retries is a mistake, not 2
            return int(value)
        if kind in ("float", "float | None"):
            if value is None or value == "":
                return None if "None" in kind else float(value)
            return float(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            lowered = str(value).strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if kind == "tuple[str, ...]":
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise ValueError
            return tuple(value)
        if kind in ("Path", "Path | None"):
            if value in (None, ""):
                return None
            return Path(str(value)).expanduser()
        if kind == "date":
            return value if isinstance(value, date) else date.fromisoformat(str(value))
        if kind in ("str", "str | None"):
            if not isinstance(value, str):
                raise ValueError
            return value or None if "None" in kind else value
    except (TypeError, ValueError):
        raise ConfigError(f"setting {name!r}: {value!r} is not a valid {kind}") from None
    return value


def find_config_file(explicit: str | os.PathLike | None, environ: dict[str, str]) -> Path | None:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            reason = "is not a file" if path.exists() else "does not exist"
            raise ConfigError(f"config file {path} {reason}")
        return path
    if environ.get("TRACKER_CONFIG"):
        path = Path(environ["TRACKER_CONFIG"])
        if not path.is_file():
            reason = "is not a file" if path.exists() else "does not exist"
            raise ConfigError(f"TRACKER_CONFIG points to {path}, which {reason}")
        return path
    local = Path.cwd() / CONFIG_FILENAME
    if local.exists() and not local.is_file():
        raise ConfigError(f"{local} is not a file; remove it or point --config at a tracker.toml")
    return local if local.exists() else None


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    values: dict[str, Any] = {}
    for section, table in data.items():
        if section not in SECTIONS:
            raise ConfigError(
                f"{path}: unknown section [{section}] (known: {', '.join(sorted(SECTIONS))})"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {section} must be a table, like [{section}]")
        allowed = {TOML_KEYS.get(name, name): name for name in SECTIONS[section]}
        for key, value in table.items():
            if key not in allowed:
                raise ConfigError(
                    f"{path}: unknown key {key!r} in [{section}] "
                    f"(known: {', '.join(sorted(allowed))})"
                )
            values[allowed[key]] = _coerce(allowed[key], value)
    return values


def load_settings(
    config_path: str | os.PathLike | None = None,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, Any] = {}
    sources = ["defaults"]
    path = find_config_file(config_path, environ)
    if path is not None:
        values.update(read_config_file(path))
        sources.append(str(path))
    for variable, name in ENVIRONMENT.items():
        if environ.get(variable):
            values[name] = _coerce(name, environ[variable])
            sources.append(variable)
    for name, value in overrides.items():
        if value is not None:
            values[name] = _coerce(name, value)
    settings = replace(Settings(), source=", ".join(sources), **values)
    validate(settings)
    return settings


# every numeric setting: (smallest, largest) accepted, checked at load
RANGES: dict[str, tuple[float, float]] = {
    "batch_size": (1, 10000),
    "timeout": (0.1, 600),
    "max_retries": (0, 20),
    "backoff_base": (0, 600),
    "backoff_max": (0, 3600),
    "requests_per_second": (0.01, 100),
    "smtp_port": (1, 65535),
    "max_listed": (0, 1_000_000),
}


def validate(settings: Settings) -> None:
    for name, (low, high) in RANGES.items():
        value = getattr(settings, name)
        if value is not None and not low <= value <= high:
            raise ConfigError(f"{name} {value} must be between {low:g} and {high:g}")
    if not settings.eutils_url.startswith(("http://", "https://")):
        raise ConfigError(f"eutils_url {settings.eutils_url!r} must start with http:// or https://")
    if " " in settings.tool:
        raise ConfigError(f"tool {settings.tool!r}: NCBI requires a tool name without spaces")
    if settings.period not in ("week", "month"):
        raise ConfigError(f"period {settings.period!r} must be 'week' or 'month'")
    if not 0 <= settings.review_min_confidence <= 1:
        raise ConfigError("[review] min_confidence must be between 0 and 1")
    if not settings.exclusion_reasons:
        raise ConfigError("[review] exclusion_reasons must name at least one reason")
    if settings.smtp_ssl and settings.smtp_starttls:
        raise ConfigError("smtp: choose ssl or starttls, not both")
    if settings.pool_size < 1 or settings.max_overflow < 0:
        raise ConfigError("pool_size must be 1 or more and max_overflow 0 or more")
    if settings.pool_timeout <= 0 or settings.connect_timeout < 1:
        raise ConfigError("pool_timeout must be positive and connect_timeout at least 1 second")
    if "://" not in settings.database_url:
        raise ConfigError(
            f"database_url {settings.database_url!r} is not a URL "
            "(examples: sqlite:///tracker.db, postgresql+psycopg://user@host/db)"
        )
