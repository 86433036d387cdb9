from __future__ import annotations

from interp.check.run import check_file, check_text, is_pipeline_file


def test_is_pipeline_file() -> None:
    assert is_pipeline_file("resources: []\n")
    assert is_pipeline_file("# c\njobs:\n- name: x\n")
    assert is_pipeline_file('{"jobs": []}')
    assert not is_pipeline_file("platform: linux\nrun: {path: x}\n")
    assert not is_pipeline_file("steps:\n  jobs: []\n")


def test_results_are_sorted_and_unique() -> None:
    # one shared (aliased) step used by two jobs reports its problem once
    text = ("shared: &step {get: missing}\njobs:\n- name: a\n  plan: [*step]\n- name: b\n  plan: [*step]\n")
    diags = check_text(text, "p.yml")
    assert diags == sorted(diags)
    assert [(d.rule, d.line) for d in diags] == [("unknown-resource", 1)]


def test_valid_pipeline_is_clean() -> None:
    text = ("resources:\n- name: repo\n  type: git\n  source: {uri: x}\n"
            "jobs:\n- name: build\n  plan:\n  - get: repo\n    trigger: true\n"
            "- name: test\n  plan:\n  - get: repo\n    passed: [build]\n")
    assert check_text(text, "ok.yml") == []


def test_vars_in_names_do_not_cause_false_errors() -> None:
    text = ("resources:\n- name: ((repo_name))\n  type: git\n"
            "jobs:\n- name: build\n  plan:\n  - get: ((repo_name))\n    timeout: ((t))\n")
    assert [d for d in check_text(text, "v.yml") if d.severity == "error"] == []


def test_check_file_reports_path(tmp_path) -> None:
    path = tmp_path / "p.yml"
    path.write_text("jobs: []\n")
    diags = check_file(path)
    assert [(d.file, d.rule) for d in diags] == [(str(path), "no-jobs")]


def test_secretsmanager_template_with_spaces_is_fine() -> None:
    text = ("var_sources:\n- name: aws\n  type: secretsmanager\n  config:\n    region: eu-west-1\n"
            "    pipeline_secret_template: '/c/{{ .Team }}/{{.Pipeline}}/{{.Secret}}'\n"
            "jobs:\n- name: j\n  plan: []\n")
    # The source is unused here (a warning of its own); the templates themselves are fine.
    assert [d for d in check_text(text, "s.yml") if d.rule != "unused-var-source"] == []
