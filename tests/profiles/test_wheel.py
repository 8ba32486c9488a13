"""A built wheel carries every firmware profile, and an installed runsense finds them without a checkout.

The wheel is built from a copy of the sources (so no ``build/`` lands in the checkout) with pip's
build isolation, as a user's ``pip install`` would build it; pip fetches the build backend from
PyPI the first time. The installed-wheel check runs a fresh interpreter with the unpacked wheel
first on ``sys.path`` and the working directory outside the checkout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.profiles.test_all_profiles import CONTRACT_NAMES

REPO = Path(__file__).resolve().parents[2]
PROFILES = REPO / "firmware_profiles"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip wheel --no-deps`` of a copy of the sources."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "runsense", src / "runsense", ignore=ignore)
    shutil.copytree(PROFILES, src / "firmware_profiles", ignore=ignore)
    out = root / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(src)],
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    assert result.returncode == 0, f"pip wheel failed:\n{result.stdout}\n{result.stderr}"
    (built,) = out.glob("runsense-*.whl")
    return built


def test_the_wheel_holds_every_profile_byte_for_byte(wheel: Path) -> None:
    files = sorted(PROFILES.glob("*.toml"))
    assert len(files) >= 9
    with zipfile.ZipFile(wheel) as archive:
        for path in [*files, PROFILES / "README.md"]:
            assert archive.read(f"runsense/firmware_profiles/{path.name}") == path.read_bytes(), path.name


def test_the_wheel_holds_every_module_and_the_dashboard_style(wheel: Path) -> None:
    """The package list in pyproject.toml is written out: a new subpackage must not be left behind."""
    wanted = {p.relative_to(REPO).as_posix() for p in (REPO / "runsense").rglob("*.py")}
    wanted.add("runsense/dashboard/runsense.tcss")
    with zipfile.ZipFile(wheel) as archive:
        missing = wanted - set(archive.namelist())
    assert not missing, f"not in the wheel (add the package to pyproject.toml): {sorted(missing)}"


def test_an_installed_wheel_loads_its_own_profiles(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    probe = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(site)!r})
        import runsense
        from runsense.profiles import default_profiles_dir, load_default_profiles
        print(json.dumps({{
            "package": runsense.__file__,
            "profiles_dir": str(default_profiles_dir()),
            "short_names": sorted(load_default_profiles()),
        }}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert Path(seen["package"]).is_relative_to(site)  # the wheel's runsense, not the checkout's
    assert Path(seen["profiles_dir"]) == site / "runsense" / "firmware_profiles"
    assert set(seen["short_names"]) >= CONTRACT_NAMES
