"""`interp render` as a subprocess: output, errors, exit codes, atomic writes."""

import stat

from ruamel.yaml import YAML

from tests.cli import REPO, interp

EXAMPLE = REPO / "fixtures" / "example"


def load(text: str):
    return YAML(typ="safe", pure=True).load(text)


def test_renders_to_stdout_with_static_vars(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("# keep me\na: ((x))\nb: ((n))\nc: ((m.k))\n")
    result = interp("render", str(template), "-v", "x=hello", "-y", "n=[1, 2]", "-y", "m={k: 3}")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == "# keep me\na: hello\nb: [1, 2]\nc: 3\n"


def test_reads_standard_input():
    result = interp("render", "-", "-v", "x=1", stdin=b"a: ((x))\n")
    assert (result.code, result.stdout) == (0, "a: '1'\n")


def test_vars_files_later_wins_and_flags_beat_files(tmp_path):
    (tmp_path / "one.yml").write_text("a: one\nb: one\nc: one\n")
    (tmp_path / "two.yml").write_text("b: two\nc: two\n")
    template = tmp_path / "p.yml"
    template.write_text("a: ((a))\nb: ((b))\nc: ((c))\n")
    result = interp("render", str(template), "-l", str(tmp_path / "one.yml"), "-l", str(tmp_path / "two.yml"), "-v", "c=flag")
    assert load(result.stdout) == {"a": "one", "b": "two", "c": "flag"}


def test_field_names_in_var_flags_as_fly_allows(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text('key: (("github.com".private_key))\nbranch: ((repo.branch))\n')
    result = interp("render", str(template), "-v", '"github.com".private_key=secret-key', "-v", "repo.branch=main")
    assert load(result.stdout) == {"key": "secret-key", "branch": "main"}


def test_undefined_vars_are_listed_with_places_and_exit_1(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((one))\nb: x-((two))\n")
    result = interp("render", str(template))
    assert result.code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[:2] == [f"{template}:1:4: undefined var: one", f"{template}:2:6: undefined var: two"]
    # the hint, once, in the command line's words (not the library's team=)
    assert lines[2:] == [
        "interp: only static vars were consulted: add --team TEAM (and --pipeline NAME) to look the 2 undefined vars up in AWS Secrets Manager"
    ]


def test_skip_missing_leaves_references(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((one))\n")
    assert interp("render", str(template), "--skip-missing").stdout == "a: ((one))\n"


def test_output_file_is_written_atomically_with_mode_0600(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((x))\n")
    out = tmp_path / "out.yml"
    result = interp("render", str(template), "-v", "x=1", "-o", str(out))
    assert (result.code, result.stdout) == (0, "")
    assert out.read_text() == "a: '1'\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.yml", "p.yml"]


def test_nothing_is_written_when_anything_fails(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((x))\nb: ((missing))\n")
    out = tmp_path / "out.yml"
    out.write_text("previous\n")
    result = interp("render", str(template), "-v", "x=1", "-o", str(out))
    assert result.code == 1
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.yml", "p.yml"]


def test_output_onto_the_input_file_works(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((x))\n")
    assert interp("render", str(template), "-v", "x=X", "-o", str(template)).code == 0
    assert template.read_text() == "a: X\n"


def test_out_dir_writes_every_file_or_none(tmp_path):
    (tmp_path / "a.yml").write_text("a: ((x))\n")
    (tmp_path / "b.yml").write_text("b: ((x))\n")
    (tmp_path / "bad.yml").write_text("c: ((nope))\n")
    out = tmp_path / "out"
    out.mkdir()
    failed = interp("render", str(tmp_path / "a.yml"), str(tmp_path / "bad.yml"), "-v", "x=1", "--out-dir", str(out))
    assert failed.code == 1 and list(out.iterdir()) == []
    ok = interp("render", str(tmp_path / "a.yml"), str(tmp_path / "b.yml"), "-v", "x=1", "--out-dir", str(out))
    assert ok.code == 0
    assert {p.name: p.read_text() for p in out.iterdir()} == {"a.yml": "a: '1'\n", "b.yml": "b: '1'\n"}


def test_bad_yaml_is_reported_with_position_and_no_traceback(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: [1, 2\nb: 3\n")
    result = interp("render", str(template))
    assert result.code == 1
    assert result.stderr.startswith(f"{template}:")
    assert "invalid YAML" in result.stderr and "Traceback" not in result.stderr


def test_invalid_reference_name_is_an_error(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((x..y))\n")
    result = interp("render", str(template), "--skip-missing")
    assert (result.code, result.stderr) == (1, f"{template}:1:4: invalid var 'x..y': empty field\n")


def test_non_utf8_input_is_reported(tmp_path):
    template = tmp_path / "p.yml"
    template.write_bytes(b"a: 1\nb: \xff\n")
    result = interp("render", str(template))
    assert result.code == 1
    assert result.stderr.startswith(f"{template}:2:4: not valid UTF-8")


def test_missing_file_is_reported(tmp_path):
    result = interp("render", str(tmp_path / "nope.yml"))
    assert result.code == 1
    assert "cannot read file" in result.stderr and "Traceback" not in result.stderr


def test_usage_errors_exit_2(tmp_path):
    assert interp("render").code == 2
    result = interp("render", "x.yml", "-v", "novalue")
    assert result.code == 2 and "expected NAME=VALUE" in result.stderr
    result = interp("render", "a.yml", "b.yml")
    assert result.code == 2 and "--out-dir" in result.stderr


def test_crlf_and_no_final_newline_survive(tmp_path):
    template = tmp_path / "p.yml"
    template.write_bytes(b"a: ((x))\r\nb: |\r\n  run ((x))\r\n  done\r\nc: 1")
    result = interp("render", str(template), "-v", "x=X")
    assert result.stdout.encode() == b"a: X\r\nb: |\r\n  run X\r\n  done\r\nc: 1"


def test_help_explains_every_subcommand():
    result = interp("--help")
    assert result.code == 0 and "render" in result.stdout
    render_help = interp("render", "--help").stdout
    for flag in ("--skip-missing", "-o", "--out-dir", "--team", "--pipeline", "--secrets-file", "-l", "-y", "-v"):
        assert flag in render_help


def test_python_dash_m_and_version():
    assert interp("--version").stdout.startswith("interp ")


def test_render_without_a_team_never_imports_boto3(tmp_path):
    import subprocess
    import sys

    from tests.cli import clean_environment

    template = tmp_path / "p.yml"
    template.write_text("a: ((x))\nplain: value\n")
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "interp", "render", str(template), "-v", "x=1"],
        capture_output=True, text=True, env=clean_environment(),
    )  # fmt: skip
    assert completed.returncode == 0 and completed.stdout == "a: '1'\nplain: value\n"
    modules = {line.split("|")[-1].strip() for line in completed.stderr.splitlines() if "|" in line}
    imported = {module.split(".")[0] for module in modules}
    assert "interp.reference" in modules  # the reference was parsed (without Lark: it is ASCII)
    assert "boto3" not in imported and "botocore" not in imported
    assert "dataclasses" not in modules  # with inspect, ~10 ms of start-up (issue 13)


def test_reference_free_render_loads_no_render_machinery(tmp_path):
    # Start-up (issue 13): a file with nothing to substitute comes back as read, with a BOM
    # and CRLF kept, without the engine, the emitter, the var grammar or dataclasses.
    import subprocess
    import sys

    from tests.cli import clean_environment

    template = tmp_path / "p.yml"
    template.write_bytes(b"\xef\xbb\xbfjobs: # no refs\r\n- name: j\r\n  plan: []\r\n")
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "interp", "render", str(template)],
        capture_output=True, env=clean_environment(),
    )  # fmt: skip
    assert completed.returncode == 0 and completed.stdout == template.read_bytes()
    modules = {line.split("|")[-1].strip() for line in completed.stderr.decode().splitlines() if "|" in line}
    assert "interp.scan" in modules  # it was looked at (duplicate keys are still reported)
    loaded = modules & {"interp.engine", "interp.emit", "interp.splice", "interp.reference", "dataclasses"}
    assert not loaded


def test_reference_free_render_still_reports_duplicate_keys():
    completed = interp("render", "-", stdin=b"a: 1\nb: 2\na: 3\n")
    assert completed.code == 1 and completed.stdout == ""
    assert "<stdin>:3:1: duplicate key 'a'" in completed.stderr


def test_static_var_precedence_is_flys_not_command_line_order():
    # fly upserts -v pairs, then -y pairs, then -i pairs (spec §4): -y x=1 -v x=2 gives 1, as fly does.
    assert interp("render", "-", "-y", "x=1", "-v", "x=2", stdin=b"a: ((x))\n").stdout == "a: 1\n"
    result = interp("render", "-", "-i", "x=3", "-y", "x=1", "-v", "x=2", stdin=b"a: ((x))\n")
    assert (result.code, result.stdout) == (0, "a: 3\n")


def test_yaml_vars_and_files_are_read_as_yaml_1_1(tmp_path):
    (tmp_path / "v.yml").write_text("flag: yes\nwhen: 2024-01-02 10:00:00\n")
    result = interp(
        "render", "-", "-y", "mode=0644", "-l", str(tmp_path / "v.yml"),
        stdin=b"m: ((mode))\nf: ((flag))\nw: ((when))\n",
    )  # fmt: skip
    assert (result.code, result.stdout) == (0, "m: 420\nf: true\nw: '2024-01-02 10:00:00'\n")
