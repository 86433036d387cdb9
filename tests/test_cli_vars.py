"""`interp vars` as a subprocess: every reference, grouped, with places and kinds; offline."""

import json
import subprocess
import sys

from tests.cli import REPO, clean_environment, interp

EXAMPLE = REPO / "fixtures" / "example"

PIPELINE = """\
var_sources:
- name: vault
  type: vault
  config: {url: https://vault.example.com}
resources:
- name: repo
  source:
    uri: ((git.uri))
    key: "((git.private_key))"
    both: ((b))-((b))
    local: ((.:version))
    from-vault: ((vault:deploy.token))
    nowhere: ((ssm:thing))
    slashed: ((shared/thing))
"""


def test_text_groups_by_reference_sorted_with_every_place(tmp_path):
    first = tmp_path / "a.yml"
    first.write_text(PIPELINE)
    second = tmp_path / "b.yml"
    second.write_text("x: ((b))\ny: ((git.uri))\n")
    result = interp("vars", str(first), str(second))
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == (
        '"shared/thing"  [default; path shared/thing]\n'
        f"  {first}:14:14\n"
        ".:version  [local; path version]\n"
        f"  {first}:11:12\n"
        "b  [default; path b]\n"
        f"  {first}:10:11\n"
        f"  {first}:10:17\n"
        f"  {second}:1:4\n"
        "git.private_key  [default; path git; fields private_key]\n"
        f"  {first}:9:11\n"
        "git.uri  [default; path git; fields uri]\n"
        f"  {first}:8:10\n"
        f"  {second}:2:4\n"
        "ssm:thing  [undeclared_source ssm; path thing]\n"
        f"  {first}:13:14\n"
        "vault:deploy.token  [var_source vault (vault); path deploy; fields token]\n"
        f"  {first}:12:17\n"
    )


def test_json_is_a_stable_list_of_objects(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text(PIPELINE)
    result = interp("vars", "--json", str(template))
    assert (result.code, result.stderr) == (0, "")
    entries = json.loads(result.stdout)
    assert [e["name"] for e in entries] == sorted(e["name"] for e in entries)
    by_name = {e["name"]: e for e in entries}
    assert by_name["git.private_key"] == {
        "name": "git.private_key",
        "source": None,
        "path": "git",
        "fields": ["private_key"],
        "kind": "default",
        "locations": [{"file": str(template), "line": 9, "column": 11}],
    }
    assert by_name["vault:deploy.token"]["kind"] == "var_source"
    assert by_name["vault:deploy.token"]["source"] == "vault"
    assert by_name["vault:deploy.token"]["source_type"] == "vault"
    assert by_name["ssm:thing"]["kind"] == "undeclared_source"
    assert by_name[".:version"]["kind"] == "local"
    assert by_name[".:version"]["source"] == "."
    assert by_name['"shared/thing"']["path"] == "shared/thing"
    assert [(loc["line"], loc["column"]) for loc in by_name["b"]["locations"]] == [(10, 11), (10, 17)]
    # Stable: the same input gives the same bytes.
    assert interp("vars", "--json", str(template)).stdout == result.stdout


def test_the_shipped_example_lists_its_references_and_no_values():
    result = interp("vars", "--json", str(EXAMPLE / "pipeline.yml"))
    assert result.code == 0
    names = [e["name"] for e in json.loads(result.stdout)]
    assert names == [
        "branch", "git.private_key", "git.uri", "go-version", "registry",
        "registry-creds.password", "registry-creds.username", "settings.auto-trigger", "slack-webhook",
    ]  # fmt: skip
    go_version = next(e for e in json.loads(result.stdout) if e["name"] == "go-version")
    assert len(go_version["locations"]) == 2  # in a flow mapping and inside a block scalar
    assert "example-password" not in result.stdout


def test_invalid_name_is_an_error_with_its_place(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((ok))\nb: ((bad..name))\n")
    result = interp("vars", str(template))
    assert result.code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"{template}:2:4: invalid var 'bad..name'")


def test_unreadable_and_invalid_yaml_are_errors(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("a: [unclosed\n")
    result = interp("vars", str(broken), str(tmp_path / "absent.yml"))
    assert result.code == 1
    assert f"{broken}:" in result.stderr and "invalid YAML" in result.stderr
    assert f"{tmp_path / 'absent.yml'}: cannot read file" in result.stderr


def test_standard_input_and_no_references():
    result = interp("vars", "--json", "-", stdin=b"a: ((x.y))\n")
    assert json.loads(result.stdout)[0]["locations"] == [{"file": "<stdin>", "line": 1, "column": 4}]
    empty = interp("vars", "--json", "-", stdin=b"a: plain\n")
    assert (empty.code, json.loads(empty.stdout)) == (0, [])


def test_never_imports_the_aws_sdk(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text(PIPELINE)
    program = (
        "import io, sys, contextlib\n"
        "from interp.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = main(['vars', '--json', {str(template)!r}])\n"
        "assert code == 0, code\n"
        "assert 'git.uri' in out.getvalue()\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))\n"
        "print(','.join(loaded) or 'none')\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=clean_environment(), timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "none"


def test_every_option_has_help():
    from interp.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    vars_parser = subparsers.choices["vars"]
    for action in vars_parser._actions:
        assert action.help, action.dest
    assert vars_parser.description and "undeclared_source" in vars_parser.description
