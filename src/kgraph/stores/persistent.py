"""A persistent Oxigraph store in a folder: built once, opened in a blink, never served stale.

The folder holds the database (oxigraph/) and kgraph-store.json, written last, with the
fingerprint of the files it was built from: their names, sizes and SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kgraph.errors import BadParameter, StoreUnavailable
from kgraph.settings import Settings
from kgraph.store import rdf_files
from kgraph.stores.oxigraph_store import OxigraphStore

META = "kgraph-store.json"
DATABASE = "oxigraph"
BUILDING = "oxigraph.building"
RETIRED = "oxigraph.old"
FORMAT = 1
Extra = Iterable[tuple[str | None, Path]]


@dataclass(frozen=True)
class Opened:
    """A folder store ready to serve, and the one line that says how it got so."""

    store: OxigraphStore
    line: str
    rebuilt: bool


def fingerprint(settings: Settings, extra: Extra = ()) -> list[dict[str, object]]:
    """Name, size and SHA-256 of every file a store is built from, in load order."""
    entries: list[dict[str, object]] = []
    for label, folder in (("ontology", settings.ontology_dir), ("data", settings.data_dir)):
        for path in rdf_files(folder):
            entries.append(_entry(f"{label}/{path.relative_to(folder).as_posix()}", path))
    for name, path in extra:
        entry = _entry(str(Path(path).resolve()), Path(path))
        entry["graph"] = name
        entries.append(entry)
    return entries


def _entry(name: str, path: Path) -> dict[str, object]:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise BadParameter(f"{path}: {exc.strerror}") from exc
    return {"name": name, "size": path.stat().st_size, "sha256": digest.hexdigest()}


def differences(built: list[dict[str, object]], now: list[dict[str, object]]) -> list[str]:
    """What changed between two fingerprints, file by file: 'data/x.ttl changed', '... added'."""
    old = {str(e["name"]): e for e in built}
    new = {str(e["name"]): e for e in now}
    out = [f"{n} added" for n in new if n not in old]
    out += [f"{n} removed" for n in old if n not in new]
    out += [f"{n} changed" for n in new if n in old and old[n] != new[n]]
    return out


def read_meta(folder: Path) -> dict[str, object] | None:
    """The folder's kgraph-store.json, or None when it has none (never built, or cut short)."""
    path = folder / META
    if not path.is_file() or not (folder / DATABASE).is_dir():
        return None
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else None


def check_folder(folder: Path) -> None:
    """Refuse a path that is a file, or a folder holding things that are not a kgraph store."""
    if folder.exists() and not folder.is_dir():
        raise BadParameter(f"--store {folder}: is a file, not a store folder")
    if folder.is_dir():
        ours = {META, DATABASE, BUILDING, RETIRED}
        strangers = sorted(p.name for p in folder.iterdir() if p.name not in ours)
        if strangers:
            raise BadParameter(
                f"--store {folder}: not a kgraph store (it holds {strangers[0]}); "
                "give a new or empty folder"
            )


def open_folder(folder: Path) -> OxigraphStore:
    """A built folder store, read-only, as it is; StoreUnavailable when none was built there."""
    check_folder(folder)
    meta = read_meta(folder)
    if meta is None:
        raise StoreUnavailable(
            f"--store {folder}: no store built there; build it with kgraph load --store {folder}"
        )
    triples = meta.get("triples")  # counted when it was built; opened read-only since
    store = OxigraphStore(folder / DATABASE, size=triples if type(triples) is int else None)
    _try_open(store, folder)
    return store


def _try_open(store: OxigraphStore, folder: Path) -> None:
    try:
        store.oxigraph  # noqa: B018 - opening is the check
    except OSError as exc:
        raise StoreUnavailable(f"--store {folder}: cannot open the database: {exc}") from exc


def build_folder(folder: Path, settings: Settings, extra: Extra = ()) -> tuple[OxigraphStore, str]:
    """Build the store afresh from the project's files; the store, read-only, and what was done."""
    check_folder(folder)
    extra = list(extra)
    started = time.monotonic()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / META).unlink(missing_ok=True)
        for stale in (BUILDING, RETIRED):
            shutil.rmtree(folder / stale, ignore_errors=True)
    except OSError as exc:
        raise BadParameter(f"--store {folder}: {exc.strerror or exc}") from exc
    prints = fingerprint(settings, extra)
    building = OxigraphStore(folder / BUILDING, writable=True)
    _try_open(building, folder)
    files = [*rdf_files(settings.ontology_dir), *rdf_files(settings.data_dir)]
    for path in files:
        building.load(path, bulk=True)
    for name, path in extra:
        building.load(Path(path), name, bulk=True)
    triples, graphs = len(building), building.graph_names()
    building.close()
    live = folder / DATABASE
    if live.exists():
        live.rename(folder / RETIRED)
    (folder / BUILDING).rename(live)
    shutil.rmtree(folder / RETIRED, ignore_errors=True)
    meta = {"format": FORMAT, "triples": triples, "graphs": graphs, "files": prints}
    scratch = folder / (META + ".new")
    scratch.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    scratch.replace(folder / META)
    seconds = time.monotonic() - started
    summary = f"{len(files) + len(extra)} files ({triples} triples) in {seconds:.1f}s"
    return open_folder(folder), summary


def sync_folder(
    folder: Path, settings: Settings, extra: Extra = (), *, rebuild: bool = True
) -> Opened:
    """The folder's store, rebuilt first when its files changed since it was built (or refused,
    with rebuild=False): never stale data served silently."""
    check_folder(folder)
    extra = list(extra)
    meta = read_meta(folder)
    if meta is None:
        if not rebuild and folder.exists() and any(folder.iterdir()):
            raise StoreUnavailable(
                f"--store {folder}: its build did not finish; run kgraph load --store {folder}"
            )
        store, summary = build_folder(folder, settings, extra)
        return Opened(store, f"kgraph: built store {folder} from {summary}", rebuilt=True)
    changed = differences(list(meta.get("files", [])), fingerprint(settings, extra))
    if not changed:
        store = open_folder(folder)
        line = (
            f"kgraph: store {folder} is up to date ({meta.get('triples')} triples); "
            "opened without parsing"
        )
        return Opened(store, line, rebuilt=False)
    why = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
    if not rebuild:
        raise StoreUnavailable(
            f"--store {folder} is stale: {why} since it was built; "
            f"run kgraph load --store {folder}, or serve without --no-rebuild"
        )
    store, summary = build_folder(folder, settings, extra)
    return Opened(store, f"kgraph: store {folder} was stale ({why}); rebuilt from {summary}", True)
