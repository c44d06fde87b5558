"""A computed index kept on disk between processes: a pickle whose file name is the digest of
everything it was computed from (the data and the code that computes it), so a stale file is
never read: a changed catalogue or a changed module gives another name, and the index is
computed again and stored (atomically) beside the others, which are removed.

Where the folder cannot be written, the index is simply computed in every process.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from core import config

T = TypeVar("T")
CACHE_DIR_ENV = "ASXH_CACHE_DIR"


def cache_dir() -> Path:
    """`ASXH_CACHE_DIR`, else data/cache beside the embedded database."""
    return Path(os.environ.get(CACHE_DIR_ENV) or config.DATA_DIR / "cache")


def digest(parts: Iterable[bytes | str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:32]


def catalogue_index(name: str, build: Callable[[], T]) -> T:
    """An index of the unit catalogue, keyed by the catalogue's data files and the source of
    the modules of core.catalogue (the code that reads them and computes the index)."""
    import vietnam_provinces

    here = Path(__file__).parent
    sources = [Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH), *sorted(here.glob("*.py")),
               *sorted(here.glob("*.csv"))]
    return load_or_build(name, digest(p.read_bytes() for p in sources), build)


def load_or_build(name: str, key: str, build: Callable[[], T],
                  folder: Path | None = None) -> T:
    """The index `name` for `key`: read from its file, or built and stored."""
    folder = folder or cache_dir()
    path = folder / f"{name}-{key}.pickle"
    try:
        with open(path, "rb") as fh:
            stored_key, value = pickle.load(fh)
        if stored_key == key:
            return value
    except Exception:  # noqa: BLE001 - missing, damaged or foreign: rebuilt, never trusted
        pass
    value = build()
    _store(folder, name, path, key, value)
    return value


def _store(folder: Path, name: str, path: Path, key: str, value: object) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((key, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, path)  # atomic: readers see the old name or the whole new file
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        for old in folder.glob(f"{name}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only installation: computed in each process, as before
