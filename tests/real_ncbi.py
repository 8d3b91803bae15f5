"""Real NCBI E-utilities output for tests: the XML files Biopython ships in its source tests.

Why: our own fixtures are written from NCBI's structures, but only NCBI's own output proves the
parser reads what NCBI really sends. The files come from Biopython's source distribution (of the
installed version), fetched once with pip into tests/.cache/ and never committed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import Bio

CACHE = Path(__file__).resolve().parent / ".cache"


def entrez_test_dir() -> Path:
    """The folder holding Biopython's Tests/Entrez files; downloads the sdist on first use."""
    version = Bio.__version__
    target = CACHE / f"biopython-{version}-Tests-Entrez"
    if (target / "pubmed1.xml").is_file():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    sdist = CACHE / f"biopython-{version}.tar.gz"
    if not sdist.is_file():
        _download(version)
    prefix = f"biopython-{version}/Tests/Entrez/"
    staging = Path(tempfile.mkdtemp(dir=CACHE))
    try:
        with tarfile.open(sdist) as archive:
            for member in archive.getmembers():
                if member.isfile() and member.name.startswith(prefix):
                    name = member.name[len(prefix):]
                    if "/" in name:
                        continue
                    source = archive.extractfile(member)
                    (staging / name).write_bytes(source.read())
        try:
            staging.rename(target)  # atomic: a concurrent run sees all files or none
        except OSError:
            if not (target / "pubmed1.xml").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _download(version: str) -> None:
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
        f"biopython=={version}", "-d", str(CACHE),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(
            f"could not download Biopython {version}'s source for its real NCBI test files: "
            f"{done.stderr.strip().splitlines()[-1:] or done.returncode}"
        )


def pubmed_files() -> list[Path]:
    """Real PubMed EFetch answers (pubmed*.xml)."""
    return sorted(entrez_test_dir().glob("pubmed*.xml"))


if __name__ == "__main__":
    print(entrez_test_dir())
