"""Run every cases/*.txt scenario against redis-server and kora-cli; replies must be
byte-identical. Add coverage by adding a file (format: see harness.py).

Files named bug_*.txt reproduce known kora divergences; each is listed in BUGS with
its diagnosis and runs as a strict xfail, so fixing the server turns it into an
XPASS failure that asks for the marker to be removed.
"""

import glob
import os

import pytest

from harness import load_case_file, run_scenario

CASES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")

# name (without .txt) -> exact diagnosis, for cases/bug_*.txt files reproducing a known
# kora divergence, e.g.
#   "bug_foo": "FOO a: Redis '-ERR ...'; kora '+OK'",
# The regression_*.txt files are former bugs, fixed since; they run as normal cases.
BUGS = {
    # "case_file_name": "diagnosis" -- an open server bug runs as a strict xfail.
}

_files = sorted(glob.glob(os.path.join(CASES_DIR, "*.txt")))


def _param(path):
    name = os.path.splitext(os.path.basename(path))[0]
    marks = []
    if name.startswith("bug_"):
        assert name in BUGS, f"{name}.txt has no diagnosis in BUGS"
        marks.append(pytest.mark.xfail(strict=True, reason=BUGS[name]))
    return pytest.param(path, id=name, marks=marks)


def test_case_files_exist():
    assert len(_files) >= 10
    assert set(BUGS) <= {os.path.splitext(os.path.basename(p))[0] for p in _files}


@pytest.mark.parametrize("path", [_param(p) for p in _files])
def test_case_file(pair_resp, path):
    where = f"{os.path.relpath(path)} (RESP{pair_resp.resp})"
    run_scenario(pair_resp, load_case_file(path), where=where)
