"""What HyP3 answers, as typed values: job records, the user, the cost table, and job requests.

Records keep the dict HyP3 sent (``raw``) so nothing the server adds is lost when state stores it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from insarproj.errors import ProviderError
from insarproj.hyp3.errors import SERVICE, UnpricedJobError
from insarproj.hyp3spec import job_types, load_job_spec

__all__ = [
    "APPROVED",
    "STATUS_CODES",
    "CostTable",
    "JobRecord",
    "JobRequest",
    "ProductFile",
    "UserInfo",
]

STATUS_CODES: tuple[str, ...] = ("PENDING", "RUNNING", "SUCCEEDED", "FAILED")
APPROVED = "APPROVED"


def _utc(value: datetime | None) -> datetime | None:
    # HyP3 always sends "+00:00"; a naive time from a stand-in server is read as UTC, as hyp3_sdk does.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("pass an aware datetime (e.g. datetime.now(timezone.utc)), not a naive one")


def _describe_validation(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"`{where}`: {first['msg']}"


class ProductFile(BaseModel):
    """One downloadable file of a job (for INSAR jobs: the product zip)."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    filename: str
    url: str
    size: int = Field(ge=0)
    s3: dict[str, str] | None = None


class JobRecord(BaseModel):
    """A HyP3 job as ``GET /jobs`` and ``POST /jobs`` return it."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    job_id: str
    job_type: str
    user_id: str
    status_code: str
    request_time: datetime
    name: str | None = None
    job_parameters: dict[str, Any] = Field(default_factory=dict)
    files: list[ProductFile] = Field(default_factory=list)
    expiration_time: datetime | None = None
    credit_cost: float | None = None
    logs: list[str] = Field(default_factory=list)
    browse_images: list[str] = Field(default_factory=list)
    thumbnail_images: list[str] = Field(default_factory=list)
    processing_times: list[Any] | None = None
    priority: int | None = None
    execution_started: bool | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @field_validator("request_time", "expiration_time")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return _utc(value)

    @field_validator("files", "logs", "browse_images", "thumbnail_images", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @classmethod
    def from_api(cls, data: Any) -> JobRecord:
        """Parse one job dict from HyP3; ProviderError naming the field when it cannot be read."""
        if not isinstance(data, Mapping):
            raise ProviderError(
                f"HyP3 returned a job that is not a JSON object: {str(data)[:80]}", service=SERVICE
            )
        try:
            return cls.model_validate({**data, "raw": dict(data)})
        except ValidationError as exc:
            job_id = data.get("job_id", "?")
            raise ProviderError(
                f"HyP3 returned job {job_id} in a form insarproj cannot read: {_describe_validation(exc)}",
                service=SERVICE,
                hint="check that INSARPROJ_HYP3_URL points at a HyP3 API",
            ) from exc

    def succeeded(self) -> bool:
        return self.status_code == "SUCCEEDED"

    def failed(self) -> bool:
        return self.status_code == "FAILED"

    def running(self) -> bool:
        """Still to finish: PENDING or RUNNING."""
        return self.status_code in ("PENDING", "RUNNING")

    def complete(self) -> bool:
        return self.succeeded() or self.failed()

    def expired(self, now: datetime) -> bool:
        """True once the products are gone from HyP3's bucket (expiry is at midnight UTC)."""
        _require_aware(now)
        return self.expiration_time is not None and now >= self.expiration_time

    def expires_within(self, now: datetime, delta: timedelta) -> bool:
        """True when the products expire before ``now + delta`` (already expired included)."""
        _require_aware(now)
        return self.expiration_time is not None and self.expiration_time <= now + delta

    def product_zip(self) -> ProductFile | None:
        """The product zip among ``files`` (INSAR jobs have exactly one), or None before success."""
        zips = [f for f in self.files if f.filename.endswith(".zip")]
        return zips[0] if len(zips) == 1 else None


class UserInfo(BaseModel):
    """``GET /user``: who the credentials belong to and what they may spend."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    user_id: str
    remaining_credits: float
    # Absent on deployments that predate access applications (hyp3_sdk's own fixture): no gate then.
    application_status: str | None = None
    credits_per_month: float | None = None
    job_names: list[str] = Field(default_factory=list)
    use_case: str | None = None

    @classmethod
    def from_api(cls, data: Any) -> UserInfo:
        if not isinstance(data, Mapping):
            raise ProviderError(
                f"HyP3's /user answer is not a JSON object: {str(data)[:80]}", service=SERVICE
            )
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise ProviderError(
                f"HyP3's /user answer cannot be read: {_describe_validation(exc)}", service=SERVICE
            ) from exc

    def approved(self) -> bool:
        """True when HyP3 will accept submissions from this account."""
        return self.application_status in (None, APPROVED)


def _cost_key(value: Any) -> str:
    # HyP3 keys the table by list length for granule lists, and by the integer string of an
    # integral number ("30", not "30.0"), as its render_costs does.
    if isinstance(value, list | tuple):
        return str(len(value))
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


class CostTable(BaseModel):
    """``GET /costs``: per job type either ``{"cost": c}`` or
    ``{"cost_parameters": [...], "cost_table": {...}}`` (nested one level per cost parameter)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    entries: dict[str, dict[str, Any]]
    source: str = "live"  # "live" (this deployment's /costs) or "bundled" (insarproj's snapshot)

    @classmethod
    def from_api(cls, data: Any, *, source: str = "live") -> CostTable:
        if not isinstance(data, Mapping) or not all(isinstance(v, Mapping) for v in data.values()):
            raise ProviderError(
                f"HyP3's /costs answer is not a table of job types: {str(data)[:80]}", service=SERVICE
            )
        for job_type, entry in data.items():
            if "cost" not in entry and not ("cost_parameters" in entry and "cost_table" in entry):
                raise ProviderError(
                    f"HyP3's /costs entry for {job_type} has neither `cost` "
                    "nor `cost_parameters` with `cost_table`",
                    service=SERVICE,
                )
        return cls(entries={k: dict(v) for k, v in data.items()}, source=source)

    @classmethod
    def bundled(cls) -> CostTable:
        """The production (EDC) table shipped with insarproj: a snapshot, to be labelled as such."""
        text = (
            resources.files("insarproj.data").joinpath("hyp3", "costs_EDC.json").read_text(encoding="utf-8")
        )
        return cls.from_api(json.loads(text), source="bundled")

    def job_types(self) -> list[str]:
        return sorted(self.entries)

    def cost(self, job_type: str, parameters: Mapping[str, Any]) -> float:
        """Credits one job costs; ``parameters`` are its job parameters, granule inputs included.

        Parameters left out take the job spec's default (as HyP3 fills them before pricing).

        Raises:
            UnpricedJobError: the table has no entry for the job type or for these parameter values.
        """
        entry = self.entries.get(job_type)
        if entry is None:
            raise UnpricedJobError(
                f"HyP3's cost table has no price for job type {job_type} "
                f"(priced types: {', '.join(self.job_types())})"
            )
        if "cost" in entry:
            return float(entry["cost"])
        values = {**_spec_defaults(job_type), **parameters}
        table: Any = entry["cost_table"]
        chosen: list[str] = []
        for name in entry["cost_parameters"]:
            if name not in values:
                raise UnpricedJobError(f"{job_type} jobs are priced by `{name}`, which the job does not set")
            key = _cost_key(values[name])
            chosen.append(f"{name}={key}")
            if not isinstance(table, Mapping) or key not in table:
                raise UnpricedJobError(
                    f"HyP3's cost table has no price for {job_type} with {', '.join(chosen)}"
                )
            table = table[key]
        if isinstance(table, Mapping):
            raise UnpricedJobError(f"HyP3's cost table for {job_type} needs more than {', '.join(chosen)}")
        return float(table)

    def total(self, jobs: Sequence[JobRequest]) -> float:
        """Credits a submission of ``jobs`` costs (HyP3 refuses it whole when this exceeds the balance)."""
        return sum(self.cost(job.job_type, job.job_parameters) for job in jobs)


def _spec_defaults(job_type: str) -> dict[str, Any]:
    return load_job_spec(job_type).defaults() if job_type in job_types() else {}


class JobRequest(BaseModel):
    """One new job, as it goes into ``POST /jobs``: build it with ``payloads.build_job_request``.

    Its identity (for adoption) is ``identity.identity_of_request``: identity depends on this
    module, never the other way round.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    job_type: str
    job_parameters: dict[str, Any]
    name: str | None = None

    def to_payload(self) -> dict[str, Any]:
        """The job's entry in the POST body: what hyp3_sdk's ``prepare_*_job`` builds."""
        payload: dict[str, Any] = {"job_type": self.job_type, "job_parameters": _plain(self.job_parameters)}
        if self.name is not None:
            payload["name"] = self.name
        return payload


def _plain(value: Any) -> Any:
    # Tuples (granule lists built by callers) become JSON lists; dicts are copied so callers
    # cannot mutate the frozen request through the payload.
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
