"""Loops that write to one database through the Service, each in its own process.

The tests fork them (`multiprocessing`'s "fork" context: a new process in milliseconds,
with the package already imported) or run them as scripts::

    python -m tests.workers.loops tag DB RUN      # tag until killed, one line per commit

A loop reports each write only after the write's commit has returned, one line per write,
with a single `os.write` (atomic on a pipe), so a SIGKILL can cut a report but never a
half of one. Any "database is locked" error is reported, never swallowed.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from itertools import count
from pathlib import Path

from annotator.model import Sentence, Verdict
from annotator.service import ClaimConflict, Service
from annotator.store import Store, StoreError

TARGET_SENTENCES = 40  # the tag loop edits these few claims again and again: many versions each
STRESS = os.environ.get("ANNOTATOR_STRESS", "") not in ("", "0")  # set by `make stress`


def scaled(normal: int, stress: int) -> int:
    """An iteration count: `normal` in `make test`, `stress` in `make stress`."""
    return stress if STRESS else normal


def _say(fd: int, line: str) -> None:
    os.write(fd, (line + "\n").encode("utf-8"))


def wait_for(start: str | Path, timeout: float = 60.0) -> None:
    """Block until the file `start` exists: a barrier that releases every process at once."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(start):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{start} never appeared")
        time.sleep(0.0005)


def _first_sentence(service: Service) -> tuple[str, Sentence]:
    article = service.articles()[0]
    return article.id, service.sentences(article.id)[0]


def tag_loop(db: str, run: int, out: int, steps: int | None = None) -> None:
    """Tag and annotate random sentences until killed (or for `steps` rounds).

    Reports ``CLAIM_ID VERSION verdict VALUE`` after each tag and ``CLAIM_ID VERSION note
    TOKEN`` after each note; every note is a fresh token ``r<run>-<i>``, so each note
    write is one audit row that can be looked for.
    """
    rng = random.Random(run)
    service = Service(Store(db), None, user=f"run{run}")
    targets = [
        (article.id, sentence)
        for article in service.articles()
        for sentence in service.sentences(article.id)
    ][:TARGET_SENTENCES]
    for step in count() if steps is None else range(steps):
        article_id, sentence = rng.choice(targets)
        verdict = rng.choice(list(Verdict))
        claim = service.tag(article_id, sentence, verdict)
        _say(out, f"{claim.id} {claim.version} verdict {verdict.value}")
        token = f"r{run}-{step}"
        claim = service.set_note(article_id, sentence, token)
        _say(out, f"{claim.id} {claim.version} note {token}")


def append_loop(db: str, worker: int, edits: int, start: str, result: str) -> None:
    """After the barrier, append `edits` lines ``p<worker>-<i>`` to one claim's note."""
    wait_for(start)
    errors: list[str] = []
    service = Service(Store(db), None, user=f"p{worker}")
    article_id, sentence = _first_sentence(service)
    for i in range(edits):
        try:
            service.append_note(article_id, sentence, f"p{worker}-{i}")
        except StoreError as error:
            errors.append(str(error))
    Path(result).write_text(json.dumps({"errors": errors}), encoding="utf-8")


def increment_loop(db: str, worker: int, edits: int, start: str, result: str) -> None:
    """After the barrier, add 1 to a counter kept in a claim's note, `edits` times.

    Optimistic: read the claim, write it back expecting the version read, and on a
    conflict read again and retry; a lost update would show as a final count too low.
    """
    wait_for(start)
    errors: list[str] = []
    conflicts = 0
    service = Service(Store(db), None, user=f"p{worker}")
    article_id, sentence = _first_sentence(service)
    done = 0
    while done < edits:
        claim = service.claim_for(article_id, sentence)
        value = int(claim.note or "0")
        try:
            service.set_note(article_id, sentence, str(value + 1), expected_version=claim.version)
        except ClaimConflict:
            conflicts += 1
            continue
        except StoreError as error:
            errors.append(str(error))
        done += 1
    Path(result).write_text(
        json.dumps({"errors": errors, "conflicts": conflicts}), encoding="utf-8"
    )


def open_loop(db: str, start: str, result: str) -> None:
    """After the barrier, open (create and migrate) the database; report what happened."""
    wait_for(start)
    try:
        store = Store(db)
        outcome = {"schema": store.schema_version(), "error": ""}
        store.close()
    except StoreError as error:
        outcome = {"schema": -1, "error": str(error)}
    Path(result).write_text(json.dumps(outcome), encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "tag":
        tag_loop(argv[1], int(argv[2]), sys.stdout.fileno())
        return 0
    print("usage: python -m tests.workers.loops tag DB RUN", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
