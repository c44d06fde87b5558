"""The resolver's index of the catalogue is computed once and kept on disk (index_cache): a
missing, stale or damaged file is computed again, and the index read back answers exactly as
the index just computed."""

from __future__ import annotations

import pickle

import pytest

from core.catalogue import index_cache
from core.catalogue.resolver import Resolver
from core.catalogue.units import catalogue

QUERIES = ["Xã Bình Minh", "binh minh", "Huyện Bình Sơn", "TT. Châu Ổ", "Đakrông",
           "Phường 1", "TP HCM", "Thừa Thiên Huế (tỉnh)", "UBND xã Bình Hòa", "Xã Không Có",
           "Quận Ba Đình", "Hướng Hoá"]


def _answers(resolver: Resolver) -> list[tuple]:
    units = catalogue()
    queries = [*QUERIES, *(u.name for u in units[::97]), *(u.short_name for u in units[::131])]
    out = []
    for query in queries:
        found = resolver.resolve(query)
        out.append((query, found.status, found.unit and found.unit.code,
                    [u.code for u in found.candidates]))
        found = resolver.resolve(query, parent="51")
        out.append((query, found.status, found.unit and found.unit.code))
    return out


def _state(resolver: Resolver) -> tuple:
    return (resolver._keys, dict(resolver._exact), dict(resolver._exact_ascii),
            dict(resolver._below), resolver._name_kinds)


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(index_cache.CACHE_DIR_ENV, str(tmp_path))
    return tmp_path


def _files(folder) -> list:
    return sorted(folder.glob("resolver-*.pickle"))


def test_a_missing_index_is_computed_stored_and_read_back_identically(cache_dir, monkeypatch):
    computed = Resolver()
    stored = _files(cache_dir)
    assert len(stored) == 1
    calls = []
    monkeypatch.setattr(Resolver, "_computed", lambda self: calls.append(1))
    read_back = Resolver()
    assert calls == []  # read from the file, not computed
    assert _state(read_back) == _state(computed)
    assert _answers(read_back) == _answers(computed)
    assert read_back.resolve("Xã Bình Minh", parent="524").unit.code == "21085"


def test_a_stale_or_damaged_file_is_computed_again(cache_dir):
    reference = Resolver()
    (path,) = _files(cache_dir)
    # The same name with another key inside (a file left by other code): never trusted.
    with open(path, "wb") as fh:
        pickle.dump(("another key", (None,)), fh)
    assert _answers(Resolver()) == _answers(reference)
    with open(path, "rb") as fh:
        assert pickle.load(fh)[0] == path.stem.split("-", 1)[1]  # written again, whole
    path.write_bytes(b"\x80damaged")
    assert _state(Resolver()) == _state(reference)
    # An index of an older catalogue or older code has another name: removed when the
    # current one is written.
    old = cache_dir / "resolver-0123456789abcdef.pickle"
    old.write_bytes(pickle.dumps(("0123456789abcdef", (None,))))
    path.unlink()
    assert _answers(Resolver()) == _answers(reference)
    assert _files(cache_dir) == [path]


def test_each_key_is_computed_once_and_a_new_key_replaces_the_old_file(tmp_path):
    assert index_cache.digest([b"a", b"bc"]) != index_cache.digest([b"ab", b"c"])
    built: list[str] = []

    def build(label):
        return lambda: built.append(label) or {"label": label}

    first = index_cache.digest([b"catalogue", b"code"])
    assert index_cache.load_or_build("x", first, build("one"), tmp_path) == {"label": "one"}
    assert index_cache.load_or_build("x", first, build("two"), tmp_path) == {"label": "one"}
    second = index_cache.digest([b"catalogue", b"changed code"])
    assert index_cache.load_or_build("x", second, build("three"), tmp_path) == {
        "label": "three"}
    assert built == ["one", "three"]
    assert [p.name for p in tmp_path.glob("x-*.pickle")] == [f"x-{second}.pickle"]


def test_an_unwritable_folder_still_answers(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(index_cache.CACHE_DIR_ENV, str(blocked / "cache"))
    assert Resolver().resolve("Xã Bình Minh", parent="524").unit.code == "21085"


def test_the_catalogue_is_read_back_from_its_file_as_read_from_the_package(cache_dir,
                                                                          monkeypatch):
    from core.catalogue import units

    units.catalogue.cache_clear()
    try:
        first = units.catalogue()
        (stored,) = sorted(cache_dir.glob("units-*.pickle"))
        units.catalogue.cache_clear()
        from_package = units._read_catalogue()
        monkeypatch.setattr(units, "_read_catalogue", lambda: pytest.fail("read again"))
        again = units.catalogue()  # from the file: the package is not read
        assert again == first == from_package
        assert len(again) == 10810 and again[0].code == "01" and again[-1].name == "Xã Đất Mũi"
        assert sorted(cache_dir.glob("units-*.pickle")) == [stored]
    finally:
        units.catalogue.cache_clear()
