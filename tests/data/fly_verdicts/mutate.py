"""Deterministic mutations of the corpus pipelines, for replaying fly's recorded verdicts.

A mutation is named by (corpus path relative to the corpus root, sha256 of the
original file, kind, index). ``mutate(text, path, kind, index)`` rebuilds it
exactly: the only randomness is a ``random.Random`` seeded with an integer taken
from sha256(path, sha, kind, index), and only ``Random.random()`` is drawn (its
Mersenne Twister stream is the same on every CPython 3). No ``hash()``, no set
iteration, no YAML library: the edits are plain line edits on the text, guided
by a light indentation scan, so the output does not depend on a parser version.

Usage:
    python mutate.py CORPUS_ROOT                 # JSON lines: every input's spec (no text)
    python mutate.py CORPUS_ROOT --with-text     # ... with the text, for feeding a checker
    python mutate.py CORPUS_ROOT --one ID        # the text of one input, by id
"""

import hashlib
import json
import os
import random
import re
import sys

PER_KIND = 3  # indices 0..PER_KIND-1 are tried for every (file, kind)

KINDS = [
    "typo_passed",          # a job name in passed:
    "typo_get",             # the resource name of a get step
    "typo_put",             # the resource name of a put step
    "typo_group_job",       # a job name in groups[].jobs
    "typo_group_resource",  # a resource name in groups[].resources
    "typo_job_def",         # the name: of a job definition (its references keep the old name)
    "typo_resource_def",    # the name: of a resource definition
    "rename_identifier",    # a job or resource renamed everywhere to an odd identifier
    "delete_line",          # one structural line deleted
    "duplicate_line",       # one structural line written twice
    "wrong_type",           # a scalar value replaced by a value of another type
    "unknown_key_step",     # a misspelled key inserted into a step
    "unknown_key_job",      # a misspelled key inserted into a job
    "unknown_key_resource", # a misspelled key in a resource, or a source: key dedented onto the resource
    "unknown_key_top",      # an unknown top-level key
    "hook_step",            # on_success/on_failure/ensure/on_error/on_abort added to a step
    "hook_job",             # the same hooks added to a job
    "across",               # across: added to a step
    "in_parallel",          # an in_parallel step inserted, or do: turned into in_parallel:
    "aggregate",            # in_parallel: renamed to aggregate:, or an aggregate step inserted
    "load_var",             # a load_var step inserted
    "set_pipeline",         # a set_pipeline step inserted
    "var_sources",          # a var_sources entry added
    "merge_keys",           # << merge keys: duplicated, listed, or added
]

STEP_KEYS = ("get", "put", "task", "set_pipeline", "load_var", "in_parallel",
             "aggregate", "do", "try", "run")
HOOKS = ("on_success", "on_failure", "ensure", "on_error", "on_abort")


# ---------------------------------------------------------------- determinism

def sha256_text(text):
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def mutation_id(path, kind, index):
    return "%s#%s#%d" % (path, kind, index)


def seed_for(path, sha, kind, index):
    digest = hashlib.sha256(("%s\n%s\n%s\n%d" % (path, sha, kind, index)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


class Rng:
    """Only Random.random() is used, whose output is fixed for a given int seed."""

    def __init__(self, seed):
        self._r = random.Random(seed)

    def below(self, n):
        return min(int(self._r.random() * n), n - 1)

    def pick(self, seq):
        seq = list(seq)
        return seq[self.below(len(seq))] if seq else None

    def chance(self, p):
        return self._r.random() < p


# ---------------------------------------------------------------- line scan

KEY_RE = re.compile(r"^((?:- +)*)(<<|[A-Za-z_][A-Za-z0-9_\-.]*|\"[^\"]*\"|'[^']*')[ \t]*:(?:[ \t]+|$)(.*)$")
BLOCK_SCALAR_RE = re.compile(r"^[|>][-+0-9]*[ \t]*(#.*)?$")
PLAIN_NAME_RE = re.compile(r"^([\"']?)([A-Za-z0-9_][A-Za-z0-9_\-.]*)\1[ \t]*(#.*)?$")


class Line:
    __slots__ = ("text", "indent", "blank", "in_scalar", "item", "key", "key_col", "value", "value_col")


def scan(text):
    lines = []
    scalar_parent = None  # key column of the header of the block scalar being read
    for raw in text.split("\n"):
        ln = Line()
        ln.text = raw
        stripped = raw.lstrip(" ")
        ln.indent = len(raw) - len(stripped)
        ln.blank = stripped == "" or stripped.startswith("#")
        ln.in_scalar = False
        ln.item = False
        ln.key = None
        ln.key_col = None
        ln.value = None
        ln.value_col = None
        if scalar_parent is not None:
            if stripped == "" or ln.indent > scalar_parent:
                ln.in_scalar = True
                ln.blank = True
                lines.append(ln)
                continue
            scalar_parent = None
        if ln.blank:
            lines.append(ln)
            continue
        ln.item = stripped.startswith("- ") or stripped == "-"
        m = KEY_RE.match(stripped)
        if m:
            ln.key = m.group(2).strip("\"'")
            ln.key_col = ln.indent + len(m.group(1))
            ln.value = m.group(3)
            ln.value_col = len(raw) - len(m.group(3))
            if BLOCK_SCALAR_RE.match(m.group(3).strip()):
                scalar_parent = ln.key_col
        elif ln.item:
            rest = stripped.lstrip("- ")
            if BLOCK_SCALAR_RE.match(rest.strip()):
                scalar_parent = ln.indent
        lines.append(ln)
    return lines


def sections(lines):
    """Top-level key -> (first line, end line exclusive)."""
    tops = [i for i, ln in enumerate(lines) if ln.key is not None and ln.key_col == 0 and not ln.item]
    out = {}
    for n, i in enumerate(tops):
        end = tops[n + 1] if n + 1 < len(tops) else len(lines)
        out.setdefault(lines[i].key, (i, end))
    return out


def subtree_end(lines, i, k):
    """First line after i that is outside the value of the key at column k on line i."""
    j = i + 1
    while j < len(lines):
        ln = lines[j]
        if not ln.blank and (ln.indent < k or (ln.indent == k and not ln.item)):
            break
        j += 1
    # leave trailing blank/comment lines after the insertion point
    while j - 1 > i and lines[j - 1].blank and not lines[j - 1].in_scalar:
        j -= 1
    return j


def mapping_of(lines, i):
    """(start, end, key column) of the block mapping holding the key on line i."""
    k = lines[i].key_col
    s = i
    while not (lines[s].item and lines[s].key_col == k) and s > 0:
        p = s - 1
        while p > 0 and lines[p].blank:
            p -= 1
        lp = lines[p]
        if lp.blank or lp.indent < k and not (lp.item and lp.key_col == k):
            break
        if lp.indent == k and lp.item:
            break  # a compact sequence item under a sibling key
        s = p
    e = i + 1
    while e < len(lines):
        ln = lines[e]
        if not ln.blank and ln.indent < k:
            break
        e += 1
    while e - 1 > i and lines[e - 1].blank and not lines[e - 1].in_scalar:
        e -= 1
    return s, e, k


def keys_of_mapping(lines, s, e, k):
    return [lines[j].key for j in range(s, e) if lines[j].key is not None and lines[j].key_col == k]


def items_in(lines, start, end):
    """Sequence items directly under a section: lines that start an item at the section's item column."""
    cols = [lines[j].indent for j in range(start + 1, end) if lines[j].item and not lines[j].blank]
    if not cols:
        return []
    col = min(cols)
    return [j for j in range(start + 1, end) if lines[j].item and lines[j].indent == col]


def entities(lines, section):
    """[(name, name line index, item line index, key column)] of jobs/resources/... in a section."""
    secs = sections(lines)
    if section not in secs:
        return []
    start, end = secs[section]
    items = items_in(lines, start, end)
    out = []
    for n, it in enumerate(items):
        stop = items[n + 1] if n + 1 < len(items) else end
        k = lines[it].key_col
        if k is None:
            continue
        for j in range(it, stop):
            ln = lines[j]
            if ln.key == "name" and ln.key_col == k:
                m = PLAIN_NAME_RE.match(ln.value.strip())
                if m:
                    out.append((m.group(2), j, it, k))
                break
    return out


def in_section(lines, j, name, secs=None):
    secs = secs if secs is not None else sections(lines)
    return name in secs and secs[name][0] < j < secs[name][1]


def step_headers(lines):
    """Lines in jobs: whose key is a core step key (get:, task:, ...)."""
    secs = sections(lines)
    if "jobs" not in secs:
        return []
    start, end = secs["jobs"]
    return [j for j in range(start + 1, end) if lines[j].key in STEP_KEYS and not lines[j].in_scalar]


def step_items(lines):
    """Step headers that start a sequence item (``- get: x``): places to insert a sibling step."""
    return [j for j in step_headers(lines) if lines[j].item and lines[j].text.lstrip(" ").startswith("- " + lines[j].key)]


def name_sites(lines, category):
    """[(line, start col, end col, name)] of name references of one category."""
    out = []
    secs = sections(lines)

    def flow_or_block(j, into):
        ln = lines[j]
        v = ln.value
        if v.strip().startswith("["):
            for m in re.finditer(r"[^\s,\[\]'\"#]+", v.split("]")[0]):
                into.append((j, ln.value_col + m.start(), ln.value_col + m.end(), m.group(0)))
        elif v.strip() == "" or v.strip().startswith("#"):
            p = j + 1
            while p < len(lines) and (lines[p].blank or (lines[p].item and lines[p].indent >= ln.key_col)):
                lp = lines[p]
                if not lp.blank and lp.key is None:
                    m = re.match(r"^(\s*- +)([\"']?)([^\s'\"#]+)\2\s*(#.*)?$", lp.text)
                    if m:
                        s = len(m.group(1)) + len(m.group(2))
                        into.append((p, s, s + len(m.group(3)), m.group(3)))
                p += 1

    def scalar(j, into):
        ln = lines[j]
        m = PLAIN_NAME_RE.match(ln.value.strip())
        if m:
            s = ln.value_col + (len(ln.value) - len(ln.value.lstrip())) + len(m.group(1))
            into.append((j, s, s + len(m.group(2)), m.group(2)))

    for j, ln in enumerate(lines):
        if ln.key is None or ln.in_scalar:
            continue
        if category == "passed" and ln.key == "passed" and in_section(lines, j, "jobs", secs):
            flow_or_block(j, out)
        elif category in ("get", "put") and ln.key == category and in_section(lines, j, "jobs", secs):
            scalar(j, out)
        elif category in ("group_job", "group_resource") and in_section(lines, j, "groups", secs):
            if ln.key == ("jobs" if category == "group_job" else "resources"):
                flow_or_block(j, out)
    return [s for s in out if "((" not in s[3] and "))" not in s[3]]


# ---------------------------------------------------------------- edits

def typo(name, rng):
    for _ in range(8):
        op = rng.below(6)
        n = len(name)
        if op == 0 and n > 1:
            i = rng.below(n - 1)
            new = name[:i] + name[i + 1] + name[i] + name[i + 2:]
        elif op == 1 and n > 1:
            i = rng.below(n)
            new = name[:i] + name[i + 1:]
        elif op == 2:
            i = rng.below(n + 1)
            new = name[:i] + rng.pick("abcdefghijklmnopqrstuvwxyz-") + name[i:]
        elif op == 3:
            i = rng.below(n)
            new = name[:i] + rng.pick("abcdefghijklmnopqrstuvwxyz0123456789") + name[i + 1:]
        elif op == 4:
            new = name + rng.pick(["-2", "s", "_", "-old"])
        else:
            i = rng.below(n)
            new = name[:i] + name[i].upper() + name[i + 1:]
        if new and new != name:
            return new
    return name + "x"


def join(lines_text):
    return "\n".join(lines_text)


def texts(lines):
    return [ln.text for ln in lines]


def replace_span(lines, j, s, e, new):
    t = texts(lines)
    t[j] = t[j][:s] + new + t[j][e:]
    return join(t)


def insert_at(lines, j, block):
    t = texts(lines)
    return join(t[:j] + block + t[j:])


def step_item_cols(lines, j):
    """(dash column, key column) of a step item line."""
    return lines[j].indent, lines[j].key_col


def resource_names(lines):
    return [n for n, *_ in entities(lines, "resources")]


def job_names(lines):
    return [n for n, *_ in entities(lines, "jobs")]


def body(rng, lines, pad, ctx):
    """A small step (list of lines, indented by pad) for hooks and inserted steps."""
    res = resource_names(lines)
    r = rng.pick(res) if res else "some-resource"
    choices = [
        ["get: %s" % r],
        ["put: %s" % r],
        ["get: %s" % typo(r, rng)],
        ["task: %s-hook" % ctx, "file: ci/tasks/hook.yml"],
        ["task: %s-hook" % ctx],
        ["load_var: %s-var" % ctx, "file: out/value.json"],
        ["try:", "  put: %s" % r],
        ["do: []"],
        ["in_parallel: []"],
        ["aggregate: []"],
        ["get: %s" % r, "trigger: true", "passed: [%s]" % (rng.pick(job_names(lines)) or "some-job")],
    ]
    return [pad + x for x in rng.pick(choices)]


def m_typo_sites(text, lines, rng, category):
    sites = name_sites(lines, category)
    if not sites:
        return None
    j, s, e, name = rng.pick(sites)
    return replace_span(lines, j, s, e, typo(name, rng))


def m_typo_def(text, lines, rng, section):
    ents = [x for x in entities(lines, section) if "((" not in x[0]]
    if not ents:
        return None
    name, j, _, _ = rng.pick(ents)
    ln = lines[j]
    s = ln.text.index(name, ln.value_col)
    return replace_span(lines, j, s, s + len(name), typo(name, rng))


ODD_NAMES = ["Build-Image", "123", "build image", "_private", "bau\u00dfe", "job:1", "a.b.c", "-dash", "UPPER", "x" * 70]


def m_rename_identifier(text, lines, rng):
    section = rng.pick(["jobs", "resources"])
    ents = [x for x in entities(lines, section) if "((" not in x[0]]
    if not ents:
        return None
    name = rng.pick(ents)[0]
    new = rng.pick(ODD_NAMES)
    quoted = '"%s"' % new if re.search(r"[\s:]|^[-_]", new) else new
    cats = ["passed", "group_job"] if section == "jobs" else ["get", "put", "group_resource"]
    edits = []
    for c in cats:
        edits += [x for x in name_sites(lines, c) if x[3] == name]
    for n, j, _, _ in entities(lines, section):
        if n == name:
            s = lines[j].text.index(name, lines[j].value_col)
            edits.append((j, s, s + len(name), name))
    if section == "resources":
        secs = sections(lines)
        for j, ln in enumerate(lines):
            if ln.key == "resource" and in_section(lines, j, "jobs", secs) and ln.value.strip() == name:
                s = ln.text.index(name, ln.value_col)
                edits.append((j, s, s + len(name), name))
    t = texts(lines)
    for j, s, e, _ in sorted(edits, key=lambda x: (x[0], -x[1])):
        t[j] = t[j][:s] + quoted + t[j][e:]
    return join(t)


def structural(lines):
    return [j for j, ln in enumerate(lines) if not ln.blank]


def m_delete_line(text, lines, rng):
    cand = structural(lines)
    if not cand:
        return None
    j = rng.pick(cand)
    t = texts(lines)
    return join(t[:j] + t[j + 1:])


def m_duplicate_line(text, lines, rng):
    cand = [j for j in structural(lines) if lines[j].key is not None or lines[j].item]
    if not cand:
        return None
    j = rng.pick(cand)
    t = texts(lines)
    return join(t[:j + 1] + [t[j]] + t[j + 1:])


TYPED_KEYS = {
    "trigger": ["\"true\"", "yes", "1", "[true]", "((auto))"],
    "serial": ["\"true\"", "on", "[true]", "{}"],
    "public": ["\"yes\"", "2", "[]"],
    "privileged": ["\"true\"", "[true]"],
    "attempts": ["\"3\"", "three", "0", "-1", "2.5", "[3]"],
    "max_in_flight": ["0", "-2", "all", "\"2\"", "[1]"],
    "limit": ["0", "\"2\"", "many"],
    "timeout": ["5", "5 minutes", "1h30", "[1h]", "-1m", "1d"],
    "passed": ["some-job", "{}", "\"\""],
    "tags": ["linux", "{a: b}"],
    "serial_groups": ["deploy", "{}"],
    "check_every": ["5", "never", "1 hour", "[1m]"],
    "version": ["latest", "every", "[1]", "5"],
    "params": ["a-string", "[]", "3"],
    "source": ["a-string", "[]"],
    "inputs": ["a-string", "{}"],
    "file": ["[ci/x.yml]", "{}", "7"],
    "name": ["[x]", "{}", "\"\"", "7"],
    "type": ["[git]", "{}", "\"\""],
    "icon": ["[x]", "7"],
    "build_log_retention": ["5", "[]", "{builds: -1}", "{days: x}", "{builds: 2, min_success_builds: 5}"],
    "build_logs_to_retain": ["x", "-3", "[]"],
    "fail_fast": ["\"true\"", "[]"],
    "image": ["[x]", "{}"],
    "get_params": ["x", "[]"],
    "inputs_mapping": ["x"],
    "input_mapping": ["x", "[]"],
    "output_mapping": ["x", "[]"],
    "interruptible": ["\"false\"", "[]"],
    "disable_manual_trigger": ["\"true\"", "[]"],
    "old_name": ["[x]", "{}"],
    "jobs": ["some-job", "{}", "7"],
    "resources": ["some-resource", "{}", "7"],
    "plan": ["some-step", "{}", "7"],
}


def m_wrong_type(text, lines, rng):
    cand = [j for j, ln in enumerate(lines)
            if ln.key in TYPED_KEYS and not ln.blank and ln.value is not None
            and ln.value.strip() != "" and not ln.value.strip().startswith("#")
            and not BLOCK_SCALAR_RE.match(ln.value.strip())]
    if not cand:
        return None
    j = rng.pick(cand)
    ln = lines[j]
    new = rng.pick([v for v in TYPED_KEYS[ln.key] if v != ln.value.strip()])
    # a value that spans several lines (flow collections) is replaced on its first line only when one-line
    v = ln.value
    if v.strip().startswith(("[", "{")) and not v.rstrip().endswith(("]", "}")):
        return None
    t = texts(lines)
    t[j] = t[j][:ln.value_col] + new
    return join(t)


STEP_TYPOS = ["triger", "parms", "pased", "timout", "atempts", "on_sucess", "ensur", "tag",
              "privilegd", "files", "input_mappings", "resources", "version_", "get_param", "inputs_",
              "depth", "branch", "password", "config_", "image_resource", "run", "across_", "name"]
JOB_TYPOS = ["serial_group", "plans", "public_", "max_in_fligth", "build_log_retain", "old-name",
             "disable_manual_trigger_", "interuptible", "on_sucess", "ensure_", "steps", "description",
             "trigger", "groups"]
RES_TYPOS = ["check_evry", "webhook_tokn", "souce", "tag", "public_", "icon_", "version_", "expose_build_creation_status",
             "check_timeout", "trigger"]
TOP_KEYS = ["user_key", "resource", "job", "group", "var_source", "display_", "meta", "x-defaults", "Jobs", "templates"]


def pick_value(rng):
    return rng.pick(["true", "x", "{}", "[]", "1", "((var))"])


def insert_key_in_mapping(lines, j, key, value_lines, rng):
    """Insert key (+ nested lines) into the block mapping containing line j; None if the key exists."""
    s, e, k = mapping_of(lines, j)
    if key in keys_of_mapping(lines, s, e, k):
        return None
    pos = e
    block = [" " * k + key + ":" + (" " + value_lines if isinstance(value_lines, str) else "")]
    if not isinstance(value_lines, str):
        block += [" " * (k + 2) + x for x in value_lines]
    return insert_at(lines, pos, block)


def m_unknown_key_step(text, lines, rng):
    heads = step_headers(lines)
    if not heads:
        return None
    j = rng.pick(heads)
    return insert_key_in_mapping(lines, j, rng.pick(STEP_TYPOS), pick_value(rng), rng)


def m_unknown_key_job(text, lines, rng):
    ents = entities(lines, "jobs")
    if not ents:
        return None
    _, j, _, _ = rng.pick(ents)
    return insert_key_in_mapping(lines, j, rng.pick(JOB_TYPOS), pick_value(rng), rng)


def m_unknown_key_resource(text, lines, rng):
    ents = entities(lines, "resources")
    if not ents:
        return None
    _, j, it, k = rng.pick(ents)
    if rng.chance(0.5):
        # dedent one scalar child of source: onto the resource (the misindented password: case)
        s, e, _ = mapping_of(lines, j)
        src = [x for x in range(s, e) if lines[x].key == "source" and lines[x].key_col == k]
        if src:
            x = src[0]
            end = subtree_end(lines, x, k)
            kids = [c for c in range(x + 1, end) if lines[c].key is not None and not lines[c].item
                    and lines[c].value.strip() and not BLOCK_SCALAR_RE.match(lines[c].value.strip())
                    and not lines[c].value.strip().startswith(("[", "{"))]
            col = min([lines[c].key_col for c in kids], default=None)
            kids = [c for c in kids if lines[c].key_col == col]
            kids = [c for c in kids if lines[c].key not in keys_of_mapping(lines, s, e, k)]
            if kids:
                c = rng.pick(kids)
                t = texts(lines)
                moved = " " * k + t[c].lstrip(" ")
                del t[c]
                t.insert(end - 1 if end - 1 > c else end, moved)
                return join(t)
    return insert_key_in_mapping(lines, j, rng.pick(RES_TYPOS), pick_value(rng), rng)


def m_unknown_key_top(text, lines, rng):
    key = rng.pick(TOP_KEYS)
    if key in sections(lines):
        return None
    val = rng.pick(["1", "[a, b]", "{a: b}", "x", "((var))"])
    t = texts(lines)
    pos = len(t) - 1 if t and t[-1] == "" else len(t)
    if rng.chance(0.5):
        return join(t[:pos] + ["%s: %s" % (key, val)] + t[pos:])
    first = next((i for i, ln in enumerate(lines) if ln.key is not None and ln.key_col == 0), 0)
    return join(t[:first] + ["%s: %s" % (key, val)] + t[first:])


def m_hook_step(text, lines, rng):
    heads = step_headers(lines)
    if not heads:
        return None
    j = rng.pick(heads)
    hook = rng.pick(HOOKS)
    if rng.chance(0.15):
        return insert_key_in_mapping(lines, j, hook, rng.pick(["x", "[]", "{}", "[{get: x}]"]), rng)
    steps = body(rng, lines, "", "hook")
    if rng.chance(0.15):
        steps = ["- " + steps[0]] + ["  " + x for x in steps[1:]]
    return insert_key_in_mapping(lines, j, hook, steps, rng)


def m_hook_job(text, lines, rng):
    ents = entities(lines, "jobs")
    if not ents:
        return None
    _, j, _, _ = rng.pick(ents)
    hook = rng.pick(HOOKS)
    steps = body(rng, lines, "", "job-hook")
    if rng.chance(0.15):
        steps = ["- " + steps[0]] + ["  " + x for x in steps[1:]]
    return insert_key_in_mapping(lines, j, hook, steps, rng)


ACROSS = [
    ["- var: v", "  values: [a, b]"],
    ["- var: v", "  values: [a, b]", "  max_in_flight: all"],
    ["- var: v", "  values: [a, b]", "  max_in_flight: 0"],
    ["- var: v", "  values: [a, b]", "  max_in_flight: 2"],
    ["- var: v", "  values: [a]", "- var: v", "  values: [b]"],
    ["- var: v"],
    ["- var: v", "  values: ((.:list))"],
    ["- var: v", "  values: ((list))"],
    ["- var: v", "  value: [a]"],
    ["- var: v", "  values: [a, b]", "  fail_fast: true"],
    ["- values: [a, b]"],
    ["- var: Bad-Var", "  values: [a]"],
]


def m_across(text, lines, rng):
    heads = step_headers(lines)
    if not heads:
        return None
    j = rng.pick(heads)
    if rng.chance(0.12):
        return insert_key_in_mapping(lines, j, "across", rng.pick(["[]", "x", "{var: v, values: [a]}"]), rng)
    return insert_key_in_mapping(lines, j, "across", rng.pick(ACROSS), rng)


def insert_step(lines, rng, step_lines):
    items = step_items(lines)
    if not items:
        return None
    j = rng.pick(items)
    c, k = step_item_cols(lines, j)
    block = [" " * c + "- " + step_lines[0]] + [" " * k + x for x in step_lines[1:]]
    return insert_at(lines, j if rng.chance(0.5) else subtree_end(lines, j, k), block)


def m_in_parallel(text, lines, rng):
    dos = [j for j in step_headers(lines) if lines[j].key == "do"]
    if dos and rng.chance(0.3):
        j = rng.pick(dos)
        ln = lines[j]
        return replace_span(lines, j, ln.key_col, ln.key_col + 2, "in_parallel")
    res = resource_names(lines) or ["some-resource"]
    r = rng.pick(res)
    variants = [
        ["in_parallel:", "- get: %s" % r, "- put: %s" % r],
        ["in_parallel:", "  steps:", "  - get: %s" % r, "  limit: 2", "  fail_fast: true"],
        ["in_parallel:", "  steps: []", "  limit: 0"],
        ["in_parallel:", "  step:", "  - get: %s" % r],
        ["in_parallel: %s" % r],
        ["in_parallel:", "- get: %s" % r, "- get: %s" % r],
        ["in_parallel:", "  steps:", "  - task: t", "    file: ci/t.yml", "  limit: -1"],
        ["in_parallel: [{get: %s}, {task: t, file: ci/t.yml}]" % r],
        ["in_parallel:", "- get: %s" % typo(r, rng)],
    ]
    return insert_step(lines, rng, rng.pick(variants))


def m_aggregate(text, lines, rng):
    pars = [j for j in step_headers(lines) if lines[j].key == "in_parallel"]
    if pars and rng.chance(0.5):
        j = rng.pick(pars)
        ln = lines[j]
        return replace_span(lines, j, ln.key_col, ln.key_col + len("in_parallel"), "aggregate")
    r = rng.pick(resource_names(lines) or ["some-resource"])
    return insert_step(lines, rng, rng.pick([
        ["aggregate:", "- get: %s" % r],
        ["aggregate: []"],
        ["aggregate:", "  steps:", "  - get: %s" % r],
    ]))


def m_load_var(text, lines, rng):
    variants = [
        ["load_var: version", "file: out/version.json"],
        ["load_var: version"],
        ["load_var: version", "file: out/v", "format: json", "reveal: true"],
        ["load_var: version", "file: out/v", "format: toml"],
        ["load_var: Version", "file: out/v"],
        ["load_var: \"\"", "file: out/v"],
        ["load_var: version", "file: out/v", "reveal: maybe"],
        ["load_var: version", "file: out/v", "unknown: 1"],
        ["load_var: version", "file: [out/v]"],
    ]
    v = rng.pick(variants)
    out = insert_step(lines, rng, v)
    if out is not None and rng.chance(0.25):
        # a second load_var of the same name in the same plan: repeated var name
        lines2 = scan(out)
        items = step_items(lines2)
        if items:
            j = rng.pick(items)
            c, k = step_item_cols(lines2, j)
            return insert_at(lines2, j, [" " * c + "- load_var: version", " " * k + "file: out/other"])
    return out


def m_set_pipeline(text, lines, rng):
    return insert_step(lines, rng, rng.pick([
        ["set_pipeline: self", "file: ci/pipeline.yml"],
        ["set_pipeline: child", "file: ci/child.yml", "vars: {branch: main}"],
        ["set_pipeline: child"],
        ["set_pipeline: Child", "file: ci/child.yml"],
        ["set_pipeline: child", "file: ci/child.yml", "instance_vars: {branch: main}"],
        ["set_pipeline: child", "file: ci/child.yml", "team: other-team"],
        ["set_pipeline: \"\"", "file: ci/child.yml"],
        ["set_pipeline: child", "file: ci/child.yml", "var_files: ci/vars.yml"],
        ["set_pipeline: child", "file: ci/child.yml", "vars: x"],
        ["set_pipeline: ((name))", "file: ci/child.yml"],
    ]))


VAR_SOURCES = [
    ["- name: vs", "  type: dummy", "  config:", "    vars: {a: b}"],
    ["- name: vs", "  type: dummy", "  config:", "    vars: {a: b}", "    extra: 1"],
    ["- name: vs", "  type: vault", "  config:", "    url: https://vault.example.com", "    client_token: t"],
    ["- name: vs", "  type: vault", "  config:", "    url: https://vault.example.com"],
    ["- name: vs", "  type: vault", "  config:", "    url: vault.example.com", "    client_token: t"],
    ["- name: vs", "  type: vault", "  config:", "    url: https://v", "    client_token: t", "    login_timeout: 5x"],
    ["- name: vs", "  type: vault", "  config:", "    url: https://v", "    auth_backend: approle", "    path_prefix: \"\""],
    ["- name: vs", "  type: ssm", "  config:", "    region: us-east-1"],
    ["- name: vs", "  type: ssm", "  config:", "    region: us-east-1", "    access_key: AKIA"],
    ["- name: vs", "  type: secretsmanager", "  config:", "    region: us-east-1", "    pipeline_secret_template: \"/c/{{.Team}}/{{.Nope}}\""],
    ["- name: vs", "  type: secretsmanager", "  config:", "    region: us-east-1"],
    ["- name: vs", "  type: idtoken", "  config:", "    audience: [sts.amazonaws.com]"],
    ["- name: vs", "  type: idtoken", "  config:", "    algorithm: HS256"],
    ["- name: vs", "  type: idtoken", "  config:", "    expires_in: 48h"],
    ["- name: vs", "  type: idtoken", "  config:", "    subject_scope: world"],
    ["- name: vs", "  type: kubernetes", "  config: {}"],
    ["- name: vs", "  type: credhub", "  config: {}"],
    ["- name: vs", "  type: conjur", "  config: {}"],
    ["- name: vs", "  type: nosuch", "  config: {}"],
    ["- name: vs", "  type: dummy", "  config: {vars: {}}", "- name: vs", "  type: dummy", "  config: {vars: {}}"],
    ["- name: VS", "  type: dummy", "  config: {vars: {}}"],
    ["- type: dummy", "  config: {vars: {}}"],
    ["- name: vs", "  config: {vars: {}}"],
    ["- name: vs", "  type: dummy"],
    ["- name: vs", "  type: dummy", "  config: x"],
    ["- name: a", "  type: dummy", "  config: {vars: {k: ((b:k))}}", "- name: b", "  type: dummy", "  config: {vars: {k: ((a:k))}}"],
]


def m_var_sources(text, lines, rng):
    v = rng.pick(VAR_SOURCES)
    secs = sections(lines)
    t = texts(lines)
    if "var_sources" in secs:
        s, e = secs["var_sources"]
        items = items_in(lines, s, e)
        if not items:
            return None
        c = lines[items[0]].indent
        end = subtree_end(lines, s, 0)
        return join(t[:end] + [" " * c + x for x in v] + t[end:])
    block = ["var_sources:"] + v
    first = next((i for i, ln in enumerate(lines) if ln.key is not None and ln.key_col == 0), 0)
    if rng.chance(0.5):
        return join(t[:first] + block + t[first:])
    pos = len(t) - 1 if t and t[-1] == "" else len(t)
    return join(t[:pos] + block + t[pos:])


def m_merge_keys(text, lines, rng):
    merges = [j for j, ln in enumerate(lines) if ln.key == "<<" and not ln.blank]
    anchors = re.findall(r"&([A-Za-z0-9_\-]+)[ \t]*$", text, re.M)
    t = texts(lines)
    if merges and rng.chance(0.6):
        j = rng.pick(merges)
        ln = lines[j]
        other = rng.pick(anchors) if anchors else None
        mode = rng.below(3)
        if mode == 0:
            return join(t[:j + 1] + [t[j]] + t[j + 1:])  # the same merge twice
        if mode == 1 and other:
            return join(t[:j + 1] + [" " * ln.key_col + "<<: *" + other] + t[j + 1:])
        if other:
            return join(t[:j] + [" " * ln.key_col + "<<: [%s, *%s]" % (ln.value.strip(), other)] + t[j + 1:])
        return None
    # add an anchored mapping at the top and merge it into a job
    ents = entities(lines, "jobs")
    if not ents:
        return None
    _, j, _, k = rng.pick(ents)
    defs = ["x-job-defaults: &job-defaults", "  serial: true", "x-more: &more", "  public: true"]
    variant = rng.below(4)
    merge = {0: ["<<: *job-defaults"],
             1: ["<<: *job-defaults", "<<: *more"],
             2: ["<<: [*job-defaults, *more]"],
             3: ["<<: *job-defaults", "<<: *job-defaults"]}[variant]
    s, e, _ = mapping_of(lines, j)
    new = t[:e] + [" " * k + m for m in merge] + t[e:]
    first = next((i for i, ln in enumerate(lines) if ln.key is not None and ln.key_col == 0), 0)
    return join(new[:first] + defs + new[first:])


MUTATORS = {
    "typo_passed": lambda t, l, r: m_typo_sites(t, l, r, "passed"),
    "typo_get": lambda t, l, r: m_typo_sites(t, l, r, "get"),
    "typo_put": lambda t, l, r: m_typo_sites(t, l, r, "put"),
    "typo_group_job": lambda t, l, r: m_typo_sites(t, l, r, "group_job"),
    "typo_group_resource": lambda t, l, r: m_typo_sites(t, l, r, "group_resource"),
    "typo_job_def": lambda t, l, r: m_typo_def(t, l, r, "jobs"),
    "typo_resource_def": lambda t, l, r: m_typo_def(t, l, r, "resources"),
    "rename_identifier": m_rename_identifier,
    "delete_line": m_delete_line,
    "duplicate_line": m_duplicate_line,
    "wrong_type": m_wrong_type,
    "unknown_key_step": m_unknown_key_step,
    "unknown_key_job": m_unknown_key_job,
    "unknown_key_resource": m_unknown_key_resource,
    "unknown_key_top": m_unknown_key_top,
    "hook_step": m_hook_step,
    "hook_job": m_hook_job,
    "across": m_across,
    "in_parallel": m_in_parallel,
    "aggregate": m_aggregate,
    "load_var": m_load_var,
    "set_pipeline": m_set_pipeline,
    "var_sources": m_var_sources,
    "merge_keys": m_merge_keys,
}
assert list(MUTATORS) == KINDS


def mutate(text, path, kind, index, sha=None):
    """The mutated text, or None when the kind does not apply to this file (or changes nothing)."""
    sha = sha or sha256_text(text)
    rng = Rng(seed_for(path, sha, kind, index))
    out = MUTATORS[kind](text, scan(text), rng)
    if out is None or out == text:
        return None
    return out


# ---------------------------------------------------------------- corpus

def read_text(p):
    with open(p, "rb") as f:
        return f.read().decode("utf-8", "surrogateescape")


def corpus_files(root):
    """Top-level files of public/ (mutated) and public-invalid/ (recorded as they are)."""
    out = []
    for sub in ("public", "public-invalid"):
        d = os.path.join(root, sub)
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                if os.path.isfile(os.path.join(d, name)):
                    out.append(sub + "/" + name)
    return out


def inputs(root, per_kind=PER_KIND):
    """Every input, in a fixed order: each corpus file, then the mutations of public/ files.

    A mutation whose text equals the original or an earlier input is dropped."""
    seen = set()
    files = corpus_files(root)
    originals = {}
    for path in files:
        text = read_text(os.path.join(root, path))
        sha = sha256_text(text)
        originals[path] = (text, sha)
        seen.add(sha)
        yield {"id": path, "path": path, "sha256": sha, "mutation": None, "text_sha256": sha, "text": text}
    for path in files:
        if not path.startswith("public/"):
            continue
        text, sha = originals[path]
        for kind in KINDS:
            for index in range(per_kind):
                out = mutate(text, path, kind, index, sha)
                if out is None:
                    continue
                osha = sha256_text(out)
                if osha in seen:
                    continue
                seen.add(osha)
                yield {"id": mutation_id(path, kind, index), "path": path, "sha256": sha,
                       "mutation": {"kind": kind, "index": index, "seed": seed_for(path, sha, kind, index)},
                       "text_sha256": osha, "text": out}


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    root = argv[0]
    if "--one" in argv:
        want = argv[argv.index("--one") + 1]
        for it in inputs(root):
            if it["id"] == want:
                sys.stdout.buffer.write(it["text"].encode("utf-8", "surrogateescape"))
                return 0
        print("no such input: %s" % want, file=sys.stderr)
        return 1
    with_text = "--with-text" in argv
    for it in inputs(root):
        if not with_text:
            it = {k: v for k, v in it.items() if k != "text"}
        sys.stdout.write(json.dumps(it, ensure_ascii=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
