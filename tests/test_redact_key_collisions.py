"""Under --redact, whether a key made from a secret collides with another key is not told
(issue 21 item 9c).

`((secret)): 1` beside `guess: 2` fails with "key becomes equal ... after interpolation"
exactly when the secret is `guess`: an error's presence answered a guess about a secret in a
render meant for review logs. Under --redact, output and exit are the same whatever the
secret is; without --redact the collision is still an error (the values are shown anyway).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import interp
from interp.sources.secrets_file import SecretsFileSource
from interp.sources.secretsmanager import SecretValue
from tests.cli import interp as run_interp

GUESS = "LEAKMARKER-301"
OTHER = "LEAKMARKER-302"
TEMPLATES = {
    "secret-vs-literal": f"((a)): 1\n{GUESS}: 2\n",
    "literal-vs-secret": f"{GUESS}: 1\n((a)): 2\n",
    "secret-vs-secret": "((a)): 1\n((b)): 2\n",
    "in-a-longer-key": f"x-((a)): 1\nx-{GUESS}: 2\n",
    "alias-of-a-secret": f"v: &k ((a))\nm: {{*k : 1, {GUESS}: 2}}\n",
}


def render(template: str, secret: str, *, redact: bool) -> tuple[str, str]:
    """('ok', output) or ('error', message) for a render where a = secret and b = GUESS."""
    stored = {"/concourse/t/a": SecretValue(string=secret), "/concourse/t/b": SecretValue(string=GUESS)}
    try:
        return "ok", interp.render_text(template, credentials=SecretsFileSource(stored, team="t"), redact=redact)
    except interp.InterpError as error:
        return "error", str(error)


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_under_redact_the_result_does_not_depend_on_whether_the_secret_is_the_guess(template: str) -> None:
    right, wrong = render(template, GUESS, redact=True), render(template, OTHER, redact=True)
    assert right == wrong
    assert right[0] == "ok" and OTHER not in right[1]


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_without_redact_a_collision_is_still_an_error(template: str) -> None:
    outcome, message = render(template, GUESS, redact=False)
    assert outcome == "error" and "after interpolation" in message
    assert render(template, OTHER, redact=False)[0] == "ok"


def test_static_keys_that_collide_are_still_reported_under_redact() -> None:
    # No secret in either key: telling it tells nothing about a secret.
    with pytest.raises(interp.InterpError, match="key becomes equal to the key at line 1, column 1 after interpolation"):
        interp.render_text("((s)): 1\nsame: 2\n", vars={"s": "same"}, redact=True)


@pytest.mark.parametrize("secret", [GUESS, OTHER])
def test_the_cli_under_redact_answers_alike(tmp_path: Path, secret: str) -> None:
    (tmp_path / "secrets.yml").write_text(f"/concourse/t/a: {secret}\n")
    (tmp_path / "p.yml").write_text(f"((a)): 1\n{GUESS}: 2\n")
    result = run_interp("--no-config", "render", "p.yml", "--team", "t", "--secrets-file", "secrets.yml", "--redact", cwd=tmp_path)
    assert (result.code, result.stdout, result.stderr) == (0, f"((redacted.)): 1\n{GUESS}: 2\n", "")
