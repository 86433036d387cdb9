"""YAML that does not parse where values are read (-l, -y, -i, import, the secrets file).

Parser wording quotes the text near the error: `password: *Hunter2` gives ruamel's
`found undefined alias 'Hunter2'`. Every reader of values reports the place and the kind
of problem only, and a hint that an unquoted `*`, `&` or `!` is YAML syntax. The values
here carry LEAKMARKER-<n> (tests/test_no_leaks.py's style) in the text the parser quotes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from interp.errors import ConfigError
from interp.sources.secrets_file import load_secrets_file
from interp.static_vars import build_static_vars
from tests.cli import interp

LEAK = "LEAKMARKER"
ALIAS = f"*{LEAK}-201"  # ruamel: found undefined alias 'LEAKMARKER-201'
TAG = f"!{LEAK}-202!x"  # ruamel: found undefined tag handle '!LEAKMARKER-202!'
BAD_VALUES = [pytest.param(ALIAS, "found undefined alias", id="alias"), pytest.param(TAG, "found undefined tag handle", id="tag")]
HINT = "quote a value that starts with *, &, !"


def assert_place_and_kind_only(message: str, place: str, kind: str) -> None:
    assert LEAK not in message
    assert place in message and kind in message and HINT in message, message


@pytest.mark.parametrize("value, kind", BAD_VALUES)
def test_a_vars_file_error_names_file_line_column_and_kind_never_the_value(tmp_path: Path, value: str, kind: str) -> None:
    path = tmp_path / "vars.yml"
    path.write_text(f"user: app\npassword: {value}\n")
    with pytest.raises(ConfigError) as raised:
        build_static_vars(files=[path])
    assert_place_and_kind_only(str(raised.value), f"-l {path}:2:11: invalid YAML", kind)


@pytest.mark.parametrize("flag, keyword", [("-y", "yamls"), ("-i", "instance")])
@pytest.mark.parametrize("value, kind", BAD_VALUES)
def test_a_yaml_var_error_names_flag_and_kind_never_the_value(flag: str, keyword: str, value: str, kind: str) -> None:
    with pytest.raises(ConfigError) as raised:
        build_static_vars(**{keyword: [f"password={value}"]})
    assert_place_and_kind_only(str(raised.value), f"{flag} password at line 1, column 1: invalid YAML", kind)


@pytest.mark.parametrize("value, kind", BAD_VALUES)
def test_a_secrets_file_error_names_file_line_column_and_kind_never_the_value(tmp_path: Path, value: str, kind: str) -> None:
    path = tmp_path / "secrets.yml"
    path.write_text(f"/concourse/t/x: {value}\n")
    with pytest.raises(ConfigError) as raised:
        load_secrets_file(path)
    assert_place_and_kind_only(str(raised.value), f"secrets file {path}:1:17: invalid YAML", kind)


@pytest.mark.parametrize("value, kind", BAD_VALUES)
def test_the_renderers_secrets_file_error_leaks_nothing(tmp_path: Path, value: str, kind: str) -> None:
    import interp

    path = tmp_path / "secrets.yml"
    path.write_text(f"/concourse/t/x: {value}\n")
    with pytest.raises(ConfigError) as raised:
        interp.Renderer(team="t", secrets_file=path).render_text("a: ((x))\n")
    assert_place_and_kind_only(str(raised.value), f"secrets file {path}:1:17: invalid YAML", kind)
    assert LEAK not in repr(raised.value)


def test_fixed_quotes_of_the_parser_stay_and_a_quoted_character_goes(tmp_path: Path) -> None:
    path = tmp_path / "vars.yml"
    path.write_text("a: [1, 2\n")  # expected ',' or ']': the parser's own words
    with pytest.raises(ConfigError, match=r"vars.yml:2:1: invalid YAML: expected ',' or '\]' \(quote"):
        build_static_vars(files=[path])
    path.write_text('a: "x\\qLEAKMARKER-203"\n')  # found unknown escape character 'q'
    with pytest.raises(ConfigError) as raised:
        build_static_vars(files=[path])
    assert "found unknown escape character (" in str(raised.value) and "'q'" not in str(raised.value)


# ------------------------------------------------------------------ the same through the command line


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "p.yml").write_text("a: ((password))\n")
    (tmp_path / "alias.yml").write_text(f"password: {ALIAS}\n")
    (tmp_path / "tag.yml").write_text(f"password: {TAG}\n")
    (tmp_path / "secrets.yml").write_text(f"/concourse/main/password: {ALIAS}\n")
    return tmp_path


@pytest.mark.parametrize(
    "arguments, code, place, kind",
    [
        (["render", "p.yml", "-l", "alias.yml"], 2, "-l alias.yml:1:11: invalid YAML", "found undefined alias"),
        (["render", "p.yml", "-l", "tag.yml"], 2, "-l tag.yml:1:11: invalid YAML", "found undefined tag handle"),
        (["render", "p.yml", "-y", f"password={ALIAS}"], 2, "-y password at line 1, column 1", "found undefined alias"),
        (["render", "p.yml", "-i", f"password={TAG}"], 2, "-i password at line 1, column 1", "found undefined tag handle"),
        (["get", "password", "-l", "alias.yml"], 2, "-l alias.yml:1:11: invalid YAML", "found undefined alias"),
        (["import", "alias.yml", "--team", "main"], 1, "alias.yml:1:11: invalid YAML", "found undefined alias"),
        (["import", "tag.yml", "--team", "main"], 1, "tag.yml:1:11: invalid YAML", "found undefined tag handle"),
        (
            ["render", "p.yml", "--team", "main", "--secrets-file", "secrets.yml"],
            2,
            "secrets file secrets.yml:1:27: invalid YAML",
            "found undefined alias",
        ),
    ],
    ids=["render-l-alias", "render-l-tag", "render-y", "render-i", "get-l", "import-alias", "import-tag", "secrets-file"],
)
def test_the_cli_names_the_place_and_kind_never_the_value(files: Path, arguments: list[str], code: int, place: str, kind: str) -> None:
    result = interp("--no-config", *arguments, cwd=files, env={"AWS_REGION": "us-east-1"})
    assert result.code == code, result.stderr
    assert_place_and_kind_only(result.stderr, place, kind)
    assert LEAK not in result.stdout and "Traceback" not in result.stderr
