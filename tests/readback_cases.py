"""Values and positions aimed at the edges of YAML, for the three-reader round-trip tests.

A position is a template holding `((v))` and the document a reader must get
back once `v` is substituted. Values are built from the characters and shapes
that YAML readers treat specially: indicators at the start, middle and end,
whitespace and line breaks at the edges, YAML 1.1 line breaks, controls, BOM,
astral characters, plain words that some reader takes for a non-string, very
long strings; and every non-string type a var can hold.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from goyaml_reader import Canonical, ReadError, canonical, read_pyyaml, read_ruamel

# What kind of value a position accepts.
ANY = "any"  # a whole-value reference: every type
SCALAR = "scalar"  # a key: no map or list
TEXT = "text"  # embedded in a longer string: strings and integers


@dataclass(frozen=True)
class Position:
    name: str
    template: str
    expect: Callable[[Any], Any]  # v -> the whole document a reader must read
    accepts: str = ANY

    def accepts_value(self, value: Any) -> bool:
        if self.accepts == ANY:
            return True
        if self.accepts == SCALAR:
            return not isinstance(value, dict | list)
        return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


POSITIONS: list[Position] = [
    Position("block value", "key: ((v))\n", lambda v: {"key": v}),
    Position("block value then comment", "key: ((v)) # note\nz: 1\n", lambda v: {"key": v, "z": 1}),
    Position("sequence item", "- a\n- ((v))\n", lambda v: ["a", v]),
    Position("nested", "m:\n  - k: ((v))\n    j: 1\n", lambda v: {"m": [{"k": v, "j": 1}]}),
    Position("sequence in sequence", "- - ((v))\n  - x\n", lambda v: [[v, "x"]]),
    Position("next line", "k:\n  ((v))\nz: 1\n", lambda v: {"k": v, "z": 1}),
    Position("flow sequence", "f: [a, ((v)), b]\n", lambda v: {"f": ["a", v, "b"]}),
    Position("flow mapping", "f: {x: ((v)), z: 2}\n", lambda v: {"f": {"x": v, "z": 2}}),
    Position("flow in flow", "f: [{x: ((v))}, [((v))]]\n", lambda v: {"f": [{"x": v}, [v]]}),
    Position("multi-line flow", "f: [\n  ((v)),\n  b\n]\n", lambda v: {"f": [v, "b"]}),
    Position("top-level flow mapping", "{a: ((v))}\n", lambda v: {"a": v}),
    Position("key", "((v)): 1\n", lambda v: {v: 1}, SCALAR),
    Position("key in nested mapping", "top:\n  ((v)): 1\n", lambda v: {"top": {v: 1}}, SCALAR),
    Position("key in sequence", "- ((v)): 1\n", lambda v: [{v: 1}], SCALAR),
    Position("flow key", "{((v)): 1}\n", lambda v: {v: 1}, SCALAR),
    Position("flow key in flow sequence", "f: [{((v)): 1}]\n", lambda v: {"f": [{v: 1}]}, SCALAR),
    Position("anchored key", "&k ((v)): 1\n", lambda v: {v: 1}, SCALAR),
    Position("explicit key", "? ((v))\n: 1\n", lambda v: {v: 1}, SCALAR),
    Position("embedded", "a: x((v))y\n", lambda v: {"a": f"x{_text(v)}y"}, TEXT),
    Position("embedded key", "x((v)): 1\n", lambda v: {f"x{_text(v)}": 1}, TEXT),
    Position("embedded double-quoted", 'a: "x ((v)) y"\n', lambda v: {"a": f"x {_text(v)} y"}, TEXT),
    Position("embedded single-quoted", "a: 'x ((v))'\n", lambda v: {"a": f"x {_text(v)}"}, TEXT),
    Position("embedded in flow", "a: [x((v))]\n", lambda v: {"a": [f"x{_text(v)}"]}, TEXT),
    Position("double-quoted", 'a: "((v))"\n', lambda v: {"a": v}),
    Position("single-quoted", "a: '((v))' # c\n", lambda v: {"a": v}),
    Position("in literal block", "a: |\n  pre ((v)) post\n  line2\n", lambda v: {"a": f"pre {_text(v)} post\nline2\n"}, TEXT),
    Position("in folded block", "a: >\n  pre ((v))\n  post\n", lambda v: {"a": f"pre {_text(v)} post\n"}, TEXT),
    Position("literal block", "b: |-\n  ((v))\nc: 1\n", lambda v: {"b": v, "c": 1}),
    Position("folded block", "- >-  # c\n    ((v))\n", lambda v: [v]),
    Position("end of file", "a: ((v))", lambda v: {"a": v}),
    Position("end of file, sequence", "- x\n- ((v))", lambda v: ["x", v]),
    Position("end of file, embedded", "a: |\n  x ((v))", lambda v: {"a": f"x {_text(v)}"}, TEXT),
    Position("CRLF file", "a: ((v))\r\nb: 1\r\n", lambda v: {"a": v, "b": 1}),
    Position("CRLF literal block", "a: |\r\n  x ((v))\r\n  y\r\nb: 1\r\n", lambda v: {"a": f"x {_text(v)}\ny\n", "b": 1}, TEXT),
    Position("anchored and aliased", "k: &a ((v))\nj: *a\n", lambda v: {"k": v, "j": v}),
    Position("tagged !!str", "k: !!str ((v))\n", lambda v: {"k": v}),
    Position("anchor, comment, value", "image: &img # pinned\n  ((v))\n", lambda v: {"image": v}),
    Position("document start", "--- ((v))\n", lambda v: v),
    Position("BOM file", "\ufeffa: ((v))\n", lambda v: {"a": v}),
    Position("deep block", "a:\n  b:\n  - c:\n      d: ((v))\n", lambda v: {"a": {"b": [{"c": {"d": v}}]}}),
    Position("indentless sequence", "a:\n- ((v))\n- x\n", lambda v: {"a": [v, "x"]}),
    Position("compact sequences", "- - - ((v))\n", lambda v: [[[v]]]),
    Position("top-level scalar", "((v))\n", lambda v: v),
    Position("after explicit key", "? k\n: ((v))\n", lambda v: {"k": v}),
    Position("tag, comment, value", "k: !!str # c\n  ((v))\n", lambda v: {"k": v}),
    Position("literal block with indicator", "b: |2-\n  ((v))\nc: 1\n", lambda v: {"b": v, "c": 1}),
    Position("flow then comment", "f: [((v))] # c\n", lambda v: {"f": [v]}),
    Position("multi-line flow mapping", "f: {a:\n  ((v))}\n", lambda v: {"f": {"a": v}}),
    Position("in keep block", "a: |+\n  pre ((v))\n\nb: 1\n", lambda v: {"a": f"pre {_text(v)}\n\n", "b": 1}, TEXT),
]

# ------------------------------------------------------------------ values

INDICATORS = "?:#-{}[],|>!&*%@'\"`"
BREAKS = ["\n", "\r", "\r\n", "\x85", "\u2028", "\u2029"]
ODD_CHARACTERS = ["\t", "\ufeff", "\x00", "\x01", "\x07", "\x1b", "\x7f", "\x9f", "\xa0", "é", "名", "😀", "\U0010fffd", "\ufffe", "\ufffd", "\u200b"]

# Plain words some reader (YAML 1.1, 1.2, go-yaml) takes for something other than a string.
WORDS = [
    "a", "word", "two words", "yes", "Yes", "no", "y", "Y", "n", "N", "on", "OFF", "true", "False", "null",
    "Null", "~", "=", "<<", "-", "--", "---", "...", "0", "-0", "+1", "007", "08", "1_000", "_1", "1__0",
    "0x1F", "0X1F", "0o17", "0O17", "0b101", "0B101", "-0b11", "0x_1f", "1e3", "1E3", "1e+3", "1.5e-3",
    "1.", ".5", "+.5", "-.5", "._5", "1_0.5", ".e3", "1.0e+300", ".inf", "-.Inf", "+.inf", ".NaN", "nan",
    "inf", "Infinity", "NaN", "12:30", "1:20:30", "-1:20", "190:20:30.15", "2024-01-02", "2024-1-2",
    "2024-01-02 10:00:00", "2024-01-02T10:00:00Z", "2001-12-14t21:59:43.10-05:00", "9999999999999999999",
    "18446744073709551616", "-9223372036854775809", "0.1.2", "1-2", "a:b", "a:", ":a", "http://x/y?a=b#c",
    "x # y", "x#y", "- x", "? x", ": x", "!x", "&x", "*x", "%x", "@x", "`x", "|", ">", "|-", "'x'", '"x"',
    "x'y", 'x"y', "a,b", "[a]", "{a: b}", "a: b", "a ? b", "${x}", "((y))", "\\", "\\n",
]  # fmt: skip

SHAPES = [
    "", " ", "  ", " a", "a ", " a ", "a  b", "\n", "\n\n", "a\n", "a\n\n", "a\n\n\n", "\na", "\n\na", "\n a",
    " \na", "  \n a", "a\n \n", "a\n  ", " \n", "a\nb", "a\n b", " a\nb", "a\n\nb", "a\n  b\nc", "\t", "\ta",
    "a\t", "a\n\tb", "\t\na", "a\t\n", " \t", "a\r\nb", "a\rb", "a\r\n", "\r\n", "a\n b\n", "  a\n  b",
    "line\n", "line", "a\x85b", "a\u2028b", "a\u2029", "\u2028", "\ufeffa", "a\ufeff", "-\n", "# x\n", "x\n# y",
    "--- x", "x\n---\ny", "x\n...\ny", "- a\n- b", "a: b\nc: d",
]  # fmt: skip

LONG = [
    "x" * 1030,
    "y " * 600,
    "z" * 2000 + ":",
    ("long line " * 120 + "\n") * 2,
    " " + "w" * 1100,
    "k" * 1010 + "?",
]


def edge_strings() -> Iterator[str]:
    """Every indicator, break and odd character at the first, middle and last place, and more."""
    yield from WORDS
    yield from SHAPES
    yield from LONG
    for char in [*INDICATORS, *BREAKS, *ODD_CHARACTERS]:
        yield from (char, char + "a", "a" + char, "a" + char + "b", char + " a", "a " + char, "a" + char + " b", char * 2)
        yield from (" " + char, char + "\n", "\n" + char, char + "x\ny")


NUMBERS: list[Any] = [
    0, 1, -1, 7, 420, 2**31, 2**63 - 1, -(2**63), 2**64 - 1,  # past 64 bits is an error: see test_emit_readback
    0.0, -0.0, 1.0, -1.5, 0.1, 1e300, -1e300, 1e-300, 5e-324, 1e16, 1.7976931348623157e308, 123456789.125,
    float("nan"), float("inf"), float("-inf"),
    True, False, None,
]  # fmt: skip

COLLECTIONS: list[Any] = [
    {}, [], {"a": 1}, [1, "x"], {"a": {"b": [1, {"c": None}]}}, [[[]]], [{}],
    {"a?": "b?", "": "", "1": 1, "y": "n", "#": "{", "k:": "v: w", " ": "\n"},
    {1: "int key", "1": "str key", "true": True, "null": None},
    ["a,b", "[x]", "{y}", " lead", "trail ", "-", "?", "x?", "\t", "\r", "a\u2028b", "😀"],
    {"nested": {"list": [0.5, -0.0, float("inf"), "0o17", "on", 2**63 - 1]}},
    {"k" * 1100: "long key"},
    {"m": "multi\nline\n", "t": "tab\there"},
]  # fmt: skip


def random_strings(count: int, seed: int) -> Iterator[str]:
    """Strings made of the atoms above, glued at random: where two edges meet."""
    atoms = [*INDICATORS, *BREAKS, *ODD_CHARACTERS, " ", " ", "\n", "\n", "a", "b", "1", "0", ".", "e", "y", "x "]
    atoms += [w for w in WORDS if len(w) < 6]
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(atoms) for _ in range(rng.randint(1, 6)))


def all_values(random_count: int, seed: int) -> list[Any]:
    seen: set[Canonical] = set()
    values: list[Any] = []
    for value in [*edge_strings(), *random_strings(random_count, seed), *NUMBERS, *COLLECTIONS]:
        key = canonical(value)
        if key not in seen:
            seen.add(key)
            values.append(value)
    return values


# ------------------------------------------------------------------ checking


@dataclass
class Disagreement:
    position: str
    value: Any
    rendered: str
    reader: str
    got: Canonical | ReadError

    def __str__(self) -> str:
        return f"[{self.position}] v={self.value!r} -> {self.rendered!r}: {self.reader} read {self.got}"


def check_documents(
    cases: list[tuple[Position, Any, str]], goyaml: Any, readers: tuple[str, ...] = ("go-yaml", "PyYAML", "ruamel")
) -> list[Disagreement]:
    """Every (position, value, rendered text) read by every reader; what differs from expected."""
    go_answers = goyaml.read_many([rendered for _, _, rendered in cases]) if "go-yaml" in readers else None
    found = []
    for index, (position, value, rendered) in enumerate(cases):
        expected = canonical(position.expect(value))
        answers: list[tuple[str, Canonical | ReadError]] = []
        if go_answers is not None:
            answers.append(("go-yaml", go_answers[index]))
        if "PyYAML" in readers:
            answers.append(("PyYAML", read_pyyaml(rendered)))
        if "ruamel" in readers:
            answers.append(("ruamel", read_ruamel(rendered)))
        for reader, got in answers:
            if got != expected:
                found.append(Disagreement(position.name, value, rendered, reader, got))
    return found


def cases_for(values: list[Any], positions: list[Position], render: Callable[[str, Any], str]) -> tuple[list[tuple[Position, Any, str]], list[str]]:
    """Rendered cases for every accepted value x position, and the render errors (which are failures)."""
    cases, errors = [], []
    for position in positions:
        for value in values:
            if not position.accepts_value(value):
                continue
            try:
                cases.append((position, value, render(position.template, value)))
            except Exception as error:  # noqa: BLE001 - reported as a failure with its case
                errors.append(f"[{position.name}] v={value!r}: render failed: {type(error).__name__}: {error}")
    return cases, errors
