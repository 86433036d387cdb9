"""Concourse's lookup semantics over any transport: candidates in order, first that exists wins.

For each path the candidate ids come from `interp.lookup`; the first that
EXISTS wins, even if the engine's later field traversal fails. Only what the
store's transport answers as NOT_FOUND means "not here" (which errors those are
is the store's business); any other error fails that path and never falls
through to the next candidate. A transport may be asked for every candidate at
once (speculation); that never changes the answer, because `resolve_plans`
walks the answers in order.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Mapping, Sequence

from interp.lookup import (
    LookupPlan,
    LookupTemplates,
    plan_lookup,
    validate_scope,
)
from interp.sources.base import Failed, Found, NotFound, Outcome

from interp.sources.fetch_results import (
    NOT_FOUND,
    FetchError,
    FetchResult,
    StoredValue,
    Transport,
    UndecodableValue,
)

log = logging.getLogger(__name__)


SecretNotFound = NotFound  # its own class until NotFound carried the guard's skipped candidates


def _found_or_failed(secret_id: str, value: StoredValue, tried: tuple[str, ...], item: str = "secret") -> Outcome:
    try:
        return Found(value.decode(), origin=secret_id)
    except UndecodableValue as problem:
        return Failed(f"{item} {secret_id!r}: {problem}", tried=tried, code="InvalidSecretValue", backend=False)


def item_word(templates: LookupTemplates) -> str:
    """What the store holds, as its users say it: a secret, or (SSM) a parameter."""
    return "parameter" if templates.store == "ssm" else "secret"


def _failure(plan: LookupPlan, index: int, error: FetchError, item: str = "secret") -> Failed:
    secret_id = plan.candidates[index].id
    message = f"{item} {secret_id!r}: {error.code}"
    if error.message:
        message += f": {error.message}"
    later = plan.ids[index + 1 :]
    if later:
        # Concourse's rule, stated because "why wasn't the team secret used?" is the next question.
        message += f" (not trying {', '.join(repr(i) for i in later)}: only a missing {item} falls through)"
    return Failed(message, tried=plan.ids[: index + 1], code=error.code, backend=True)


def settle(plan: LookupPlan, answers: Mapping[str, FetchResult], item: str = "secret") -> Outcome | None:
    """The outcome of one path walking its candidates in order; None if an answer is still needed.
    `item` names what the store holds in messages (`item_word`)."""
    for index, candidate in enumerate(plan.candidates):
        answer = answers.get(candidate.id)
        if answer is None:
            return None
        if answer is NOT_FOUND:
            continue
        if isinstance(answer, FetchError):
            return _failure(plan, index, answer, item)
        return _found_or_failed(candidate.id, answer, plan.ids[: index + 1], item)  # type: ignore[arg-type]
    return NotFound(tried=plan.ids, skipped=plan.skipped)


def _ids_to_fetch(plans: Iterable[LookupPlan], answers: Mapping[str, FetchResult], speculative: bool) -> list[str]:
    wanted: dict[str, None] = {}  # ordered set: earlier levels first within a path
    for plan in plans:
        for candidate in plan.candidates:
            answer = answers.get(candidate.id)
            if answer is None:
                wanted.setdefault(candidate.id)
                if not speculative:
                    break
            elif answer is not NOT_FOUND:
                break  # found or failed: later candidates are never reached
    return list(wanted)


def resolve_plans(plans: Mapping[str, LookupPlan], transport: Transport, item: str = "secret") -> dict[str, Outcome]:
    """Resolve every path by its plan, each distinct id fetched at most once.

    A speculative transport is asked for all candidates in one round; otherwise
    round n asks only for the n-th candidate of paths still unresolved.
    """
    read_ahead = getattr(transport, "read_ahead", None)
    if read_ahead is not None:
        read_ahead(list(dict.fromkeys(candidate.id for plan in plans.values() for candidate in plan.candidates)))
        try:
            return _resolve_rounds(plans, transport, item)
        finally:
            read_ahead(())  # what no lookup reached is dropped: it must not answer a later read
    return _resolve_rounds(plans, transport, item)


def _resolve_rounds(plans: Mapping[str, LookupPlan], transport: Transport, item: str) -> dict[str, Outcome]:
    answers: dict[str, FetchResult] = {}
    outcomes: dict[str, Outcome] = {}
    pending = dict(plans)
    while pending:
        for path, plan in list(pending.items()):
            outcome = settle(plan, answers, item)
            if outcome is not None:
                outcomes[path] = outcome
                del pending[path]
        if not pending:
            break
        speculative = transport.speculative
        wanted = _ids_to_fetch(pending.values(), answers, speculative)
        got = transport.fetch(wanted)
        answers.update((i, got[i]) for i in wanted if i in got)
        unanswered = [i for i in wanted if i not in got]
        # A transport may skip ids only while switching mode (batch denied); otherwise it is a bug
        # in the transport, and looping again would not help.
        if unanswered and (not speculative or transport.speculative):
            answers.update((i, FetchError("NoAnswer", "the secret store gave no answer")) for i in unanswered)
    return {path: outcomes[path] for path in plans}


class TemplatedSource:
    """A Source applying the lookup templates, guard and decoding over any transport."""

    def __init__(self, team: str, pipeline: str | None, templates: LookupTemplates) -> None:
        validate_scope(team, pipeline)
        self.team = team
        self.pipeline = pipeline
        self.templates = templates
        self.guard_templates: tuple[LookupTemplates, ...] = ()

    def plan(self, path: str) -> LookupPlan:
        return plan_lookup(path, self.team, self.pipeline, self.templates, self.guard_templates)

    def for_pipeline(self, pipeline: str | None) -> TemplatedSource:
        """The same transport (client, batch mode, cache) scoped to another pipeline of the team."""
        validate_scope(self.team, pipeline)
        scoped = copy.copy(self)
        scoped.pipeline = pipeline
        return scoped

    def with_templates(self, templates: LookupTemplates) -> TemplatedSource:
        """The same transport (client, batch mode, cache) under other templates, as a pipeline's
        var_sources entry asks; the guard keeps protecting every namespace guarded so far."""
        derived = copy.copy(self)
        derived.templates = templates
        derived.guard_templates = (*self.guard_templates, self.templates)
        return derived

    def transport(self) -> Transport:
        raise NotImplementedError

    def known_names(self) -> list[str] | None:
        """Var names that exist in the team's and pipeline's namespaces, for "did you mean";
        None when the store cannot list (ListSecrets denied). Names only, and only those a
        lookup here could reach: a name the cross-team guard would skip is never offered."""
        lister = getattr(self.transport(), "list_ids", None)
        if lister is None:
            return None
        names: dict[str, None] = {}
        for prefix in self._namespace_prefixes():
            listed = lister(prefix)
            if listed is None:
                return None
            for secret_id in listed:
                name = secret_id[len(prefix) :]
                if name and secret_id.startswith(prefix) and secret_id in self.plan(name).ids:
                    names[name] = None
        return list(names)

    def _namespace_prefixes(self) -> list[str]:
        """The pipeline's and team's ids up to the var name (templates ending in {{.Secret}})."""
        prefixes = []
        for level, template in self.templates.ordered():
            if level == "shared" or (template.uses_pipeline and self.pipeline is None):
                continue
            marker = "\x00"
            expanded = template.expand(team=self.team, pipeline=self.pipeline, secret=marker)
            if expanded.count(marker) == 1 and expanded.endswith(marker):
                prefixes.append(expanded[: -len(marker)])
        return prefixes

    def resolve(self, paths: Sequence[str]) -> dict[str, Outcome]:
        plans = {path: self.plan(path) for path in dict.fromkeys(paths)}
        if not plans:
            return {}
        return resolve_plans(plans, self.transport(), item_word(self.templates))
