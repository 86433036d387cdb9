"""Static vars built as fly builds them (spec §4 item 1): precedence and YAML 1.1 reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from interp.errors import ConfigError
from interp.static_vars import build_static_vars


def test_y_beats_v_and_i_beats_both_whatever_the_order() -> None:
    # fly upserts all -v, then all -y, then all -i pairs: command-line order across kinds does not matter.
    assert build_static_vars(strings=["x=2"], yamls=["x=1"]) == {"x": 1}
    assert build_static_vars(strings=["x=2"], yamls=["x=1"], instance=["x=3"]) == {"x": 3}
    assert build_static_vars(strings=["x=a", "x=b"]) == {"x": "b"}  # within a kind, the later pair wins


def test_field_pairs_merge_into_one_map_across_kinds() -> None:
    built = build_static_vars(strings=["repo.branch=main"], yamls=["repo={uri: u, depth: 1}"], instance=["repo.depth=2"])
    # -y replaces the map -v started, then -i sets a field inside it
    assert built == {"repo": {"uri": "u", "depth": 2}}


def test_the_pairs_beat_every_file_and_a_later_file_wins(tmp_path: Path) -> None:
    one, two = tmp_path / "one.yml", tmp_path / "two.yml"
    one.write_text("a: one\nb: one\nrepo: {uri: u}\n")
    two.write_text("b: two\n")
    built = build_static_vars(strings=["repo.branch=main"], files=[one, two])
    # As in fly, a name the pairs set hides the files' value of that name (no deep merge).
    assert built == {"a": "one", "b": "two", "repo": {"branch": "main"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0644", 420), ("yes", True), ("on", True), ("n", False), ("0x1F", 31), ("1.0", 1), ("1e3", 1000),
     ("1:30", "1:30"), ("2024-01-02 10:00:00", "2024-01-02 10:00:00"), ("2024-01-02", "2024-01-02"), ("", None)],
)
def test_y_and_i_values_are_yaml_1_1_as_fly_reads_them(text: str, expected: object) -> None:
    for built in (build_static_vars(yamls=[f"m={text}"]), build_static_vars(instance=[f"m={text}"])):
        assert built["m"] == expected and type(built["m"]) is type(expected)


def test_vars_files_are_yaml_1_1_with_merge_keys(tmp_path: Path) -> None:
    path = tmp_path / "vars.yml"
    path.write_text("mode: 0644\nenabled: yes\nwhen: 2024-01-02 10:00:00\nbase: &b {k: 1}\nmerged: {<<: *b, j: 2}\n")
    assert build_static_vars(files=[path]) == {
        "mode": 420, "enabled": True, "when": "2024-01-02 10:00:00", "base": {"k": 1}, "merged": {"k": 1, "j": 2},
    }


def test_bad_values_are_config_errors_with_their_place(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"-y m at line 1, column 1: .*NaN"):
        build_static_vars(yamls=["m=.nan"])
    path = tmp_path / "vars.yml"
    path.write_text("a: 1\nb: !!int nope\n")
    with pytest.raises(ConfigError, match=r"-l .*vars.yml:2:4: cannot decode !!str as a !!int") as caught:
        build_static_vars(files=[path])
    assert "nope" not in str(caught.value)
    with pytest.raises(ConfigError, match=r"-i x: expected NAME=VALUE|-i 'x': expected NAME=VALUE"):
        build_static_vars(instance=["x"])
