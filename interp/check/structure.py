"""The structural checks of `fly validate-pipeline` (atc/configvalidate, atc/step_validator.go).

Each check has a stable rule id and fly's severity, and reports at the node that
is wrong. Values holding a ((var)) are skipped: they are unknown until interpolated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from interp.check import varsources
from interp.check.globs import GlobError, _Exactly, gobwas_matcher, path_matcher
from interp.check.loader import Document, Path, nesting_diagnostic
from interp.diagnostics import Diagnostic

TOP_LEVEL_KEYS = ("groups", "var_sources", "resources", "resource_types", "prototypes", "jobs",
                  "display", "user_data")

HOOKS = ("on_success", "on_failure", "on_abort", "on_error", "ensure")  # visit order
# atc.StepPrecedence, core steps only. `aggregate` was removed in Concourse 7: a step with it
# and no other step key is "no step configured", and fly refuses the pipeline.
CORE_STEPS = ("run", "task", "put", "get", "set_pipeline", "load_var", "try", "do", "in_parallel")
# The StepPrecedence keys that wrap a core step rather than being one.
STEP_MODIFIERS = (*HOOKS, "across", "attempts", "timeout")
CORE_FIELDS: dict[str, frozenset[str]] = {
    "run": frozenset({"run", "type", "params", "privileged", "tags", "container_limits", "timeout"}),
    "task": frozenset({"task", "privileged", "hermetic", "file", "container_limits", "config", "params",
                       "vars", "tags", "input_mapping", "output_mapping", "image", "timeout"}),
    "put": frozenset({"put", "resource", "params", "inputs", "tags", "get_params", "timeout", "no_get"}),
    "get": frozenset({"get", "resource", "version", "params", "passed", "trigger", "tags", "timeout"}),
    "set_pipeline": frozenset({"set_pipeline", "file", "team", "vars", "var_files", "instance_vars"}),
    "load_var": frozenset({"load_var", "file", "format", "reveal"}),
    "try": frozenset({"try"}),
    "do": frozenset({"do", "tags"}),
    "in_parallel": frozenset({"in_parallel", "tags"}),
}
# The keys a step of each kind may hold (its own, hooks, modifiers), and with across: too.
_STEP_FIELDS = {kind: fields | set(HOOKS) | {"attempts", "timeout"} for kind, fields in CORE_FIELDS.items()}
_ACROSS_STEP_FIELDS = {kind: fields | {"across", "fail_fast"} for kind, fields in _STEP_FIELDS.items()}
TASK_CONFIG_FIELDS = frozenset({"platform", "rootfs_uri", "image_resource", "container_limits", "params",
                                "run", "inputs", "outputs", "caches"})

def is_var(value: Any) -> bool:
    return isinstance(value, str) and "((" in value


def _name(value: Any) -> str | None:
    """A name as Concourse reads it; None when absent or not knowable (a ((var)))."""
    if isinstance(value, bool) or value is None:
        return None if value is None else str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return None if "((" in value else value
    return None


def _did_you_mean(name: str, candidates: Any) -> str:
    """`; did you mean 'x'?` for the closest candidate to a misspelt plain name, or "".
    Called on the error path only: the names are sorted so ties pick the same one each run."""
    import difflib

    near = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.7)
    return f"; did you mean '{near[0]}'?" if near else ""


def _seq(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# A valid identifier made of ASCII only: a lowercase letter or digit, then those or `-_.`
# (the common case, told without looking up each character's Unicode category).
_ASCII_IDENTIFIER = re.compile(r"[a-z0-9][-a-z0-9_.]*")


def identifier_problem(name: str) -> str | None:
    """atc.ValidateIdentifier's warning text for a non-empty name, or None."""
    if name.isdigit() and name.isascii():
        return f"'{name}' is not a valid identifier: cannot be just numbers"
    if _ASCII_IDENTIFIER.fullmatch(name) or _valid_identifier(name):
        return None
    if not _identifier_char(name[0], first=True):
        reason = "must start with a lowercase letter or a number"
    else:
        bad = next((ch for ch in name[1:] if not _identifier_char(ch, first=False)), "")
        reason = f"illegal character '{bad}'"
    return f"'{name}' is not a valid identifier: {reason}"


def _identifier_char(ch: str, *, first: bool) -> bool:
    category = unicodedata.category(ch)
    if category in ("Ll", "Lt", "Lm", "Lo") or category == "Nd":
        return True
    return not first and ch in "-_."


def _valid_identifier(name: str) -> bool:
    return _identifier_char(name[0], first=True) and all(_identifier_char(c, first=False) for c in name[1:])


@dataclass
class _Checker:
    doc: Document
    strict: bool
    out: list[Diagnostic] = field(default_factory=list)

    # -- reporting -----------------------------------------------------------------
    def report(self, path: Path, rule: str, message: str, *, severity: str = "error",
               key: bool = False) -> None:
        line, column = self.doc.locate(path, key=key)
        self.out.append(Diagnostic(self.doc.filename, line, column, severity, rule, message))  # type: ignore[arg-type]

    def identifier(self, name_value: Any, path: Path, what: str) -> None:
        if is_var(name_value):
            # fly validates names as written, before any var is known (and a credential
            # manager's var is still unknown when set-pipeline saves the pipeline).
            problem = identifier_problem(name_value)
            if problem:
                self.report(path, "invalid-identifier", f"{what}: {problem}", severity="warning")
            return
        name = _name(name_value)
        if name is None:
            return
        if name == "":
            self.report(path, "empty-identifier", f"{what}: identifier cannot be an empty string")
            return
        problem = identifier_problem(name)
        if problem:
            self.report(path, "invalid-identifier", f"{what}: {problem}", severity="warning")

    # -- top level -------------------------------------------------------------------
    def run(self) -> list[Diagnostic]:
        config = self.doc.data
        if not isinstance(config, dict):
            return self.out  # the schema reports the type
        self.config = config
        # (index in `jobs:`, job) for every job that is a mapping
        self.jobs = [(i, j) for i, j in enumerate(_seq(config.get("jobs"))) if isinstance(j, dict)]
        self.job_names = {n for _, j in self.jobs if (n := _name(j.get("name")))}
        self.resource_names = {n for r in _seq(config.get("resources")) if isinstance(r, dict)
                               and (n := _name(r.get("name"))) is not None}
        self.prototype_names = {n for r in _seq(config.get("prototypes")) if isinstance(r, dict)
                                and (n := _name(r.get("name"))) is not None}
        self._job_steps: dict[int, list[tuple[dict[str, Any], Path]]] = {}
        self.top_level_keys()
        self.groups()
        self.resources()
        self.types_and_prototypes()
        self.var_sources()
        self.jobs_()
        self.display()
        self.cycles()
        return self.out

    def top_level_keys(self) -> None:
        for key in self.config:
            if key in TOP_LEVEL_KEYS:
                continue
            if self.strict:
                self.report((key,), "unknown-top-level-key",
                            f"unknown top-level key '{key}' (fly validate-pipeline --strict rejects it)", key=True)
            elif (near := _near_top_level(key)) is not None:
                self.report((key,), "top-level-typo",
                            f"top-level key '{key}' is ignored by Concourse; did you mean '{near}'?",
                            severity="warning", key=True)

    # -- groups --------------------------------------------------------------------------
    def groups(self) -> None:
        groups = _seq(self.config.get("groups"))
        grouped: set[str] = set()
        first_seen: dict[str, int] = {}
        counts: dict[str, int] = {}
        for i, group in enumerate(groups):
            if not isinstance(group, dict):
                continue
            path: Path = ("groups", i)
            name = _name(group.get("name"))
            self.identifier(group.get("name", ""), path + ("name",) if "name" in group else path, f"groups[{i}]")
            if name is not None:
                counts[name] = counts.get(name, 0) + 1
                first_seen.setdefault(name, i)
                if counts[name] == 2:
                    self.report(path + ("name",), "duplicate-name",
                                f"group '{name}' appears {sum(1 for g in groups if isinstance(g, dict) and _name(g.get('name')) == name)} times. "
                                "Duplicate names are not allowed.")
            for j, pattern in enumerate(_seq(group.get("jobs"))):
                grouped |= self._group_jobs(pattern, path + ("jobs", j), name or f"groups[{i}]")
            for j, resource in enumerate(_seq(group.get("resources"))):
                rname = _name(resource)
                if rname is not None and rname not in self.resource_names:
                    self.report(path + ("resources", j), "group-unknown-resource",
                                f"group '{name}' has unknown resource '{rname}'")
        if groups:
            for i, job in self.jobs:
                jname = _name(job.get("name"))
                if jname is not None and jname not in grouped:
                    self.report(("jobs", i, "name"), "job-in-no-group",
                                f"job '{jname}' belongs to no group")

    def _group_jobs(self, pattern_value: Any, path: Path, group: str) -> set[str]:
        pattern = _name(pattern_value)
        if pattern is None:
            return set(self.job_names) if is_var(pattern_value) else set()
        try:
            regex = gobwas_matcher(pattern)
        except (GlobError, re.error):
            self.report(path, "invalid-glob", f"invalid glob expression '{pattern}' for group '{group}'")
            return set()
        matched = {j for j in self.job_names if regex.match(j)}
        if not matched and not any(is_var(j.get("name")) for _, j in self.jobs):
            hint = _did_you_mean(pattern, self.job_names) if isinstance(regex, _Exactly) else ""
            self.report(path, "group-unknown-job", f"no jobs match '{pattern}' for group '{group}'{hint}")
        return matched

    # -- resources, types, prototypes --------------------------------------------------
    def resources(self) -> None:
        self._named_list("resources", {})
        used = self._used_resources()
        for i, resource in enumerate(_seq(self.config.get("resources"))):
            if not isinstance(resource, dict):
                continue
            name = _name(resource.get("name"))
            if name is not None and name not in used and not self._unknowable_usage:
                self.report(("resources", i, "name"), "unused-resource", f"resource '{name}' is not used")
            self._check_every(resource, ("resources", i))

    def types_and_prototypes(self) -> None:
        seen: dict[str, str] = {}  # resource types and prototypes share one namespace
        self._named_list("resource_types", seen)
        self._named_list("prototypes", seen)
        for section in ("resource_types", "prototypes"):
            for i, item in enumerate(_seq(self.config.get(section))):
                if isinstance(item, dict):
                    self._check_every(item, (section, i))

    def _named_list(self, section: str, seen: dict[str, str]) -> None:
        for i, item in enumerate(_seq(self.config.get(section))):
            if not isinstance(item, dict):
                continue
            path: Path = (section, i)
            ident = f"{section}[{i}]"
            name = _name(item.get("name"))
            if "name" in item and item["name"] not in (None, ""):
                self.identifier(item["name"], path + ("name",), ident)
            if name is None and not is_var(item.get("name")) or name == "":
                self.report(path, "missing-name", f"{ident} has no name")
            if _name(item.get("type")) in (None, "") and not is_var(item.get("type")):
                self.report(path + ("type",) if "type" in item else path, "missing-type",
                            f"{f'{section}.{name}' if name else ident} has no type")
            if name:
                if name in seen:
                    self.report(path + ("name",), "duplicate-name",
                                f"{seen[name]} and {ident} have the same name ('{name}')")
                else:
                    seen[name] = ident

    def _check_every(self, item: dict[str, Any], path: Path) -> None:
        value = item.get("check_every")
        if isinstance(value, str) and value not in ("", "never") and not is_var(value) \
                and not varsources.is_go_duration(value):
            self.report(path + ("check_every",), "invalid-duration",
                        f"check_every: invalid duration '{value}' (expected 'never' or e.g. 1m, 1h30m)")

    def _used_resources(self) -> set[str]:
        used: set[str] = set()
        self._unknowable_usage = False
        for i, job in self.jobs:
            for step, _ in self._steps_of_job(job, i):
                for kind in ("get", "put"):
                    if kind in step and _core_kind(step) == kind:
                        resource = step.get("resource") or step.get(kind)
                        if is_var(resource):
                            self._unknowable_usage = True
                        elif (rname := _name(resource)) is not None:
                            used.add(rname)
        return used

    # -- var sources -------------------------------------------------------------------------
    def var_sources(self) -> None:
        sources = _seq(self.config.get("var_sources"))
        seen: dict[str, str] = {}
        for i, source in enumerate(sources):
            if not isinstance(source, dict):
                continue
            path: Path = ("var_sources", i)
            ident = f"var_sources[{i}]"
            name = _name(source.get("name"))
            self.identifier(source.get("name", ""), path + ("name",) if "name" in source else path, ident)
            kind = _name(source.get("type"))
            if kind is None or kind not in varsources.SUPPORTED + varsources.REGISTERED_UNSUPPORTED:
                self.report(path + ("type",) if "type" in source else path, "unknown-var-source-type",
                            f"unknown credential manager type: {kind or ''}")
                continue
            if kind in varsources.REGISTERED_UNSUPPORTED:
                self.report(path + ("type",), "unknown-var-source-type",
                            f"credential manager type {kind} is not supported in pipeline yet")
            if name is not None:
                if name in seen:
                    self.report(path + ("name",), "duplicate-name",
                                f"{seen[name]} and {ident} have the same name ('{name}')")
                seen[name] = ident
            if kind in varsources.CHECKERS:
                self._var_source_config(source, path, name or ident, kind)
        self._var_source_order(sources)

    def _var_source_config(self, source: dict[str, Any], path: Path, name: str, kind: str) -> None:
        config = source.get("config")
        if is_var(config):
            return
        if not isinstance(config, dict):
            if kind in ("dummy", "idtoken") or config is not None:
                self.report(path + ("config",) if "config" in source else path, "var-source-config",
                            f"failed to create credential manager {name}: config must be a mapping")
            elif kind in ("vault",):
                self.report(path, "var-source-config",
                            f"credential manager {name} is invalid: must configure client token or auth backend")
            return
        for key, problem in varsources.CHECKERS[kind](config):
            target = path + ("config", key) if key is not None else path + ("config",)
            self.report(target, "var-source-config", f"credential manager {name} is invalid: {problem}",
                        key=key is not None)

    def _var_source_order(self, sources: list[Any]) -> None:
        """atc.VarSourceConfigs.OrderByDependency: a source may only use sources resolvable before it."""
        deps: dict[str, tuple[int, set[str]]] = {}
        order: list[str] = []
        for i, source in enumerate(sources):
            if isinstance(source, dict) and (name := _name(source.get("name"))) is not None:
                deps[name] = (i, _var_source_refs(source.get("config")))
                order.append(name)
        added: set[str] = set()
        pending = [n for n in order if deps[n][1]]
        added.update(n for n in order if not deps[n][1])
        progress = True
        while pending and progress:
            progress = False
            for name in list(pending):
                if deps[name][1] <= added:
                    added.add(name)
                    pending.remove(name)
                    progress = True
        if pending:
            self.report(("var_sources", deps[pending[0]][0]), "var-source-cycle",
                        "failed to order by dependency: could not resolve inter-dependent var sources: "
                        + ", ".join(pending))

    # -- jobs ----------------------------------------------------------------------------------
    def jobs_(self) -> None:
        if not self.jobs:
            self.report(("jobs",) if "jobs" in self.config else (), "no-jobs",
                        "pipeline must contain at least one job" + self._no_jobs_hint(), key="jobs" in self.config)
            return
        seen: dict[str, str] = {}
        for i, job in self.jobs:
            path: Path = ("jobs", i)
            ident = f"jobs[{i}]"
            name = _name(job.get("name"))
            if "name" in job and job["name"] not in (None, ""):
                self.identifier(job["name"], path + ("name",), ident)
            if (name is None and not is_var(job.get("name"))) or name == "":
                self.report(path, "missing-name", f"{ident} has no name")
            elif name is not None:
                if name in seen:
                    self.report(path + ("name",), "duplicate-name",
                                f"{seen[name]} and {ident} have the same name ('{name}')")
                else:
                    seen[name] = ident
            self._retention(job, path)
            _JobSteps(self, job, path).run()

    def _no_jobs_hint(self) -> str:
        others = [k for k in self.config if k not in TOP_LEVEL_KEYS]
        if others and not any(k in self.config for k in TOP_LEVEL_KEYS):
            return (f" (top-level keys here: {', '.join(others[:5])}: a fragment or a template, "
                    "not a pipeline?)")
        return ""

    def _retention(self, job: dict[str, Any], path: Path) -> None:
        old = job.get("build_logs_to_retain")
        new = job.get("build_log_retention")
        if isinstance(old, int) and old != 0:
            self.report(path + ("build_logs_to_retain",), "deprecated",
                        "build_logs_to_retain is deprecated. Use build_log_retention instead.",
                        severity="warning", key=True)
        if new is not None and isinstance(old, int) and old != 0:
            self.report(path + ("build_log_retention",), "retention",
                        "can't use both build_log_retention and build_logs_to_retain", key=True)
        elif isinstance(old, int) and not isinstance(old, bool) and old < 0:
            self.report(path + ("build_logs_to_retain",), "retention", f"has negative build_logs_to_retain: {old}")
        if not isinstance(new, dict):
            return
        values = {k: v for k, v in new.items() if isinstance(v, int) and not isinstance(v, bool)}
        for key in ("builds", "days", "minimum_succeeded_builds"):
            if values.get(key, 0) < 0:
                shown = "min_success_builds" if key == "minimum_succeeded_builds" else key
                self.report(path + ("build_log_retention", key), "retention",
                            f"has negative build_log_retention.{shown}: {values[key]}")
        builds, minimum = values.get("builds", 0), values.get("minimum_succeeded_builds", 0)
        if builds > 0 and minimum > builds:
            self.report(path + ("build_log_retention", "minimum_succeeded_builds"), "retention",
                        f"build_log_retention.minimum_succeeded_builds ({minimum}) is greater than "
                        f"build_log_retention.builds ({builds})")

    def _steps_of_job(self, job: dict[str, Any], index: int) -> list[tuple[dict[str, Any], Path]]:
        """Every step of a job, hooks included (atc.StepRecursor), memoised per job object."""
        key = id(job)
        if key not in self._job_steps:
            path: Path = ("jobs", index)
            found: list[tuple[dict[str, Any], Path]] = []
            for p, step in enumerate(_seq(job.get("plan"))):
                found.extend(iter_steps(step, path + ("plan", p)))
            for hook in HOOKS:
                found.extend(iter_steps(job.get(hook), path + (hook,)))
            self._job_steps[key] = found
        return self._job_steps[key]

    def job_touches(self, job_name: str, resource: str) -> bool:
        if not hasattr(self, "_touched"):
            self._touched: dict[str, set[str | None]] = {}
            for i, job in self.jobs:
                name = _name(job.get("name"))
                if name is None:
                    continue
                touched = self._touched.setdefault(name, set())
                for step, _ in self._steps_of_job(job, i):
                    kind = _core_kind(step)
                    if kind in ("get", "put"):
                        target = step.get("resource") or step.get(kind)
                        touched.add(None if is_var(target) else _name(target))  # None: unknowable
        touched = self._touched.get(job_name, set())
        return resource in touched or None in touched

    # -- display, cycles --------------------------------------------------------------------------
    def display(self) -> None:
        display = self.config.get("display")
        if not isinstance(display, dict):
            return
        image = display.get("background_image")
        if not isinstance(image, str) or is_var(image):
            return
        try:
            scheme = urlsplit(image).scheme
        except ValueError:
            scheme = None
        if scheme is None or go_url_parse_fails(image):
            self.report(("display", "background_image"), "display",
                        f"background_image is not a valid URL: {image}")
            return
        if scheme.lower() not in ("", "http", "https"):
            self.report(("display", "background_image"), "display",
                        "background_image scheme must be either http, https or relative")

    def cycles(self) -> None:
        """atc's validateCycle: DFS over `passed:` edges; the first cycle found is reported."""
        edges: dict[str, list[str]] = {}
        paths: dict[str, Path] = {}
        # In `jobs:` order, as Go walks pipelineConfig.Jobs: the job a cycle "starts at" depends
        # on it (a set's order would change with the hash seed).
        ordered = list(dict.fromkeys(n for _, j in self.jobs if (n := _name(j.get("name")))))
        for i, job in self.jobs:
            name = _name(job.get("name"))
            if name is None or name in edges:
                continue
            paths[name] = ("jobs", i, "name")
            targets: list[str] = []
            for step, _ in self._steps_of_job(job, i):
                if _core_kind(step) != "get":
                    continue
                for pattern in _seq(step.get("passed")):
                    regex = path_matcher(pattern) if isinstance(pattern, str) and not is_var(pattern) else None
                    if regex is not None:
                        targets.extend(j for j in ordered if regex.match(j))
            edges[name] = targets
        for root in edges:
            state: dict[str, int] = {}
            start = _find_cycle(root, edges, state)
            if start is not None:
                self.report(paths[start], "job-cycle", f"pipeline contains a cycle that starts at Job '{start}'")
                return


def _find_cycle(root: str, edges: dict[str, list[str]], state: dict[str, int]) -> str | None:
    """Iterative DFS; returns the job found while still on the stack (1 = visiting, 2 = done)."""
    stack: list[tuple[str, Iterator[str]]] = [(root, iter(edges.get(root, ())))]
    state[root] = 1
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            state[node] = 2
            stack.pop()
        elif state.get(child) == 1:
            return child
        elif state.get(child) is None:
            state[child] = 1
            stack.append((child, iter(edges.get(child, ()))))
    return None


_HEX = frozenset("0123456789abcdefABCDEF")


def go_url_parse_fails(text: str) -> bool:
    """Whether Go's url.Parse surely refuses `text` (a subset: it never says so wrongly).

    A control character before the fragment, a ':' first ("missing protocol scheme"), a
    colon in the first segment of a scheme-less path, or a bad '%' escape in such a path."""
    before_fragment = text.split("#", 1)[0]
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in before_fragment):
        return True
    for index, ch in enumerate(before_fragment):  # Go's getScheme
        if ch.isascii() and ch.isalpha():
            continue
        if ch == ":":
            return index == 0  # a scheme (what follows is not judged here) or none at all
        if ch.isascii() and (ch.isdigit() or ch in "+-.") and index > 0:
            continue
        break
    path = before_fragment.split("?", 1)[0]
    if path.startswith("//"):
        return False  # an authority: Go's host rules are not reproduced here
    if ":" in path.split("/", 1)[0]:
        return True
    return any(ch == "%" and not (len(path) > i + 2 and {path[i + 1], path[i + 2]} <= _HEX) for i, ch in enumerate(path))


go_fold = varsources.go_fold


def fold_top_level_case(doc: Document) -> list[Diagnostic]:
    """Read top-level keys as Concourse does: its JSON decoder matches struct fields ignoring
    case, so `Jobs:` is `jobs:`, and of two keys that fold together the later one wins.
    `doc.data` and its positions are changed in place; a key that overrides another is a warning."""
    data = doc.data
    if not isinstance(data, dict) or all(not isinstance(k, str) or k in TOP_LEVEL_KEYS or go_fold(k) not in TOP_LEVEL_KEYS
                                         for k in data):
        return []
    positions = doc.positions.get(id(data), {})
    folded: dict[Any, Any] = {}
    written: dict[Any, Any] = {}  # the folded key -> the key as written that won
    found: list[Diagnostic] = []
    for key, value in data.items():
        target = go_fold(key) if isinstance(key, str) and go_fold(key) in TOP_LEVEL_KEYS else key
        if target in written:
            line, column = doc.locate((key,), key=True)
            found.append(Diagnostic(doc.filename, line, column, "warning", "top-level-typo",
                                    f"top-level key '{key}' replaces '{written[target]}': Concourse reads keys "
                                    f"ignoring case, and the later one wins"))
            # The replaced value is decoded all the same: a type error there refuses the file.
            earlier = written[target]
            if (kind := _decode_type_error(target, folded[target])) is not None:
                line, column = doc.locate((earlier,), key=True)
                found.append(Diagnostic(doc.filename, line, column, "error", "schema",
                                        f"'{earlier}' is read as '{target}' (Concourse's decoder ignores case) and "
                                        f"its value does not decode: json: cannot unmarshal {kind} into Go struct "
                                        f"field Config.{target}"))
        folded[target] = value
        written[target] = key
    entries = {target: positions[key] for target, key in written.items() if key in positions}
    data.clear()
    data.update(folded)
    doc.positions[id(data)] = entries
    return found


def _decode_type_error(section: str, value: Any) -> str | None:
    """The JSON kind encoding/json cannot put into a top-level section, or None (types only)."""
    if value is None or section == "user_data":
        return None
    if section == "display":
        return None if isinstance(value, dict) else _json_kind(value)
    if not isinstance(value, list):
        return _json_kind(value)
    return next((_json_kind(item) for item in value if item is not None and not isinstance(item, dict)), None)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "value")


def _near_top_level(key: str) -> str | None:
    lowered = key.lower()
    for known in TOP_LEVEL_KEYS:
        if lowered in (known, known.rstrip("s"), known + "s") or lowered.replace("-", "_") == known:
            return known
    return None


def _var_source_refs(config: Any) -> set[str]:
    """Var source names used as ((source:var)) anywhere in a config."""
    found: set[str] = set()
    stack = [config]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
            stack.extend(value.keys())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and "((" in value:
            for ref in re.findall(r"\(\(([^()\s]+)\)\)", value):
                source, colon, _ = ref.partition(":")
                if colon and '"' not in source and source:
                    found.add(source)
    return found


def _core_kind(step: Any) -> str | None:
    if isinstance(step, dict):
        for kind in CORE_STEPS:
            if kind in step:
                return kind
    return None


def iter_steps(step: Any, path: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    """Every step dict under `step` (itself, nested steps, hooks), depth first."""
    if not isinstance(step, dict):
        return
    yield step, path
    kind = _core_kind(step)
    for child, child_path in _sub_steps(step, kind, path):
        yield from iter_steps(child, child_path)
    for hook in HOOKS:
        if hook in step:
            yield from iter_steps(step[hook], path + (hook,))


def _sub_steps(step: dict[str, Any], kind: str | None, path: Path) -> Iterator[tuple[Any, Path]]:
    if kind == "try":
        yield step["try"], path + ("try",)
    elif kind == "do" or (kind is None and "aggregate" in step):  # aggregate: refused, but its steps count
        key = kind or "aggregate"
        for i, child in enumerate(_seq(step[key])):
            yield child, path + (key, i)
    elif kind == "in_parallel":
        value = step["in_parallel"]
        if isinstance(value, list):
            for i, child in enumerate(value):
                yield child, path + ("in_parallel", i)
        elif isinstance(value, dict):
            for i, child in enumerate(_seq(value.get("steps"))):
                yield child, path + ("in_parallel", "steps", i)


class _JobSteps:
    """atc.StepValidator for one job: visit order, get-name and local-var scopes."""

    def __init__(self, checker: _Checker, job: dict[str, Any], path: Path) -> None:
        self.c = checker
        self.job = job
        self.path = path
        self.seen_gets: set[str] = set()
        self.scopes: list[set[str]] = [set()]

    def run(self) -> None:
        for i, step in enumerate(_seq(self.job.get("plan"))):
            self.step(step, self.path + ("plan", i))
        for hook in HOOKS:
            if hook in self.job and self.job[hook] is not None:
                self.step(self.job[hook], self.path + (hook,))

    def step(self, step: Any, path: Path) -> None:
        if not isinstance(step, dict):
            return  # the schema reports the type
        kind = _core_kind(step)
        if kind is None:
            self._no_core_step(step, path)
            return
        self._unknown_fields(step, kind, path)
        if kind == "in_parallel" and step["in_parallel"] is None:
            # atc.InParallelConfig.UnmarshalJSON takes a list or a mapping, nothing else.
            self.c.report(path + ("in_parallel",), "step-fields",
                          "malformed in_parallel step: wrong type for parallel config: <nil> (give it a list of steps)",
                          key=True)
        if "across" in step:
            self._across(step, kind, path)
        else:
            self._core(step, kind, path)
        self._timeout(step, path)
        self._attempts(step, path)
        for hook in HOOKS:
            if hook in step and step[hook] is not None:
                self.step(step[hook], path + (hook,))

    def _no_core_step(self, step: dict[str, Any], path: Path) -> None:
        """atc.Step.UnmarshalJSON's two refusals: only modifiers, or no step key at all."""
        if any(key in step for key in STEP_MODIFIERS):
            self.c.report(path, "step-fields", "no core step type declared (e.g. get, put, task, etc.)")
        elif "aggregate" in step:
            self.c.report(path + ("aggregate",), "step-fields", "no step configured: the aggregate step was "
                          "removed in Concourse 7, and fly refuses it; use in_parallel", key=True)
            for i, child in enumerate(_seq(step["aggregate"])):  # checked as in_parallel's would be
                self.step(child, path + ("aggregate", i))
        else:
            self.c.report(path, "step-fields", "no step configured (no known step key such as get, put or task)")

    def _unknown_fields(self, step: dict[str, Any], kind: str, path: Path) -> None:
        allowed = (_ACROSS_STEP_FIELDS if "across" in step else _STEP_FIELDS)[kind]
        for key in step:
            if key not in allowed:
                self.c.report(path + (key,), "step-fields",
                              f"unknown field '{key}' in {kind} step" + _unknown_step_hint(key, kind), key=True)

    def _across(self, step: dict[str, Any], kind: str, path: Path) -> None:
        self.scopes.append(set())
        across = step["across"]
        if isinstance(across, list):
            if not across:
                self.c.report(path + ("across",), "across-config", "no vars specified")
            for i, var in enumerate(across):
                if not isinstance(var, dict):
                    continue
                if var.get("var") is None:  # Concourse declares the empty name (twice: repeated var name)
                    self.c.report(path + ("across", i), "across-unnamed-var", "across var without var: its "
                                  "values are bound to no name (Concourse runs it; a var: was probably meant)",
                                  severity="warning")
                    self._declare("", path + ("across", i))
                elif (name := _name(var.get("var"))) is not None:
                    self._declare(name, path + ("across", i, "var"))
                limit = var.get("max_in_flight")
                if isinstance(limit, int) and not isinstance(limit, bool) and limit <= 0:
                    self.c.report(path + ("across", i, "max_in_flight"), "across-config",
                                  "max_in_flight must be greater than 0")
        self._core(step, kind, path, in_across=True)
        self.scopes.pop()

    def _declare(self, name: str, path: Path) -> None:
        if name in self.scopes[-1]:
            self.c.report(path, "repeated-var-name", f"repeated var name '{name}'")
        elif any(name in scope for scope in self.scopes):
            self.c.report(path, "var-shadowed", f"shadows local var '{name}'", severity="warning")
        self.scopes[-1].add(name)

    def _timeout(self, step: dict[str, Any], path: Path) -> None:
        value = step.get("timeout")
        if isinstance(value, str) and not is_var(value) and not varsources.is_go_duration(value):
            self.c.report(path + ("timeout",), "invalid-duration", f"invalid duration '{value}'")

    def _attempts(self, step: dict[str, Any], path: Path) -> None:
        value = step.get("attempts", 1)
        if isinstance(value, int) and not isinstance(value, bool) and value <= 0:
            self.c.report(path + ("attempts",), "invalid-attempts", "attempts must be greater than 0")

    # -- core steps -----------------------------------------------------------------------------------
    def _core(self, step: dict[str, Any], kind: str, path: Path, *, in_across: bool = False) -> None:
        name_path = path + (kind,)
        if kind in ("get", "put", "task", "set_pipeline", "load_var") \
                and not (in_across and kind in ("task", "set_pipeline")):
            self.c.identifier(step[kind] if step[kind] is not None else "", name_path, f"{kind} step")
        if kind == "get":
            self._get(step, path)
        elif kind == "put":
            self._resource(step, "put", path)
        elif kind == "run":
            self._run(step, path)
        elif kind == "task":
            self._task(step, path)
        elif kind in ("set_pipeline", "load_var"):
            if _name(step.get("file")) in (None, "") and not is_var(step.get("file")):
                self.c.report(name_path, "missing-file", f"{kind} step: no file specified")
            if kind == "load_var" and (var := _name(step["load_var"])) is not None:
                self._declare(var, name_path)
        for child, child_path in _sub_steps(step, kind, path):
            self.step(child, child_path)

    def _resource(self, step: dict[str, Any], kind: str, path: Path) -> str | None:
        target_key = "resource" if step.get("resource") not in (None, "") else kind
        resource = _name(step.get(target_key))
        if resource is not None and resource not in self.c.resource_names:
            self.c.report(path + (target_key,), "unknown-resource",
                          f"unknown resource '{resource}'{_did_you_mean(resource, self.c.resource_names)}")
        return resource

    def _get(self, step: dict[str, Any], path: Path) -> None:
        name = _name(step["get"])
        if name is not None:
            if name in self.seen_gets:
                self.c.report(path + ("get",), "repeated-get-name",
                              f"repeated name: get '{name}' appears more than once in this job")
            self.seen_gets.add(name)
        resource = self._resource(step, "get", path)
        if resource is None:
            return
        for i, pattern in enumerate(_seq(step.get("passed"))):
            if not isinstance(pattern, str) or is_var(pattern):
                continue
            regex = path_matcher(pattern)
            matched = sorted(j for j in self.c.job_names if regex is not None and regex.match(j))
            if not matched:
                hint = _did_you_mean(pattern, self.c.job_names) if isinstance(regex, _Exactly) else ""
                self.c.report(path + ("passed", i), "passed-unknown-job", f"no matching job(s) for '{pattern}'{hint}")
            for job in matched:
                if not self.c.job_touches(job, resource):
                    self.c.report(path + ("passed", i), "passed-no-interaction",
                                  f"job '{job}' does not interact with resource '{resource}'")

    def _run(self, step: dict[str, Any], path: Path) -> None:
        message = _name(step["run"])
        if message is not None:
            problem = "identifier cannot be an empty string" if message == "" else identifier_problem(message)
            if problem:
                self.c.report(path + ("run",), "run-identifier", f"run step: {problem}")
        prototype = _name(step.get("type"))
        if prototype is not None and prototype not in self.c.prototype_names:
            self.c.report(path + ("type",) if "type" in step else path + ("run",), "unknown-prototype",
                          f"unknown prototype '{prototype}'")

    def _task(self, step: dict[str, Any], path: Path) -> None:
        has_file = step.get("file") not in (None, "")
        config = step.get("config")
        has_config = config is not None
        if not has_file and not has_config:
            self.c.report(path + ("task",), "task-config", "task step: must specify either `file:` or `config:`")
        elif has_file and has_config:
            self.c.report(path + ("config",), "task-config",
                          "task step: must specify one of `file:` or `config:`, not both", key=True)
        if step.get("hermetic") is True:
            self.c.report(path + ("hermetic",), "task-hermetic",
                          "`hermetic:` only works against worker containerd runtime", severity="warning", key=True)
        if not isinstance(config, dict):
            return
        if step.get("image") not in (None, "") and (config.get("rootfs_uri") or config.get("image_resource")):
            self.c.report(path + ("image",), "task-image-override",
                          "specifies image: on the step but also specifies an image under config: - "
                          "the image: on the step takes precedence", severity="warning", key=True)
        self._task_config(config, path + ("config",))

    def _task_config(self, config: dict[str, Any], path: Path) -> None:
        for key in config:
            if key not in TASK_CONFIG_FIELDS:
                self.c.report(path + (key,), "task-config", f"unknown field '{key}' in task config", key=True)
        if _name(config.get("platform")) in (None, "") and not is_var(config.get("platform")):
            self.c.report(path, "task-config", "task config: missing 'platform'")
        for section in ("inputs", "outputs"):
            for i, item in enumerate(_seq(config.get(section))):
                if isinstance(item, dict) and _name(item.get("name")) in (None, "") and not is_var(item.get("name")):
                    self.c.report(path + (section, i), "task-config",
                                  f"task config: {section[:-1]} in position {i} is missing a name")


def _unknown_step_hint(key: str, kind: str) -> str:
    if key in CORE_STEPS:
        return f" (a step has one type; '{kind}' takes precedence)"
    if key == "fail_fast":
        return " (fail_fast belongs with across: or inside in_parallel:)"
    return ""


def check(doc: Document, *, strict: bool = False) -> list[Diagnostic]:
    """All structural diagnostics of a loaded pipeline."""
    try:
        return _Checker(doc, strict).run()
    except RecursionError:  # steps nested past Python's stack: say so where nesting is deepest
        return [nesting_diagnostic(doc.filename, doc.root)] if doc.root is not None else []
