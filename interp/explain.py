"""Why a reference resolves (or does not): every candidate secret id and what the store says about it.

For each default-source reference, `explain_references` reports:

- a static var (`-v/-y/-l`) that answers first: the store is not consulted,
  exactly as in a render;
- otherwise every candidate id of the lookup plan, in order (pipeline, team,
  shared), each one found / not found / denied (AWS error code) / error
  (another AWS error code) / skipped by the cross-team guard (with the reason);
  a "not found" that Secrets Manager still holds, scheduled for deletion, says
  so with its deletion date and the command that restores it (DescribeSecret,
  asked only for the ids a lookup did not find; metadata, never a value);
- which candidate wins, and for the later ones that exist or fail, that a
  render would not look them up (only a missing secret falls through);
- for a found secret, its shape: a JSON object with its top-level keys, or a
  plaintext SecretString, or an undecodable SecretBinary; and whether the
  reference's field path resolves in the winner.

SSM Parameter Store answers a candidate with two calls, as Concourse's `Ssm.Get`
does: by name (GetParameter), then, only when the name is not found, by path
(GetParametersByPath: the parameters below it, as a map). For SSM each candidate
says which call answered (a string by name, or a map by path with the names in
it), each call's answer, and for a denied call the next step: the IAM action on
the ARN it needs, or kms:Decrypt when the SecureString's KMS key was the one
that refused. SSM has no pending deletion, so nothing about restoring is said.

A candidate KMS refused, in either store (`interp.environment.kms_refusal`, as render
and health recognise it), is marked so, with the next step: kms:Decrypt on the key
through the store; the key from AWS's message, else from the store's metadata.

Unlike a render, which stops at the first candidate that exists, explain asks
the transport for EVERY candidate id, so it can say which ones exist. The
winning outcome itself is computed by `secretsmanager.settle`, the render's own
rule, so explain and render cannot disagree.

Nothing here ever carries a value into a report: not a value, not a length,
not a type of a secret string. Keys of a JSON object secret are shown (they
are names, like the var names that ask for them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from interp.errors import ExitCode, Location
from interp.lookup import LookupPlan
from interp.reference import Reference
from interp.sources.base import Failed, Found, NotFound
from interp.sources.secretsmanager import (
    NOT_FOUND,
    FetchError,
    FetchResult,
    SecretValue,
    TemplatedSource,
    Transport,
    decode_secret_value,
    settle,
)

DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"})
_LEVEL_ORDER = {"pipeline": 0, "team": 1, "shared": 2}

CandidateStatus = Literal["found", "not_found", "denied", "error", "skipped"]
ReferenceStatus = Literal["resolves", "unresolved", "failed"]


@dataclass
class SecretShape:
    """What a found secret looks like, without its value."""

    json_key: ClassVar[str] = "secret"
    format: Literal["json_object", "plaintext", "undecodable", "missing_stage"]
    stored_as: Literal["SecretString", "SecretBinary"]
    keys: tuple[str, ...] = ()  # top-level keys of a JSON object, sorted
    problem: str = ""  # why an undecodable secret cannot be used

    def describe(self) -> str:
        if self.format == "json_object":
            keys = ", ".join(self.keys) if self.keys else "(none)"
            return f"JSON object in {self.stored_as}, keys: {keys}"
        if self.format == "plaintext":
            return "plaintext SecretString (not a JSON object: no fields)"
        if self.format == "missing_stage":
            return f"exists, but {self.problem}"
        return f"undecodable {self.stored_as}: {self.problem}"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format": self.format, "stored_as": self.stored_as}
        if self.format == "json_object":
            data["keys"] = list(self.keys)
        if self.problem:
            data["problem"] = self.problem
        return data


@dataclass
class ParameterShape:
    """What an SSM candidate answered, without a value: a string by name, or by path a map
    whose keys are the parameters' names below it (names, like the var names that ask)."""

    json_key: ClassVar[str] = "parameter"

    format: Literal["string", "map"]
    names: tuple[str, ...] = ()  # a map's keys, sorted

    def describe(self) -> str:
        if self.format == "string":
            return "a string"
        return f"a map of {len(self.names)} parameter(s): {', '.join(self.names)}"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format": self.format}
        if self.format == "map":
            data["names"] = list(self.names)
        return data


@dataclass(frozen=True)
class CallAnswer:
    """One SSM call made for a candidate and what it answered (never a value)."""

    action: Literal["GetParameter", "GetParametersByPath"]
    answer: str  # "found", "not found", or the error code
    path: str = ""  # GetParametersByPath's Path

    @property
    def call(self) -> str:
        return f"{self.action} {self.path}" if self.path else self.action

    def describe(self) -> str:
        return f"{self.call}: {self.answer}"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"action": self.action}
        if self.path:
            data["path"] = self.path
        data["answer"] = self.answer
        return data


@dataclass
class CandidateReport:
    id: str
    level: str
    status: CandidateStatus
    code: str = ""  # the AWS error code of denied / error
    message: str = ""  # AWS's message (names ids and actions, never values)
    reason: str = ""  # why the guard skipped it
    shape: SecretShape | ParameterShape | None = None
    wins: bool = False
    reached: bool = True  # would a render look this id up?
    note: str = ""  # why a render would not look it up
    deletion_date: str = ""  # a not-found id Secrets Manager holds, scheduled for deletion (ISO date)
    # SSM: the calls made for it, in order, and which one found it ("name", "path", "" for none).
    calls: tuple[CallAnswer, ...] = ()
    found_by: Literal["name", "path", ""] = ""
    next_step: str = ""  # for a denied call: what to grant
    kms: bool = False  # the failure is KMS refusing to decrypt, not the store's policy

    @property
    def restore_command(self) -> str:
        return f"aws secretsmanager restore-secret --secret-id {self.id}"

    def describe(self) -> str:
        if self.calls:
            text = self._describe_calls()
        elif self.status == "found":
            text = f"found: {self.shape.describe() if self.shape else 'a secret'}"
        elif self.status == "not_found" and self.deletion_date:
            text = f"not found: scheduled for deletion on {self.deletion_date}; restore: {self.restore_command}"
        elif self.status == "not_found":
            text = "not found"
        elif self.status == "denied":
            text = f"denied: {self.code}" + (" (KMS refused to decrypt: the key, not the secret's policy)" if self.kms else "")
        elif self.status == "error":
            text = f"error: {self.code}" + (f": {self.message}" if self.message else "")
            text += " (KMS refused to decrypt)" if self.kms else ""
        else:
            text = f"skipped by the cross-team guard: {self.reason}"
        if self.wins:
            text += "  <- wins"
        elif self.status in ("denied", "error") and self.reached:
            text += "  <- fails the lookup (only a missing secret falls through)"
        if self.note:
            text += f"  ({self.note})"
        return text

    def _describe_calls(self) -> str:
        """SSM: which call answered (by name or by path), or which call failed, after what."""
        last = self.calls[-1]
        if self.status == "found":
            how = "by name" if self.found_by == "name" else "by path"
            return f"found {how} ({last.call}): {self.shape.describe() if self.shape else 'a value'}"
        if self.status == "not_found":
            return f"not found ({'; '.join(call.describe() for call in self.calls)})"
        kind = "denied" if self.status == "denied" else "error"
        text = f"{kind}: {last.describe()}"
        if self.status == "error" and self.message:
            text += f": {self.message}"
        if self.kms:
            text += " (KMS refused to decrypt)"
        if len(self.calls) > 1:
            text += f" (after {self.calls[0].describe()})"
        return text

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "level": self.level, "status": self.status}
        if self.code:
            data["code"] = self.code
        if self.message:
            data["message"] = self.message
        if self.reason:
            data["reason"] = self.reason
        if self.calls:
            data["calls"] = [call.as_json() for call in self.calls]
            data["found_by"] = self.found_by or None
        if self.shape is not None:
            data[self.shape.json_key] = self.shape.as_json()
        if self.kms:
            data["kms_refusal"] = True
        if self.next_step:
            data["next_step"] = self.next_step
        if self.deletion_date:
            data["scheduled_for_deletion"] = {"deletion_date": self.deletion_date, "restore": self.restore_command}
        data["looked_up_by_render"] = self.reached
        data["wins"] = self.wins
        if self.note:
            data["note"] = self.note
        return data


@dataclass
class ReferenceReport:
    reference: Reference
    locations: list[Location]
    answered_by: Literal["static var", "secret", "nothing"]
    candidates: list[CandidateReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. the pipeline level skipped without a pipeline
    winner: str | None = None
    fields_resolve: bool | None = None  # None: no fields asked, or nothing found
    status: ReferenceStatus = "resolves"
    problem: str = ""

    def as_json(self) -> dict[str, Any]:
        reference = self.reference
        data: dict[str, Any] = {
            "name": reference.canonical,
            "path": reference.path,
            "fields": list(reference.fields),
            "locations": [{"file": loc.file, "line": loc.line, "column": loc.column} for loc in self.locations],
            "answered_by": self.answered_by,
            "candidates": [c.as_json() for c in self.candidates],
            "winner": self.winner,
        }
        if self.notes:
            data["notes"] = list(self.notes)
        if reference.fields:
            data["field_path"] = {"fields": list(reference.fields), "resolves": self.fields_resolve}
        data["status"] = self.status
        if self.problem:
            data["problem"] = self.problem
        return data


@dataclass
class Explanation:
    team: str
    pipeline: str | None
    store: str
    references: list[ReferenceReport]
    hidden_resolving: int = 0  # references that resolve, left out by `explain --failing`

    def only_failing(self) -> None:
        """Keep only the references that do not resolve; the summary still counts them all."""
        kept = [r for r in self.references if r.status != "resolves"]
        self.hidden_resolving += len(self.references) - len(kept)
        self.references = kept

    @property
    def exit_code(self) -> ExitCode:
        """3 if the backend failed for a reference, else 1 if one does not resolve, else 0."""
        if any(r.status == "failed" for r in self.references):
            return ExitCode.BACKEND
        if any(r.status == "unresolved" for r in self.references):
            return ExitCode.BAD_INPUT
        return ExitCode.OK

    def as_json(self) -> dict[str, Any]:
        counts = {status: sum(r.status == status for r in self.references) for status in ("resolves", "unresolved", "failed")}
        counts["resolves"] += self.hidden_resolving
        return {
            "team": self.team,
            "pipeline": self.pipeline,
            "store": self.store,
            "references": [r.as_json() for r in self.references],
            "summary": {"references": len(self.references) + self.hidden_resolving, **counts},
        }


# ---------------------------------------------------------------------------


def fetch_every(transport: Transport, ids: Sequence[str]) -> dict[str, FetchResult]:
    """Ask the transport for every id; an id it leaves unanswered is asked again only when it
    switched mode meanwhile (BatchGetSecretValue denied -> GetSecretValue), else is an error."""
    answers: dict[str, FetchResult] = {}
    wanted = list(dict.fromkeys(ids))
    while wanted:
        mode = transport.speculative
        got = transport.fetch(wanted)
        answers.update((i, got[i]) for i in wanted if i in got)
        wanted = [i for i in wanted if i not in got]
        if wanted and transport.speculative == mode:
            answers.update((i, FetchError("NoAnswer", "the secret store gave no answer")) for i in wanted)
            break
    return answers


def scheduled_deletions(source: TemplatedSource, ids: Sequence[str]) -> dict[str, str]:
    """For ids a lookup did not find: those Secrets Manager holds scheduled for deletion, with
    the deletion date (ISO). DescribeSecret, metadata only; an id it cannot describe (absent,
    denied, any error) is left out. Only a Secrets Manager source is asked."""
    from concurrent.futures import ThreadPoolExecutor

    from interp.sources.secretsmanager import SecretsManagerSource

    if not ids or not isinstance(source, SecretsManagerSource):
        return {}
    try:
        client = source.client
    except Exception:  # noqa: BLE001 - no client, no extra facts: the lookups already said what failed
        return {}

    def deletion_date(secret_id: str) -> str:
        try:
            response = client.describe_secret(SecretId=secret_id)
        except Exception:  # noqa: BLE001 - absent, denied or failing: nothing more to say
            return ""
        deleted = response.get("DeletedDate") if isinstance(response, Mapping) else None
        return deleted.date().isoformat() if hasattr(deleted, "date") else ""

    wanted = list(dict.fromkeys(ids))
    with ThreadPoolExecutor(max_workers=min(8, len(wanted))) as pool:
        dates = list(pool.map(deletion_date, wanted))
    return {secret_id: date for secret_id, date in zip(wanted, dates) if date}


# --------------------------------------------------------------------------- SSM


@dataclass(frozen=True)
class SsmAnswer:
    """What Concourse's two calls answered for one SSM candidate: by name, and (only when
    the name was not found) by path."""

    by_name: FetchResult
    by_path: FetchResult | None = None

    @property
    def result(self) -> FetchResult:
        """The candidate's answer, as the lookup (and `settle`) takes it."""
        return self.by_path if self.by_path is not None else self.by_name


def reads_ssm(source: TemplatedSource) -> bool:
    """Whether `source` reads SSM Parameter Store (not a secrets file under SSM's templates)."""
    from interp.sources.ssm import SsmSource

    return isinstance(source, SsmSource)


def ssm_answers(source: Any, ids: Sequence[str]) -> dict[str, SsmAnswer]:
    """Every id as a render reads it (by name at the API floor, then by path for the names not
    found), keeping the by-path answers apart so explain can say which call answered."""
    from interp.sources.ssm_api import ParameterMap

    transport = _by_path_recorder(source)
    answers = fetch_every(transport, ids)
    by_path = transport.by_path_answers
    # The transport reads by path exactly the ids not found by name, so the record says both;
    # a map is a by-path answer whatever the record says.
    return {
        i: SsmAnswer(NOT_FOUND, answer) if i in by_path or isinstance(answer, ParameterMap) else SsmAnswer(answer)
        for i, answer in answers.items()
    }


def _by_path_recorder(source: Any) -> Any:
    """The source's SSM transport, recording what each GetParametersByPath read answered."""
    import threading

    from interp.sources.ssm_api import SsmTransport

    class ByPathRecorder(SsmTransport):
        def __init__(self, client: Any, **options: Any) -> None:
            super().__init__(client, **options)
            self.by_path_answers: dict[str, FetchResult] = {}
            self._record_lock = threading.Lock()

        def get_by_path(self, name: str) -> FetchResult:
            answer = super().get_by_path(name)
            with self._record_lock:
                self.by_path_answers[name] = answer
            return answer

    settings = source.settings
    return ByPathRecorder(source.client, batch_enabled=settings.batch_enabled, max_workers=settings.max_workers)


def _word(answer: FetchResult) -> str:
    if answer is NOT_FOUND:
        return "not found"
    if isinstance(answer, FetchError):
        return answer.code
    return "found"


def ssm_calls(candidate_id: str, answer: SsmAnswer) -> tuple[tuple[CallAnswer, ...], Literal["name", "path", ""]]:
    """The calls made for a candidate, and which one found it."""
    from interp.sources.ssm_api import by_path_query

    calls = [CallAnswer("GetParameter", _word(answer.by_name))]
    if answer.by_path is not None:
        calls.append(CallAnswer("GetParametersByPath", _word(answer.by_path), path=by_path_query(candidate_id)))
    found_by: Literal["name", "path", ""] = ""
    if _word(answer.result) == "found":
        found_by = "path" if answer.by_path is not None else "name"
    return tuple(calls), found_by


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def parameter_arn(name: str, region: str | None, account: str | None) -> str:
    """The ARN IAM checks for a parameter name or a GetParametersByPath path (`*` for what is
    not known); an id that is an ARN already is its own."""
    if name.startswith("arn:"):
        return name
    region = region or "*"
    partition = _partition(region) if region != "*" else "aws"
    return f"arn:{partition}:ssm:{region}:{account or '*'}:parameter/{name.lstrip('/')}"


class KmsNextSteps:
    """The next step for a candidate KMS refused (`interp.environment.kms_refusal`, as render
    and health recognise it): kms:Decrypt on the key through the store. The key is AWS's
    message's, else the store's metadata (DescribeSecret's KmsKeyId, DescribeParameters'
    KeyId), asked only then."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self._facts: Any = None

    def facts(self) -> Any:
        from interp.environment import EnvironmentFacts

        if self._facts is None:
            try:
                self._facts = self.source.environment_facts(resolve_credentials=False)
            except Exception:  # noqa: BLE001 - a hint only: the lookups already said what failed
                settings = self.source.settings
                self._facts = EnvironmentFacts(
                    region=getattr(settings, "region", None), team=self.source.team, pipeline=self.source.pipeline,
                    store=getattr(settings, "SERVICE", "secretsmanager"),
                )  # fmt: skip
        return self._facts

    def for_candidate(self, candidate_id: str, failed: FetchResult, key_of: Any = None) -> str:
        """'' unless KMS refused; `key_of()`: the candidate's key from the store's metadata."""
        from interp.environment import kms_next_step, kms_refusal

        if not isinstance(failed, FetchError):
            return ""
        refusal = kms_refusal(failed.code, failed.message)
        if refusal is None:
            return ""
        key = refusal.key or (key_of() if key_of is not None else None) or self._secret_key(candidate_id)
        return kms_next_step(refusal, self.facts(), candidate_id, key)

    def _secret_key(self, secret_id: str) -> str | None:
        """A secret's KMS key (DescribeSecret: metadata, no KMS involved); None for the
        AWS-managed key (KmsKeyId absent), for SSM, or when it may not be asked."""
        from interp.sources.secretsmanager import SecretsManagerSource

        if not isinstance(self.source, SecretsManagerSource):
            return None
        try:
            response = self.source.client.describe_secret(SecretId=secret_id)
        except Exception:  # noqa: BLE001 - a hint only
            return None
        key = response.get("KmsKeyId") if isinstance(response, Mapping) else None
        return key if isinstance(key, str) and key else None


class SsmNextSteps:
    """The next step for a denied SSM call: the action on the ARN it needs, or kms:Decrypt on
    the SecureString's key when KMS refused. Region and account are asked once, when needed."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.kms = KmsNextSteps(source)
        self._where: tuple[str | None, str | None] | None = None

    def _region_and_account(self) -> tuple[str | None, str | None]:
        if self._where is None:
            try:
                client = self.source.client
                region = getattr(getattr(client, "meta", None), "region_name", None) or self.source.settings.region
                identity = self.source.caller_identity()
            except Exception:  # noqa: BLE001 - a hint only: the lookups already said what failed
                region, identity = getattr(self.source.settings, "region", None), None
            self._where = (region, identity[1] if identity else None)
        return self._where

    def for_candidate(self, candidate_id: str, calls: Sequence[CallAnswer], answer: SsmAnswer) -> str:
        failed = answer.result
        call = calls[-1]
        kms = self.kms.for_candidate(candidate_id, failed, lambda: self._key_of(candidate_id, call))
        if kms:
            return f"{kms} ({call.action} reads the SecureString decrypted)"
        if not isinstance(failed, FetchError) or failed.code not in DENIED_CODES:
            if isinstance(failed, FetchError) and "Throttl" in failed.code:
                return "retry later, or raise --secret-retry-attempts: SSM's default request rate is low"
            return ""
        region, account = self._region_and_account()
        resource = call.path if call.action == "GetParametersByPath" else candidate_id
        return f"allow ssm:{call.action} on {parameter_arn(resource, region, account)}"

    def _key_of(self, candidate_id: str, call: CallAnswer) -> str | None:
        """The SecureString's KMS key by DescribeParameters (metadata), when it may be asked."""
        if call.action == "GetParameter" and not candidate_id.startswith("arn:"):
            from interp.sources.ssm_api import describe_parameters

            try:
                listed = describe_parameters(self.source.client, [candidate_id])
            except Exception:  # noqa: BLE001 - a hint only
                listed = []
            for parameter in listed if isinstance(listed, list) else ():
                if parameter.name == candidate_id and parameter.key_id:
                    return str(parameter.key_id)
        return None


def secret_shape(value: SecretValue) -> SecretShape:
    stored_as: Literal["SecretString", "SecretBinary"] = "SecretString" if value.string is not None else "SecretBinary"
    try:
        decoded = decode_secret_value(value)
    except Exception as problem:  # noqa: BLE001 - the module's private "undecodable" error; its text has no value
        return SecretShape("undecodable", stored_as, problem=str(problem))
    if isinstance(decoded, Mapping):
        return SecretShape("json_object", stored_as, keys=tuple(sorted(str(k) for k in decoded)))
    return SecretShape("plaintext", stored_as)


def value_shape(value: Any) -> SecretShape | ParameterShape:
    """A found value's shape, as its store holds it."""
    from interp.sources.secretsmanager_api import MissingStage
    from interp.sources.ssm_api import ParameterMap, ParameterValue

    if isinstance(value, MissingStage):  # --version-stage: the secret exists without that stage
        return SecretShape("missing_stage", "SecretString", problem=value.problem)
    if isinstance(value, ParameterValue):
        return ParameterShape("string")
    if isinstance(value, ParameterMap):
        return ParameterShape("map", names=tuple(sorted(value.values)))
    return secret_shape(value)


def check_fields(value: Any, reference: Reference) -> str:
    """'' when the reference's field path resolves in `value`, else the render's message (no value)."""
    from interp.values import field_problem

    return field_problem(value, reference)


def _candidate_reports(
    plan: LookupPlan, answers: Mapping[str, FetchResult], deletions: Mapping[str, str]
) -> tuple[list[CandidateReport], str | None]:
    reports: list[CandidateReport] = []
    winner: str | None = None
    stopped_by: str | None = None  # "exists" or "failed": why later candidates are not looked up
    for candidate in plan.candidates:
        answer = answers.get(candidate.id, FetchError("NoAnswer", "the secret store gave no answer"))
        report = CandidateReport(candidate.id, candidate.level, "not_found", reached=stopped_by is None)
        if stopped_by is not None:
            report.note = (
                "a render would not look it up: an earlier candidate exists"
                if stopped_by == "exists"
                else "a render would not look it up: an earlier candidate failed"
            )
        if isinstance(answer, FetchError):
            from interp.environment import kms_refusal

            report.status = "denied" if answer.code in DENIED_CODES else "error"
            report.code, report.message = answer.code, answer.message
            report.kms = kms_refusal(answer.code, answer.message) is not None
            stopped_by = stopped_by or "failed"
        elif answer is NOT_FOUND:
            report.deletion_date = deletions.get(candidate.id, "")
        else:
            report.status = "found"
            report.shape = value_shape(answer)
            if stopped_by is None:
                report.wins = True
                winner = candidate.id
            stopped_by = stopped_by or "exists"
        reports.append(report)
    for skipped in plan.skipped:
        reports.append(CandidateReport(skipped.id, skipped.level, "skipped", reason=skipped.reason, reached=False))
    reports.sort(key=lambda r: _LEVEL_ORDER.get(r.level, 3))
    return reports, winner


def explain_references(
    references: Sequence[tuple[Reference, Sequence[Location]]],
    *,
    static: Mapping[str, Any],
    source: TemplatedSource,
    store: str,
) -> Explanation:
    """Explain default-source references: static vars first, then every candidate of `source`."""
    from interp.static_vars import StaticVars

    paths = list(dict.fromkeys(reference.path for reference, _ in references))
    static_answers = StaticVars(static).resolve(paths)
    plans = {path: source.plan(path) for path in paths if not isinstance(static_answers[path], Found)}
    ids = [candidate.id for plan in plans.values() for candidate in plan.candidates]
    ssm: dict[str, SsmAnswer] = {}
    if reads_ssm(source):  # no pending deletion in SSM: nothing to describe
        ssm = ssm_answers(source, ids) if ids else {}
        answers = {i: answer.result for i, answer in ssm.items()}
        deletions: dict[str, str] = {}
    else:
        answers = fetch_every(source.transport(), ids) if ids else {}
        deletions = scheduled_deletions(source, [i for i in ids if answers.get(i) is NOT_FOUND])
    next_steps = SsmNextSteps(source) if ssm else None
    kms_steps = KmsNextSteps(source)
    no_pipeline = source.pipeline is None and source.templates.pipeline.uses_pipeline

    reports = []
    for reference, locations in references:
        report = ReferenceReport(reference, list(locations), "nothing")
        static_answer = static_answers[reference.path]
        if isinstance(static_answer, Found):
            report.answered_by = "static var"
            report.notes.append("a static var (-v/-y/-l) answers first; the secret store is not consulted")
            _judge_value(report, static_answer.value)
            reports.append(report)
            continue
        plan = plans[reference.path]
        report.candidates, report.winner = _candidate_reports(plan, answers, deletions)
        for candidate in report.candidates:
            if candidate.id in ssm and candidate.status != "skipped":
                candidate.calls, candidate.found_by = ssm_calls(candidate.id, ssm[candidate.id])
                if candidate.status in ("denied", "error") and next_steps is not None:
                    candidate.next_step = next_steps.for_candidate(candidate.id, candidate.calls, ssm[candidate.id])
            elif candidate.status in ("denied", "error") and not ssm:
                candidate.next_step = kms_steps.for_candidate(candidate.id, answers.get(candidate.id, NOT_FOUND))
        if no_pipeline:
            report.notes.append("no pipeline given: the pipeline level is not searched (a one-off task)")
        outcome = settle(plan, answers, "parameter" if ssm else "secret")
        if isinstance(outcome, Found):
            report.answered_by = "secret"
            _judge_value(report, outcome.value)
        elif isinstance(outcome, Failed):
            report.answered_by = "secret" if not outcome.backend else "nothing"
            report.status = "failed" if outcome.backend else "unresolved"
            report.problem = f"var {reference.canonical}: {outcome.message}"
            failing = next((c for c in report.candidates if c.reached and c.status in ("denied", "error")), None)
            if failing is not None and failing.next_step:
                report.problem += f"; next: {failing.next_step}"
        else:
            tried = outcome.tried if isinstance(outcome, NotFound) else ()
            report.status = "unresolved"
            report.problem = f"undefined var: {reference.canonical}" + (f" (looked up: {', '.join(tried)})" if tried else "")
            for candidate in report.candidates:
                if candidate.deletion_date and candidate.reached:
                    report.problem += (
                        f"; {candidate.id} is scheduled for deletion on {candidate.deletion_date}:"
                        f" restore it with `{candidate.restore_command}`"
                    )
        reports.append(report)
    return Explanation(team=source.team, pipeline=source.pipeline, store=store, references=reports)


def _judge_value(report: ReferenceReport, value: Any) -> None:
    problem = check_fields(value, report.reference)
    if report.reference.fields:
        report.fields_resolve = problem == ""
    if problem:
        report.status = "unresolved"
        report.problem = problem


# ---------------------------------------------------------------------------


def format_text(explanation: Explanation) -> str:
    scope = f"team {explanation.team}, " + (
        f"pipeline {explanation.pipeline}" if explanation.pipeline is not None else "no pipeline (one-off)"
    )
    lines = [f"{scope}; secrets from {explanation.store}", ""]
    for report in explanation.references:
        places = ", ".join(str(loc) for loc in report.locations) or "(named on the command line)"
        lines.append(f"(({report.reference.canonical}))  {places}")
        if report.answered_by == "static var":
            lines.append("  static var: answers first; the secret store is not consulted")
        else:
            width = max((len(c.id) for c in report.candidates), default=0)
            for number, candidate in enumerate(report.candidates, 1):
                lines.append(f"  {number}. {candidate.level:<8} {candidate.id:<{width}}  {candidate.describe()}")
            if not report.candidates:
                lines.append("  no candidate id to look up")
        lines += [f"  note: {note}" for note in report.notes if not note.startswith("a static var")]
        if report.reference.fields and report.fields_resolve is not None:
            field_path = ".".join(report.reference.fields)
            lines.append(f"  field {field_path}: {'resolves' if report.fields_resolve else 'does not resolve'}")
        if report.status == "resolves":
            origin = "static vars" if report.answered_by == "static var" else report.winner
            lines.append(f"  => resolves from {origin}")
        else:
            verdict = "fails" if report.status == "failed" else "does not resolve"
            lines.append(f"  => {verdict}: {report.problem}")
        lines.append("")
    summary = explanation.as_json()["summary"]
    lines.append(
        f"{summary['references']} reference(s): {summary['resolves']} resolve"
        f"{' (not shown: --failing)' if explanation.hidden_resolving else ''}, "
        f"{summary['unresolved']} do not, {summary['failed']} failed in the backend"
    )
    return "\n".join(lines) + "\n"
