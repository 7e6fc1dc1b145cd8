"""Finding and loading the shipped pack, with a cache keyed on the files' contents.

Parsing YAML dominates start-up; like beancount, we keep the validated result in a pickle whose
name is a hash of every file's path and bytes, so any edit invalidates it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from importlib import resources
from pathlib import Path

from anpo.framework.framework import Framework
from anpo.framework.loader import load_pack
from anpo.framework.model import Problem

CACHE_VERSION = "1"


def default_pack_dir() -> Path:
    return Path(str(resources.files("anpo") / "packs" / "japan_us"))


def _cache_dir() -> Path:
    base = os.environ.get("ANPO_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "anpo"
    )
    return Path(base)


def _digest(root: Path) -> str:
    h = hashlib.sha256(CACHE_VERSION.encode())
    for path in sorted(root.rglob("*.yaml")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:32]


class PackError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems[:20]))
        self.problems = problems


def load_cached(root: Path) -> Framework:
    """Load a pack, from the cache when its files are unchanged. Raises PackError on problems."""
    cache = _cache_dir() / f"pack-{_digest(root)}.pickle"
    if cache.exists():
        try:
            with cache.open("rb") as fh:
                fw = pickle.load(fh)
            if isinstance(fw, Framework):
                return fw
        except Exception:
            pass
    fw_or_none, problems = load_pack(root)
    if fw_or_none is None:
        raise PackError(problems)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(fw_or_none, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError:
        pass  # a read-only home still works, only slower
    return fw_or_none


@lru_cache(maxsize=1)
def default_framework() -> Framework:
    return load_cached(Path(os.environ.get("ANPO_PACK") or default_pack_dir()))
