"""Run an app under a pseudo-terminal and time its frames: start-up, and keypress → frame.

`PtyApp` starts a program on the slave side of a pty (`os.openpty`, stdin/stdout/stderr
all on it: Textual writes its frames to stderr), reads the master side in a thread and
stamps every chunk with `time.perf_counter()`. Textual asks the terminal whether it
supports synchronized output (``ESC[?2026$p``); the harness answers yes, so from then on
Textual wraps every frame in ``ESC[?2026h`` … ``ESC[?2026l``, and a frame ends exactly at
its closing marker. (Output before that answer is split into frames by a quiet gap.)

Latency of a key: the harness waits until the app has been quiet for a while, writes the
key's bytes, and takes the time from just before the write to the end of the last frame
of the burst that follows (the app settled, what the user sees); the end of the first
frame after the key is kept too. Pilot is not involved, so none of its own per-key cost.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import Figure, Settings, child_env, percentile, python

SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"
SYNC_QUERY = b"\x1b[?2026$p"
SYNC_REPLY = b"\x1b[?2026;2$y"  # "supported, currently off"
LOOSE_GAP = 0.03  # seconds of silence that end a frame written without sync markers

_ESCAPE = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1b[@-Z\\-_]"  # other two-byte escapes
)

KEYS = {
    "down": b"\x1b[B",
    "tab": b"\t",
    "shift+tab": b"\x1b[Z",
    "enter": b"\r",
    "f12": b"\x1b[24~",
    "f11": b"\x1b[23~",
    "escape": b"\x1b",
}


def key_bytes(key: str) -> bytes:
    return KEYS.get(key, key.encode())


def plain_text(data: bytes) -> str:
    """What a frame shows, without escape sequences (text of one screen line stays whole)."""
    return _ESCAPE.sub(b"", data).decode("utf-8", "replace")


@dataclass
class Frame:
    """Bytes written as one frame, with the times its first and last bytes were read."""

    start: float
    end: float
    data: bytearray = field(default_factory=bytearray)
    synced: bool = True
    closed: bool = False
    _text: str | None = None

    @property
    def text(self) -> str:
        """The frame's plain text (computed once the frame is complete)."""
        if not self.closed:
            return plain_text(bytes(self.data))
        if self._text is None:
            self._text = plain_text(bytes(self.data))
        return self._text


class PtyApp:
    """A program running under a pseudo-terminal of `size` (columns, rows)."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: dict[str, str],
        size: tuple[int, int] = (160, 48),
    ) -> None:
        self.argv = list(argv)
        self.cwd = cwd
        self.env = env
        self.size = size
        self.frames: list[Frame] = []
        self.started = 0.0
        self.last_byte = 0.0
        self.raw_bytes = 0
        self.answered_sync = False  # the app asked whether output can be synchronized
        self._pending = b""
        self._frame: Frame | None = None  # the frame being written
        self._cond = threading.Condition()
        self._eof = False
        self.process: subprocess.Popen[bytes] | None = None
        self._master = -1
        self._reader: threading.Thread | None = None

    # -- running --

    def start(self) -> PtyApp:
        master, slave = os.openpty()
        columns, rows = self.size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self._master = master
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            self.argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=self.cwd,
            env=self.env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()
        return self

    def __enter__(self) -> PtyApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def close(self, quit_key: bytes = b"q", timeout: float = 5.0) -> int | None:
        """Ask the app to quit with `quit_key`; kill it (its own session only) if it does not."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            with contextlib.suppress(OSError):
                os.write(self._master, quit_key)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        if self._reader is not None:
            self._reader.join(2)
        with contextlib.suppress(OSError):
            os.close(self._master)
        return process.returncode

    def hang_up(self) -> None:
        """Close the terminal's side, as a terminal that goes away without a SIGHUP (the
        app is in its own session, so none is sent)."""
        with contextlib.suppress(OSError):
            os.close(self._master)

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self._master], [], [], 0.01)
            except (OSError, ValueError):
                break
            now = time.perf_counter()
            if not ready:
                self._close_loose(now)
                continue
            try:
                data = os.read(self._master, 65536)
            except OSError:
                data = b""
            if not data:
                break
            self._feed(data, now)
        with self._cond:
            self._eof = True
            if self._frame is not None:
                self._frame.closed = True
                self._frame = None
            self._cond.notify_all()

    def _feed(self, data: bytes, now: float) -> None:
        if SYNC_QUERY in self._pending[-16:] + data:
            with contextlib.suppress(OSError):
                os.write(self._master, SYNC_REPLY)
                self.answered_sync = True
        with self._cond:
            self.last_byte = now
            self.raw_bytes += len(data)
            buffer = self._pending + data
            position = 0
            while True:
                frame = self._frame
                if frame is not None and frame.synced:
                    found = buffer.find(SYNC_END, position)
                    if found < 0:
                        break
                    frame.data += buffer[position:found]
                    frame.end, frame.closed = now, True
                    self._frame = None
                    position = found + len(SYNC_END)
                    continue
                found = buffer.find(SYNC_START, position)
                if found < 0:
                    break
                self._loose(buffer[position:found], now)
                if self._frame is not None:  # a loose frame ends where a synced one begins
                    self._frame.closed = True
                self._frame = Frame(now, now)
                self.frames.append(self._frame)
                position = found + len(SYNC_START)
            # Keep back a tail that may be the start of a marker cut between two reads.
            rest = buffer[position:]
            frame = self._frame
            synced = frame is not None and frame.synced
            marker = SYNC_END if synced else SYNC_START
            keep = next(
                (k for k in range(min(len(marker) - 1, len(rest)), 0, -1)
                 if rest.endswith(marker[:k])),
                0,
            )  # fmt: skip
            body = rest[: len(rest) - keep]
            if synced and frame is not None:
                frame.data += body
            else:
                self._loose(body, now)
            self._pending = rest[len(rest) - keep :]
            self._cond.notify_all()

    def _loose(self, data: bytes, now: float) -> None:
        if not data:
            return
        frame = self._frame
        if frame is None:
            frame = self._frame = Frame(now, now, synced=False)
            self.frames.append(frame)
        frame.data += data
        frame.end = now

    def _close_loose(self, now: float) -> None:
        with self._cond:
            frame = self._frame
            if frame is not None and not frame.synced and now - frame.end >= LOOSE_GAP:
                frame.closed = True
                self._frame = None
                self._cond.notify_all()

    # -- waiting --

    def _wait(self, found: Callable[[], bool], timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        with self._cond:
            while not found() and not self._eof:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    return
                self._cond.wait(remaining)

    def wait_frame(
        self, after: float, timeout: float = 10.0, text: str | tuple[str, ...] = ""
    ) -> Frame | None:
        """The first complete frame begun after `after` (containing `text`, or one of the
        texts of a tuple, if given)."""
        match: list[Frame] = []
        texts = (text,) if isinstance(text, str) else text

        def found() -> bool:
            later = []
            for frame in reversed(self.frames):
                if frame.start < after:
                    break
                later.append(frame)
            for frame in reversed(later):
                if frame.closed and (not text or any(t in frame.text for t in texts)):
                    match.append(frame)
                    return True
            return False

        self._wait(found, timeout)
        return match[0] if match else None

    def wait_quiet(self, quiet: float = 0.12, timeout: float = 10.0) -> float:
        """Wait until nothing has been written for `quiet` seconds; returns the last byte's time."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self._cond:
                idle = time.perf_counter() - self.last_byte
                done = self._eof or (idle >= quiet and self._frame is None)
            if done:
                break
            time.sleep(max(0.002, quiet - idle) if idle < quiet else 0.005)
        return self.last_byte

    def press(self, key: str) -> float:
        """Write `key`'s bytes; returns the time just before the write."""
        now = time.perf_counter()
        os.write(self._master, key_bytes(key))
        return now

    def frames_between(self, start: float, end: float) -> list[Frame]:
        with self._cond:
            return [f for f in self.frames if f.closed and start <= f.start <= end]

    def screen_text(self) -> str:
        """Everything written so far, as plain text (for error messages)."""
        with self._cond:
            return "".join(frame.text for frame in self.frames)

    # -- resources --

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the app process has used so far, every thread included
        (/proc/<pid>/stat, in clock ticks: 10 ms steps)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory_kb(self) -> dict[str, int]:
        """VmHWM (peak resident set) and VmRSS of the app process, in kB."""
        values: dict[str, int] = {}
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                name, _, rest = line.partition(":")
                if name in ("VmHWM", "VmRSS"):
                    values[name] = int(rest.split()[0])
        return values


@dataclass
class KeyTiming:
    """One key: seconds from the write to the end of the first and of the last frame."""

    key: str
    first: float
    settled: float
    frames: int


def time_key(
    app: PtyApp, key: str, *, expect: str = "", quiet: float = 0.12, timeout: float = 10.0
) -> KeyTiming:
    """Press `key` once the app is quiet; time its frames (raises if none comes). With
    `expect`, the first frame is the first one showing that text."""
    app.wait_quiet(quiet)
    sent = app.press(key)
    first = app.wait_frame(sent, timeout, expect)
    if first is None:
        assert app.process is not None
        state = "running" if app.process.poll() is None else f"exited ({app.process.returncode})"
        tail = app.screen_text()[-1500:]
        shown = f" showing {expect!r}" if expect else ""
        raise RuntimeError(
            f"no frame{shown} within {timeout} s after key {key!r}; app {state}:\n{tail}"
        )
    app.wait_quiet(quiet)
    frames = app.frames_between(sent, time.perf_counter())
    last = max(frame.end for frame in frames)
    return KeyTiming(key, first.end - sent, last - sent, len(frames))


def annotator_argv(db: Path, paths: Sequence[Path]) -> list[str]:
    return [python(), "-m", "annotator", "--db", str(db), "--user", "bench", *map(str, paths)]


# --------------------------------------------------------------------------- the section

LATENCY_ACTIONS = (
    ("no-op (f12)", "baseline"),
    ("cursor down", "down"),
    ("tag (c/d/u, SQLite write)", "tag"),
    ("undo (z)", "undo"),
    ("focus next column (tab)", "tab"),
    ("search: open (/)", "search-open"),
    ("search: type a letter", "search-type"),
    ("search: enter, jump to hit", "search-enter"),
    ("whole screen redrawn, unchanged (f11, information)", "redraw"),
)
INFORMATION = ("baseline", "redraw")  # reference keys, no target
SEARCH_WORDS = ("Aleppo", "insurgents", "Syria", "government", "offensive", "Russia")
SEARCH_HINT = "escape cancel"  # on the search screen once it is shown
MEDIAN_TARGET = 0.050
P95_TARGET = 0.100
RATIO_TARGET = 2.0


def run_latency(settings: Settings, folder: Path, db: Path, marker: str) -> list[Figure]:
    """Keypress → frame for the main actions with `folder`'s articles open (warm cache)."""
    env = child_env(settings.workdir, ANNOTATOR_BENCH="1")
    argv = annotator_argv(db, [folder])
    timings: dict[str, list[KeyTiming]] = {name: [] for _, name in LATENCY_ACTIONS}
    n = settings.keys
    with PtyApp(argv, cwd=settings.workdir, env=env, size=settings.terminal) as app:
        if app.wait_frame(app.started, 180, marker) is None:
            raise RuntimeError(f"the app never showed {marker!r}:\n{app.screen_text()[-2000:]}")
        app.wait_quiet(0.5, 300)  # the comparison may run first (small corpora)
        for _ in range(3):  # warm-up: first use of each code path
            for key in ("f12", "down", "c", "z"):
                time_key(app, key)
        cpu: dict[str, float] = {}

        def run(name: str, keys: list[str], expect: str = "") -> None:
            began = app.cpu_seconds()
            for key in keys:
                timings[name].append(time_key(app, key, expect=expect))
            cpu[name] = (app.cpu_seconds() - began) / len(keys)

        run("baseline", ["f12"] * n)
        run("down", ["down"] * n)
        run("tag", ["cdu"[index % 3] for index in range(n)])
        run("undo", ["z"] * n)
        run("tab", ["tab"] * n)
        run("redraw", ["f11"] * n)
        began = app.cpu_seconds()
        searches = max(3, n // 3)
        for index in range(searches):
            word = SEARCH_WORDS[index % len(SEARCH_WORDS)]
            timings["search-open"].append(time_key(app, "/", expect=SEARCH_HINT))
            for letter in word[:4]:
                timings["search-type"].append(time_key(app, letter))
            timings["search-enter"].append(time_key(app, "enter", expect="match 1 of"))
        cpu["search"] = (app.cpu_seconds() - began) / searches
        memory = app.memory_kb()
    baseline = [t.settled for t in timings["baseline"]]
    figures = []
    for label, name in LATENCY_ACTIONS:
        settled = [t.settled for t in timings[name]]
        first = [t.first for t in timings[name]]
        figure = Figure(
            section="latency",
            name=label,
            unit="s",
            samples=settled,
            baseline="no-op key (f12)" if name != "baseline" else "",
            baseline_samples=baseline if name != "baseline" else [],
            extra={
                "first_frame_median": percentile(first, 50),
                "first_frame_p95": percentile(first, 95),
                "frames_per_key": max(t.frames for t in timings[name]),
                "app_cpu_seconds_per_key": cpu.get(name),
            },
        )
        if name not in INFORMATION:
            ratio = figure.ratio or 0.0
            figure.target = "median ≤ 50 ms, p95 ≤ 100 ms, ≤ 2× no-op"
            figure.met = (
                figure.value <= MEDIAN_TARGET and figure.p95 <= P95_TARGET and ratio <= RATIO_TARGET
            )
        figures.append(figure)
    figures[0].extra["app_memory_kb"] = memory
    figures[0].extra["app_cpu_seconds_per_search (open, 4 letters, enter)"] = cpu["search"]
    return figures


def check_environment() -> str:
    """Why the pty measurements cannot run here ("" when they can)."""
    if not hasattr(os, "openpty"):
        return "no pseudo-terminals on this platform"
    return ""


def bench_env(settings: Settings) -> dict[str, str]:
    return child_env(settings.workdir, ANNOTATOR_BENCH="1")
