"""Property: whatever string a var holds, the rendered YAML loads back to exactly that string."""

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from interp import render_text


def load(text: str):
    return YAML(typ="safe", pure=True).load(text)


POSITIONS = [
    ("key: ((v))\n", lambda d: d["key"]),
    ("- a\n- ((v))\n", lambda d: d[1]),
    ("m:\n  - k: ((v))\n    j: 1\n", lambda d: d["m"][0]["k"]),
    ("- - ((v))\n  - x\n", lambda d: d[0][0]),
    ("f: [a, ((v)), b]\n", lambda d: d["f"][1]),
    ("f: {x: ((v)), y: 2}\n", lambda d: d["f"]["x"]),
    ("b: |-\n  ((v))\nc: 1\n", lambda d: d["b"]),
    ('b: "((v))"\n', lambda d: d["b"]),
    ("b: '((v))' # c\n", lambda d: d["b"]),
    ("k: &a ((v))\nj: *a\n", lambda d: d["j"]),
    ("k: !!str ((v))\n", lambda d: d["k"]),
    ("k:\n  ((v))\n", lambda d: d["k"]),
    ("a: ((v))\r\nb: 1\r\n", lambda d: d["a"]),
]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_whole_value_string_round_trips_at_every_position(value):
    for template, get in POSITIONS:
        rendered = render_text(template, vars={"v": value})
        assert get(load(rendered)) == value, (template, rendered)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_embedded_string_round_trips(value):
    cases = [
        ("a: x((v))y\n", lambda d: d["a"], f"x{value}y"),
        ("a: |\n  pre ((v)) post\n  line2\n", lambda d: d["a"], f"pre {value} post\nline2\n"),
        ("a: >\n  pre ((v))\n  post\n", lambda d: d["a"], f"pre {value} post\n"),
        ("a: |\r\n  x ((v))\r\n  y\r\nb: 1\r\n", lambda d: d["a"], f"x {value}\ny\n"),
    ]
    for template, get, expected in cases:
        rendered = render_text(template, vars={"v": value})
        assert get(load(rendered)) == expected, (template, rendered)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1).filter(lambda v: v != "k"))
def test_keys_round_trip(value):
    for template in ("((v)): 1\n", "{((v)): 1}\n", "- ((v)): 1\n  k: 2\n"):
        loaded = load(render_text(template, vars={"v": value}))
        mapping = loaded[0] if isinstance(loaded, list) else loaded
        assert mapping[value] == 1
