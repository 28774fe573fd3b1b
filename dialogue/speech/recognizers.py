"""The recognition resources a process shares among its calls: the pool of built
recognizers and the threads grammar decoding runs on (see ``vosk_stt``)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from vosk import KaldiRecognizer

#: Grammar decoding threads: a core is left to the event loop, which paces every call's
#: audio; more threads than that would compete with it for the CPU.
DECODE_THREADS = max(1, (os.cpu_count() or 2) - 1)
#: How much lower the decode threads run than the event loop (Linux thread nice): on a
#: machine short of CPU the calls' audio keeps its pace and recognition falls behind.
DECODE_NICE = 5

_decoder: ThreadPoolExecutor | None = None
_decoder_lock = threading.Lock()


def decode_executor() -> ThreadPoolExecutor:
    """The process's grammar decoding threads (created on first use)."""
    global _decoder
    with _decoder_lock:
        if _decoder is None:
            _decoder = ThreadPoolExecutor(
                DECODE_THREADS, thread_name_prefix="vosk-decode", initializer=_lower_priority
            )
        return _decoder


def _lower_priority() -> None:
    """Lower this thread's priority (Linux: ``setpriority`` on a thread id is per thread;
    elsewhere it would be the whole process's, so nothing is done)."""
    if sys.platform != "linux" or DECODE_NICE <= 0:
        return
    tid = threading.get_native_id()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + DECODE_NICE)


class RecognizerPool:
    """Grammar recognizers of ended calls, reset and kept for the next call (per process).

    Building a grammar recognizer costs about 12-20 ms of CPU (the barrier entry); a
    campaign's calls use the same few grammars, so reusing them makes a call's setup and
    its state changes nearly free. A recognizer is used by one call at a time.

    Free-decoding recognizers are kept too (``free_key``, at most ``per_free``): each
    composes the model's graph lazily into its own cache, so a new one costs 2-3x the
    steady rate over its first 5-10 s of speech (and the cache grows to about 0.2 GB);
    a reused one is already warm. ``prewarm_free`` fills the pool before the first call.
    """

    def __init__(self, per_grammar: int = 64, per_free: int = 16) -> None:
        self._free: dict[tuple[str, int, bool], list[Any]] = {}
        self._lock = threading.Lock()
        self._per_grammar = per_grammar
        self._per_free = per_free
        self.reused = 0
        self.built = 0

    @staticmethod
    def free_key(rate: int) -> tuple[str, int, bool]:
        return ("<free>", rate, False)

    def free_count(self, rate: int) -> int:
        with self._lock:
            return len(self._free.get(self.free_key(rate), []))

    def prewarm_free(self, model: Any, rate: int, audio: Sequence[bytes], count: int) -> None:
        """Build ``count`` free recognizers, decode ``audio`` (16-bit PCM at ``rate``)
        through each to warm its graph cache, and keep them (blocking: run in a thread)."""

        for _ in range(max(0, count - self.free_count(rate))):
            rec = KaldiRecognizer(model, rate)
            rec.SetWords(True)
            for pcm in audio:
                rec.AcceptWaveform(pcm)
                rec.FinalResult()
            self.give(self.free_key(rate), rec)

    def take(self, key: tuple[str, int, bool]) -> Any | None:
        with self._lock:
            free = self._free.get(key)
            if free:
                self.reused += 1
                return free.pop()
            self.built += 1
            return None

    def give(self, key: tuple[str, int, bool], rec: Any) -> None:
        rec.Reset()
        cap = self._per_free if key[0] == "<free>" else self._per_grammar
        with self._lock:
            free = self._free.setdefault(key, [])
            if len(free) < cap:
                free.append(rec)
