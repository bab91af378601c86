"""What the store could not take while it was unreachable, kept in a bounded file in the data
folder and written when the database answers again: nothing lost up to the bound.

One JSON line per record. Decimals keep their digits ({"$decimal": "19.43"}). Threads share a lock
and processes an exclusive `flock` on the file, so two writers never interleave a line and a
record is drained once.
"""

from __future__ import annotations

import fcntl
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

log = logging.getLogger(__name__)
SPOOL_FILE = "store-spool.jsonl"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    raise TypeError(f"{type(value).__name__} is not spooled")


def _decode(obj: dict[str, Any]) -> Any:
    return Decimal(obj["$decimal"]) if set(obj) == {"$decimal"} else obj


class Spool:
    def __init__(self, path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._full_said = False

    @contextmanager
    def _locked(self, mode: str) -> Iterator[TextIO]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path, mode, encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield handle
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def append(self, record: dict[str, Any]) -> bool:
        """Keep one record; False (and one log line per filling) once the bound is reached."""
        line = json.dumps(record, default=_encode, separators=(",", ":")) + "\n"
        with self._locked("a") as handle:
            handle.seek(0, 2)
            if handle.tell() + len(line.encode()) > self.max_bytes:
                if not self._full_said:
                    log.error("the store spool %s is full (%d bytes): records are dropped until the database answers",
                              self.path, self.max_bytes)
                    self._full_said = True
                return False
            handle.write(line)
            handle.flush()
        return True

    def pending(self) -> int:
        if not self.path.exists():
            return 0
        with self._locked("r") as handle:
            return sum(1 for line in handle if line.strip())

    def drain(self, write: Callable[[dict[str, Any]], None], batch: int = 100) -> int:
        """Write the spooled records, oldest first, a batch at a time (appends wait only while a
        batch is read or cut off, never while it is written), and keep what could not be written: the
        first failure stops the drain, the database is likely gone again. One drainer at a time across
        processes (another one's drain is left to it). Returns how many records went."""
        if not self.path.exists():
            return 0
        drainer = self.path.with_suffix(".drain")
        with open(drainer, "a") as guard:
            try:
                fcntl.flock(guard, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0
            total = 0
            while True:
                with self._locked("r") as handle:
                    chunk = [line for line in handle.read().splitlines() if line.strip()][:batch]
                if not chunk:
                    return total
                done = 0
                for line in chunk:
                    try:
                        record = json.loads(line, object_hook=_decode)
                    except ValueError:  # a line cut by a crash mid-write: nothing to write
                        done += 1
                        continue
                    try:
                        write(record)
                    except Exception:
                        break
                    done += 1
                with self._locked("r+") as handle:  # only appends happened meanwhile: cut the head
                    rest = [line for line in handle.read().splitlines() if line.strip()][done:]
                    handle.seek(0)
                    handle.truncate()
                    handle.writelines(line + "\n" for line in rest)
                total += done
                self._full_said = False
                if done < len(chunk):
                    return total
