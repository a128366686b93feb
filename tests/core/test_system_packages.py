"""scripts/system-packages.sh: installs what is missing, or names it; silent when all is there.

The script runs against fake ``dpkg-query``/``apt-get``/``id``/``sudo`` on a private PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not os.path.exists("/bin/bash"), reason="needs bash")
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-packages.sh"


def _fake_bin(tmp_path: Path, *, installed: set[str], uid: int, with_sudo: bool) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("grep", "env"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    known = " ".join(sorted(installed))
    scripts = {
        "dpkg-query": f'case " {known} " in *" ${{@: -1}} "*) echo "install ok installed";; *) exit 1;; esac',
        "apt-get": f'echo "apt-get $*" >> {log}',
        "id": f"echo {uid}",
    }
    if with_sudo:
        scripts["sudo"] = f'echo "sudo $1" >> {log}; "$@"'
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)
    return bin_dir


def _run(tmp_path, profile, **fake) -> tuple[subprocess.CompletedProcess, str]:
    bin_dir = _fake_bin(tmp_path, **fake)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    result = subprocess.run(["/bin/bash", str(SCRIPT), profile], env=env, capture_output=True, text=True,
                            timeout=60)
    log = tmp_path / "calls.log"
    return result, log.read_text() if log.exists() else ""


def test_nothing_to_do_when_everything_is_installed(tmp_path):
    result, calls = _run(tmp_path, "test", installed={"fonts-wqy-microhei", "fonts-hanazono", "chromium"},
                         uid=0, with_sudo=False)
    assert result.returncode == 0 and calls == ""


def test_root_installs_what_is_missing_after_one_update(tmp_path):
    result, calls = _run(tmp_path, "run", installed={"fonts-wqy-microhei"}, uid=0, with_sudo=False)
    assert result.returncode == 0, result.stderr
    lines = calls.splitlines()
    assert lines[0].startswith("apt-get update")
    assert lines[1].startswith("apt-get install") and lines[1].endswith("fonts-hanazono")
    assert len(lines) == 2


def test_test_profile_also_needs_chromium(tmp_path):
    result, calls = _run(tmp_path, "test", installed={"fonts-wqy-microhei", "fonts-hanazono"}, uid=0,
                         with_sudo=False)
    if Path("/usr/bin/chromium").exists():
        assert calls == ""  # an installed /usr/bin/chromium counts, whatever package it came from
    else:
        assert "chromium" in calls


def test_non_root_uses_sudo(tmp_path):
    result, calls = _run(tmp_path, "run", installed=set(), uid=1000, with_sudo=True)
    assert result.returncode == 0, result.stderr
    assert "sudo env" in calls and "fonts-wqy-microhei fonts-hanazono" in calls


def test_without_root_or_sudo_it_names_the_packages_and_fails(tmp_path):
    result, calls = _run(tmp_path, "run", installed=set(), uid=1000, with_sudo=False)
    assert result.returncode == 1
    assert "fonts-wqy-microhei fonts-hanazono" in result.stderr and "apt-get install" in result.stderr
    assert calls == ""


def test_unknown_profile_is_refused(tmp_path):
    result, _calls = _run(tmp_path, "everything", installed=set(), uid=0, with_sudo=False)
    assert result.returncode == 2
