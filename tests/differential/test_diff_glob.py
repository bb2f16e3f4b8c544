"""KEYS pattern matching against Redis's stringmatchlen: random glob patterns over a
fixed set of awkward keys; the sorted replies must match byte for byte."""

import os
import random

import pytest

from harness import Divergence, normalize

# Steer around open bugs (see BUGS in test_diff_cases.py) so the fuzzer keeps finding new
# ones; KORA_DIFF_AVOID_BUGS=0 disables it.
AVOID_KNOWN_BUGS = os.environ.get("KORA_DIFF_AVOID_BUGS", "1") != "0"


def known_bug(pattern):
    # No open KEYS bug at the moment; list the patterns of one here while it is open.
    return False

KEYS = ["a", "b", "c", "ab", "ba", "a-b", "[", "]", "^", "!", "\\", "*", "?", "a]", "[a", "-",
        "aa", "abc", "a\\b", "x^y", "]]", "[]", "", "A", "B", "\x00", "\xff", "a\x00b", "long" * 20]
ALPHABET = "ab[]^-\\*?!cA"


@pytest.mark.parametrize("seed", [1, 2])
def test_random_glob_patterns(pair, seed):
    for k in KEYS:
        r, kk = pair.command("SET", k, "1")
        assert r.raw == kk.raw == b"+OK\r\n"
    rnd = random.Random(seed)
    for i in range(1500):
        pattern = "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 7)))
        if AVOID_KNOWN_BUGS and known_bug(pattern):
            continue
        r, k = pair.command("KEYS", pattern)
        nr, nk = normalize(r, {"@sort"}), normalize(k, {"@sort"})
        if nr != nk:
            raise Divergence(f"seed {seed} #{i}: KEYS {pattern!r}\n  redis: {sorted(e.value for e in r.value)}"
                             f"\n  kora:  {sorted(e.value for e in k.value) if k.value else k.raw}")
