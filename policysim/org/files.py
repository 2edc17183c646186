"""Account files as a worker reads them: each file once per process, kept while it is unchanged.

A run that spreads an organization over workers sends each task the paths of its accounts'
files, not the accounts: every worker process reads only the files of the accounts it answers
(plus the organization's file), and keeps them, so that the next task or the next question of
a long-lived worker (a Dask cluster at tcp://...) finds them read and their policies compiled.
A file is known by its real path; it is read again when its modification time or size changed.

The cache is per process: the serial executor fills this process's, a pool of processes or a
Dask cluster fills each worker's own. What it reads is frozen out of the cyclic garbage
collector's generations (`gc.freeze`): it is kept anyway, and the collector would rescan it.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field

from policysim.account.model import Snapshot
from policysim.engine.compiled import NamedPolicy
from policysim.engine.options import EvaluationOptions

Stamp = tuple[int, int]
"""(modification time in ns, size in bytes) of a file when it was read."""


@dataclass(slots=True)
class FileCache:
    """The account files this process has read, by real path, with their stamps."""

    snapshots: dict[str, tuple[Stamp, Snapshot]] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    """Every path read from disk, in order (what a worker opened: for tests and monitoring)."""
    named: dict[tuple[str, str], NamedPolicy] = field(default_factory=dict)
    """The resolvers' `NamedPolicy` objects, shared by every resolver of this process: the
    engine's compile cache is keyed by their identity, so an account answered again (another
    question, another batch) reuses its compiled policies. A re-read file has new documents,
    which replace the old names (`Resolver._name` checks the document's identity)."""
    options: dict[EvaluationOptions, EvaluationOptions] = field(default_factory=dict)
    """One `EvaluationOptions` object per value: compiled policies are cached per options
    object, and each task's job arrives as a fresh copy."""

    def load(self, path: str | os.PathLike[str], allow_pipes: bool = False) -> Snapshot:
        """The snapshot of the file at `path`, read now unless read before and unchanged
        (`allow_pipes`: the user named the file, as `load_snapshot` takes it)."""
        from policysim.account.loaders import load_snapshot

        name = str(path)
        key = os.path.abspath(name)
        try:
            status = os.stat(key)
        except OSError:
            status = None  # load_snapshot says why, with the file's name
        stamp = (status.st_mtime_ns, status.st_size) if status is not None else (-1, -1)
        hit = self.snapshots.get(key)
        if hit is not None and hit[0] == stamp and status is not None:
            return hit[1]
        snapshot = load_snapshot(name, allow_pipes=allow_pipes)
        self.reads.append(name)
        self.snapshots[key] = (stamp, snapshot)
        # What is read here is kept for the life of the process: out of the cyclic
        # collector's sight, which otherwise rescans it at every full collection and once
        # more at exit (measured: a second of CPU for 30,000 principals' accounts).
        gc.freeze()
        return snapshot

    def loaded(self, path: str | os.PathLike[str]) -> Snapshot | None:
        """The snapshot of `path` if this process has read it (whether or not it changed)."""
        hit = self.snapshots.get(os.path.abspath(str(path)))
        return hit[1] if hit is not None else None

    def canonical(self, options: EvaluationOptions) -> EvaluationOptions:
        """The process's one object equal to `options`."""
        return self.options.setdefault(options, options)

    def clear(self) -> None:
        """Forget every file read (tests)."""
        self.snapshots.clear()
        self.reads.clear()
        self.named.clear()


FILES = FileCache()
"""This process's cache."""
