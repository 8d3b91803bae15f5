from datetime import date
from pathlib import Path

import pytest

from tracker.config import NCBI_EUTILS_URL, load_settings
from tracker.errors import ConfigError


def test_defaults_need_no_file():
    settings = load_settings(environ={})
    assert settings.eutils_url == NCBI_EUTILS_URL
    assert settings.database_url.startswith("sqlite:///")
    assert settings.rate_limit == 3.0
    assert settings.source == "defaults"


def test_file_then_environment_then_overrides(tmp_path):
    path = tmp_path / "tracker.toml"
    path.write_text('[database]\nurl = "sqlite:///from-file.db"\n[pubmed]\nbatch_size = 50\n'
                    'email = "file@example.org"\n[report]\nbaseline_date = 2025-02-28\n')
    settings = load_settings(path, environ={"NCBI_EMAIL": "env@example.org"}, batch_size=75)
    assert settings.database_url == "sqlite:///from-file.db"
    assert settings.email == "env@example.org"
    assert settings.batch_size == 75
    assert settings.baseline_date == date(2025, 2, 28)


def test_config_found_in_working_directory(tmp_path):
    (tmp_path / "tracker.toml").write_text('[paths]\nreports = "out"\n')
    assert load_settings(environ={}).reports_dir == Path("out")


def test_api_key_raises_the_limit_and_is_masked():
    settings = load_settings(environ={"NCBI_API_KEY": "secret-key-123"})
    assert settings.rate_limit == 10.0
    assert "secret-key-123" not in str(settings.masked())


def test_ncbi_limit_cannot_be_exceeded_but_a_local_server_can():
    fast = load_settings(environ={}, requests_per_second=50)
    assert fast.rate_limit == 3.0
    local = load_settings(environ={}, requests_per_second=50, eutils_url="http://127.0.0.1:9/")
    assert local.rate_limit == 50


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[pubmed\n", "not valid TOML"),
        ("[nonsense]\nx = 1\n", "unknown section [nonsense]"),
        ("[pubmed]\nbatchsize = 5\n", "unknown key 'batchsize'"),
        ("[pubmed]\nbatch_size = 'many'\n", "batch_size"),
        ("[pubmed]\ntool = 'has spaces'\n", "without spaces"),
        ("[database]\nurl = 'tracker.db'\n", "is not a URL"),
    ],
)
def test_broken_config_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "tracker.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_settings(path, environ={})


def test_missing_explicit_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})
