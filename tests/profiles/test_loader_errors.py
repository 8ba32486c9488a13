"""Invalid profiles fail with a ProfileError that names the file, the key path and the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runsense.errors import ConfigError
from runsense.profiles import ProfileError, load_profile, load_profiles
from runsense.profiles.loader import load_profile_text

MINIMAL = """
schema_version = 1
short_name = "test-pod"
display_name = "Test pod"
vendor = "test"
model = "pod"
firmware = "1"

[advertising]
service_uuids = ["00001814-0000-1000-8000-00805f9b34fb"]

[[characteristics]]
name = "measurement"
uuid = "00002a53-0000-1000-8000-00805f9b34fb"
service = "00001814-0000-1000-8000-00805f9b34fb"
properties = ["notify"]
role = "data"

[[characteristics.fields]]
name = "flags"
length = 8

[[characteristics.fields]]
name = "speed_mps"
length = 16
scale = 0.00390625
present_if = "flags.0"

[[examples]]
note = "speed"
characteristic = "measurement"
payload = "01 00 01"
[examples.expect]
speed_mps = 1.0
"""


def _error(text: str, path: str = "test-pod@1.toml") -> ProfileError:
    with pytest.raises(ProfileError) as info:
        load_profile_text(text, path=path)
    return info.value


def test_minimal_profile_loads() -> None:
    assert load_profile_text(MINIMAL).short_name == "test-pod"


def test_profile_error_is_a_config_error_with_file_and_key() -> None:
    error = _error(MINIMAL.replace('short_name = "test-pod"\n', ""))
    assert isinstance(error, ConfigError)
    assert error.profile_path == "test-pod@1.toml"
    assert error.key_path == "short_name"
    assert str(error).startswith("test-pod@1.toml: short_name: is missing")
    assert error.fix


@pytest.mark.parametrize(
    ("old", "new", "key_path", "message"),
    [
        ('display_name = "Test pod"\n', "", "display_name", "is missing"),
        ("length = 16", 'length = "16"', "characteristics[0].fields[1].length", "not an integer"),
        ("length = 16", "length = 12", "characteristics[0].fields[1].length", "not a integer wire size"),
        ('role = "data"', 'role = "sink"', "characteristics[0].role", "is 'sink'"),
        (
            'properties = ["notify"]',
            'properties = ["notify"]\ncodec = "nope"',
            "characteristics[0].codec",
            "not a known codec",
        ),
        (
            'uuid = "00002a53-0000-1000-8000-00805f9b34fb"',
            'uuid = "00002A53-0000-1000-8000-00805F9B34FB"',
            "characteristics[0].uuid",
            "lowercase",
        ),
        (
            'uuid = "00002a53-0000-1000-8000-00805f9b34fb"',
            'uuid = "2a53"',
            "characteristics[0].uuid",
            "128-bit",
        ),
        (
            'present_if = "flags.0"',
            'present_if = "flagz.0"',
            "characteristics[0].fields[1].present_if",
            "flagz",
        ),
        (
            'present_if = "flags.0"',
            'present_if = "flags"',
            "characteristics[0].fields[1].present_if",
            "flags",
        ),
        ('payload = "01 00 01"', 'payload = "01 0g"', "examples[0].payload", "not hex"),
        (
            'characteristic = "measurement"',
            'characteristic = "other"',
            "examples[0].characteristic",
            "not defined",
        ),
        ("schema_version = 1", "schema_version = 2", "schema_version", "is 2"),
        ('short_name = "test-pod"', 'short_name = "Test Pod"', "short_name", "lowercase"),
        ("[examples.expect]\nspeed_mps = 1.0", "", "examples[0].expect", "both given or both missing"),
    ],
)
def test_invalid_profile_names_key_and_fix(old: str, new: str, key_path: str, message: str) -> None:
    assert old in MINIMAL
    error = _error(MINIMAL.replace(old, new, 1))
    assert error.key_path == key_path
    assert message in error.problem
    assert error.fix


def test_unknown_key_is_rejected_with_a_suggestion() -> None:
    error = _error(MINIMAL.replace("scale = 0.00390625", "scael = 0.00390625"))
    assert error.key_path == "characteristics[0].fields[1].scael"
    assert 'did you mean "scale"' in error.fix


def test_unknown_top_level_key_is_rejected() -> None:
    error = _error('notez = ["x"]\n' + MINIMAL)
    assert error.key_path == "notez"
    assert "notes" in error.fix


def test_reading_without_its_fields_is_rejected() -> None:
    error = _error(MINIMAL.replace('role = "data"', 'role = "data"\nreading = "running"'))
    assert error.key_path == "characteristics[0].reading"
    assert "cadence_per_min" in error.problem


def test_imu_needs_a_characteristic_with_samples() -> None:
    text = MINIMAL + '\n[imu]\ncharacteristic = "measurement"\n[imu.clock]\nsource = "sample_count"\n'
    error = _error(text)
    assert error.key_path == "imu.characteristic"


def test_min_samples_above_max_samples_is_rejected() -> None:
    block = '\n[characteristics.samples]\nchannels = ["ax_g"]\nlength = 16\nscale = 0.001\n'
    text = MINIMAL.replace("\n[[examples]]", block + "min_samples = 4\nmax_samples = 3\n\n[[examples]]", 1)
    error = _error(text)
    assert error.key_path.endswith("samples.min_samples")
    assert "max_samples" in error.problem


def test_command_on_a_read_only_characteristic_is_rejected() -> None:
    text = MINIMAL + '\n[[commands]]\nname = "go"\ncharacteristic = "measurement"\ntemplate = "01"\n'
    assert _error(text).key_path == "commands[0].characteristic"


def test_bad_command_template_is_rejected() -> None:
    text = MINIMAL + '\n[[commands]]\nname = "go"\ncharacteristic = "measurement"\ntemplate = "01 {x:u7}"\n'
    error = _error(text)
    assert error.key_path == "commands[0].template"
    assert "unknown type 'u7'" in error.problem


def test_invalid_toml_names_the_file() -> None:
    error = _error("short_name = ")
    assert error.profile_path == "test-pod@1.toml"
    assert "not valid TOML" in error.problem


def test_file_name_must_follow_vendor_model_at_firmware(tmp_path: Path) -> None:
    path = tmp_path / "Test Pod.toml"
    path.write_text(MINIMAL)
    with pytest.raises(ProfileError, match=re.escape("vendor-model@firmware.toml")):
        load_profile(path)


def test_two_files_with_one_short_name_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "test-pod@1.toml").write_text(MINIMAL)
    (tmp_path / "test-pod@2.toml").write_text(MINIMAL)
    with pytest.raises(ProfileError, match=re.escape("also used by test-pod@1.toml")) as info:
        load_profiles(tmp_path)
    assert info.value.key_path == "short_name"


def test_missing_file_is_a_profile_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot be read"):
        load_profile(tmp_path / "absent@1.toml")


def test_device_quirk_with_unknown_setting_is_rejected() -> None:
    text = MINIMAL + '\n[[devices]]\nname_patterns = ["X*"]\nsettings = { cadence = "steps" }\n'
    assert _error(text).key_path == "devices[0].settings.cadence"


def test_max_silence_is_optional_and_must_be_positive() -> None:
    assert load_profile_text(MINIMAL).max_silence_s is None
    assert load_profile_text("max_silence_s = 5\n" + MINIMAL).max_silence_s == 5.0
    error = _error("max_silence_s = 0\n" + MINIMAL)
    assert error.key_path == "max_silence_s"
    assert "positive" in error.fix
