"""HyP3 API stand-in (docs/sandbox.md): jobs, credits, listing, lifecycle, products and faults.

Routes on the data host (`Sandbox.url` = INSARPROJ_HYP3_URL), with the real API's shapes, checked
against the sandbox's own copy of HyP3's OpenAPI spec and priced from HyP3's cost table
(`insarproj/data/sandbox/hyp3/api/`, read by hyp3_api.py):

    POST  /jobs            submit 1-200 jobs (or `validate_only`): spec check, granules must be in the
                           sandbox catalog, the real burst-pairing rules, application status (403),
                           credits for the whole request or nothing, credits charged at submission
    GET   /jobs            list: `user_id`, `status_code`, `start`/`end` (full ISO timestamps with a
                           zone), `name`, `job_type`, `start_token`; pages of 100 of the user's jobs
                           in the window, newest first, filtered AFTER paging (pages may be short or
                           empty and still carry an absolute `next`), like HyP3's DynamoDB query
    GET   /jobs/{job_id}   one job, seen at once (the listing index lags: settings `listing_lag`)
    PATCH /jobs, PATCH /jobs/{job_id}, GET|PATCH /user, GET /costs (EDC table, no auth)

`/jobs*` and `/user` need `Authorization: Bearer <EARTHDATA_TOKEN>` or the `asf-urs` cookie of the
login chain, else 401 problem+json as HyP3 answers. Errors are problem+json with HyP3's texts.

Lifecycle, computed from the HyP3 clock on each read (no thread): PENDING, RUNNING after about 1 s,
SUCCEEDED or FAILED about 3 s later, both divided by the speed (`Sandbox(hyp3_speed=…)`, settings
`speed`). Success fills `files` (the product zip on the storage host, no auth, Content-Length and
Range), `browse_images`, `thumbnail_images`, `logs`, `processing_times` and `expiration_time`
(completion + 14 days, rounded up to midnight UTC as S3 lifecycle rules do); failure fills `logs`
(the log says why) and `processing_times: null`. After `expiration_time` product URLs answer 404.
Credits reset to `credits_per_month` when the clock enters a new month, as HyP3's do.
A job FAILS without a fault when HyP3's processing would: two SLCs on different tracks or with
different polarizations (HyP3 accepts, charges and then fails such jobs).

Products: `http://127.1:PORT/_hyp3products/<job_id>/<file>` (see hyp3_products.py): the zip,
browse and thumbnail PNGs, `<job_id>.log`, and each file of the zip on its own (the
"replace .zip with _unw_phase.tif" trick).

Test hooks (never faulted, never logged):

    POST /_sandbox/hyp3/advance    body: seconds (a number, or {"seconds": n}): move the clock on
    GET  /_sandbox/hyp3/settings   current settings and account
    POST /_sandbox/hyp3/settings   JSON with any of listing_lag, credits, credits_per_month,
                                   application_status, fail_rate, speed, post_stall, clock_skew
                                   (seconds, either sign: the server clock, its `Date` headers
                                   and `request_time`s are that far off, as a client's may be)
    GET  /_sandbox/hyp3/jobs       the whole job store (with each job's status now)

and in Python `Sandbox.hyp3_advance(seconds)`, `Sandbox.hyp3_settings(**settings)`,
`Sandbox.hyp3.jobs()`.

Fault kinds (grammar of faults.py; default scope `/jobs`, i.e. POST /jobs for the first five):

    job-fail[:p|:n]   submitted jobs end FAILED: each with probability p, the first n, or all
    expire[:p|:n]     jobs expire the moment they finish (their products answer 404 at once)
    post-timeout      POST /jobs stores and charges the jobs, then stalls `post_stall` seconds
                      (settings, default 30: longer than a client's read timeout) and closes the
                      connection without answering
    post-5xx          POST /jobs stores and charges the jobs, then answers 502 (API Gateway's
                      {"message": …}) and 503 (problem+json) alternately
    post-reject       POST /jobs answers 400 and stores nothing
    listing-lag[:s]   GET /jobs lists a job only s seconds after its submission (whole seconds,
                      or a fraction below one, as the grammar allows; bare: 60 s); the larger of
                      this and settings `listing_lag` applies
    evil-name[:filename=NAME]  while the rule is set, every job record served (GET /jobs and
                      /jobs/{id}) gives NAME as its product's `filename` (bare: `../../../../<product>.zip`;
                      an absolute NAME works too); the URL still serves the real zip. A client
                      must refuse the name, never write there

`5xx`, `429`, `slow`, `drop` and `truncate` reach these routes with a glob: `5xx:1@/jobs*`,
`429:0.5@/jobs`, `drop:1@/_hyp3products/*`.

Persistence: the job store, the account and the clock live in memory; with `state_dir` they are
also written atomically to `state_dir/hyp3.json` after each change and read back at start, so a
restarted sandbox keeps its jobs. Settings are run configuration and start from defaults.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import json
import math
import random
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from insarproj.sandbox import hyp3_api
from insarproj.sandbox import hyp3_gunw as gunw
from insarproj.sandbox import hyp3_products as products
from insarproj.sandbox.auth import COOKIE_NAME, Auth
from insarproj.sandbox.catalog import Catalog, Granule
from insarproj.sandbox.downloads import s3_error, serve_bytes
from insarproj.sandbox.faults import FaultPlan, register_fault_kind
from insarproj.sandbox.fsio import atomic_write_json
from insarproj.sandbox.routing import DATA, HTTPError, Origins, Request, Response, Router

__all__ = ["Hyp3Service", "Settings", "StoredJob", "register"]

JOBS_SCOPE = ("/jobs",)
register_fault_kind("job-fail", JOBS_SCOPE, "submitted jobs end FAILED (probability, count or all)")
register_fault_kind("expire", JOBS_SCOPE, "jobs expire as soon as they finish")
register_fault_kind(
    "post-timeout", JOBS_SCOPE, "POST /jobs stores and charges, then stalls and closes without answering"
)
register_fault_kind("post-5xx", JOBS_SCOPE, "POST /jobs stores and charges, then answers 502/503")
register_fault_kind("post-reject", JOBS_SCOPE, "POST /jobs answers 400 and stores nothing")
register_fault_kind("listing-lag", JOBS_SCOPE, "GET /jobs lists a job only SECONDS after submission")
register_fault_kind(
    "evil-name", ("/jobs", "/jobs/*"), "job records give a crafted product file name (filename=NAME)"
)

NO_ANSWER = 0  # a Response status the server turns into "close the connection without answering"
CONTENT_BUCKET = "insarproj-sandbox-contentbucket"
PRODUCT_LIFETIME = timedelta(days=14)  # HyP3 Basic (hyp3-edc-prod: product_lifetime_in_days)
PAGE_SIZE = 100
MAX_PATCH_JOBS = 100
PENDING_SECONDS = 1.0  # at speed 1
RUNNING_SECONDS = 3.0
DEFAULT_CREDITS = 10_000.0
DEFAULT_POST_STALL = 30.0
DEFAULT_FAULT_LAG = 60.0
STATE_FILE = "hyp3.json"
STATE_VERSION = 1
APPLICATION_STATUSES = ("NOT_STARTED", "PENDING", "APPROVED", "REJECTED")
STATUS_CODES = ("PENDING", "RUNNING", "SUCCEEDED", "FAILED")
PRODUCT_CACHE = 32  # built zips kept in memory (sizes are kept for every job)
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
FLASK_500 = (
    "The server encountered an internal error and was unable to complete your request. "
    "Either the server is overloaded or there is an error in the application."
)
CONTENT_TYPES = {
    ".zip": "application/zip",
    ".tif": "image/tiff",
    ".png": "image/png",
    ".kmz": "application/vnd.google-earth.kmz",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".log": "text/plain",
}


def format_time(when: float) -> str:
    """HyP3's time format: UTC, to the second, `+00:00`."""
    return datetime.fromtimestamp(math.floor(when), UTC).isoformat(timespec="seconds")


def _month(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m")


def _midnight_after(when: float) -> float:
    """The first midnight UTC at or after `when` (S3 lifecycle expiry)."""
    day = datetime.fromtimestamp(when, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    stamp = day.timestamp()
    return stamp if stamp >= when else (day + timedelta(days=1)).timestamp()


def _numbers(value: Any) -> Any:
    """JSON numbers as HyP3 writes them: its DynamoDB Decimals print integral values as ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_numbers(v) for v in value]
    return value


def _credit_text(value: float) -> str:
    # HyP3 formats Decimals made from JSON floats: 10.0, 5.0
    return str(float(value))


def problem(status: int, detail: str) -> HTTPError:
    return HTTPError(Response.problem(status, detail))


@dataclass
class Settings:
    """Run configuration of the stand-in (not persisted)."""

    listing_lag: float = 0.0  # s before a new job shows in GET /jobs
    fail_rate: float = 0.0  # probability that a job fails
    speed: float = 1.0  # lifecycle durations are divided by this
    post_stall: float = DEFAULT_POST_STALL  # s a post-timeout fault stalls
    clock_skew: float = 0.0  # s the HyP3 clock (Date headers, request_time) is off from real time


@dataclass
class StoredJob:
    """A job as the stand-in keeps it: what HyP3 stores plus the schedule the clock plays out."""

    job_id: str
    user_id: str
    job_type: str
    job_parameters: dict[str, Any]
    request_time: str
    credit_cost: float
    priority: int
    bucket: str
    bucket_prefix: str
    submitted: float  # clock seconds
    started: float
    finished: float
    outcome: str  # SUCCEEDED | FAILED, reached at `finished`
    name: str | None = None
    failure: str | None = None  # why it fails: the log says so
    expire_at_finish: bool = False
    archived: bool = False  # an ARIA_S1_GUNW job whose product exists: SUCCEEDED at once, refunded

    def status(self, now: float) -> str:
        if now < self.started:
            return "PENDING"
        if now < self.finished:
            return "RUNNING"
        return self.outcome

    def expiration(self) -> float:
        if self.archived:  # search_archive: 1000 years
            return self.finished + 1000 * 52 * 7 * 86400.0
        if self.expire_at_finish:
            return float(math.floor(self.finished))
        return _midnight_after(self.finished + PRODUCT_LIFETIME.total_seconds())

    def expired(self, now: float) -> bool:
        return now >= self.finished and now >= self.expiration()

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.request_time, self.job_id)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StoredJob:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class _Summary:
    """What a job record says about a product (kept for every job; the zips only in an LRU)."""

    name: str
    size: int
    browse_images: tuple[str, ...]
    thumbnail_images: tuple[str, ...]
    file_name: str = ""  # the listed file (default: <name>.zip)


class Clock:
    """Wall-clock time shifted by the seconds tests advanced it."""

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset
        self.skew = 0.0  # settings `clock_skew`: a server clock off by that much (either way)

    def now(self) -> float:
        return time.time() + self.offset + self.skew


@dataclass
class _User:
    user_id: str
    application_status: str = "APPROVED"
    remaining_credits: float = DEFAULT_CREDITS
    credits_per_month: float = DEFAULT_CREDITS
    month_of_last_credit_reset: str | None = None
    use_case: str | None = None

    def refresh(self, now: float) -> None:
        """HyP3's `_reset_credits_if_needed`: approved users get their monthly credits once per
        month; other users have none."""
        month = _month(now)
        if self.application_status == "APPROVED":
            if (self.month_of_last_credit_reset or "0") < month:
                self.remaining_credits = self.credits_per_month
                self.month_of_last_credit_reset = month
        else:
            self.remaining_credits = 0.0
            self.month_of_last_credit_reset = None

    def api(self, job_names: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "user_id": self.user_id,
            "application_status": self.application_status,
            "remaining_credits": self.remaining_credits,
            "job_names": job_names,
        }
        if self.application_status == "APPROVED":
            body["credits_per_month"] = self.credits_per_month
        if self.use_case is not None:
            body["use_case"] = self.use_case
        return body


class Hyp3Service:
    """The job store, the account, the clock and the route handlers of the HyP3 stand-in."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        auth: Auth,
        origins: Origins,
        fault_plan: Callable[[], FaultPlan],
        seed: int = 0,
        speed: float = 1.0,
        state_dir: Path | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError(f"hyp3_speed must be positive, got {speed}")
        self.catalog, self.auth, self.origins = catalog, auth, origins
        self._fault_plan = fault_plan
        self.settings = Settings(speed=float(speed))
        self.clock = Clock()
        self._lock = threading.RLock()
        self._jobs: dict[str, StoredJob] = {}
        self._order: list[StoredJob] = []  # oldest first, by (request_time, job_id)
        self._users: dict[str, _User] = {}
        self._fail_rng = random.Random(f"{seed}:hyp3-fail-rate")
        self._post_5xx = 0
        self._stall = threading.Event()
        self._product_lock = threading.Lock()
        self._products: OrderedDict[str, products.Product] = OrderedDict()
        self._summaries: dict[str, _Summary] = {}
        self.state_path = Path(state_dir) / STATE_FILE if state_dir is not None else None
        self._load()

    # -- Python API for tests --------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), UTC)

    def advance(self, seconds: float) -> datetime:
        """Move the HyP3 clock forward (jobs progress, expire, credits reset on a new month)."""
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not math.isfinite(seconds):
            raise ValueError(f"advance takes a number of seconds, got {seconds!r}")
        if seconds < 0:
            raise ValueError(f"the HyP3 clock only moves forward; got {seconds} seconds")
        with self._lock:
            self.clock.offset += float(seconds)
            self._save()
        return self.now()

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change settings (listing_lag, fail_rate, speed, post_stall) and the account
        (credits, credits_per_month, application_status); returns them all."""
        numeric = {
            "listing_lag": (0.0, math.inf),
            "fail_rate": (0.0, 1.0),
            "speed": (0.0, math.inf),
            "post_stall": (0.0, math.inf),
            "clock_skew": (-math.inf, math.inf),
            "credits": (0.0, math.inf),
            "credits_per_month": (0.0, math.inf),
        }
        unknown = sorted(set(changes) - set(numeric) - {"application_status"})
        if unknown:
            raise ValueError(
                f"unknown HyP3 setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted([*numeric, 'application_status']))}"
            )
        for key, (low, high) in numeric.items():
            if key in changes:
                value = changes[key]
                if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
                    raise ValueError(
                        f"HyP3 setting {key} must be a number from {low} to {high}, got {value!r}"
                    )
                if key == "speed" and value == 0:
                    raise ValueError("HyP3 setting speed must be above 0")
        status = changes.get("application_status")
        if status is not None and status not in APPLICATION_STATUSES:
            raise ValueError(
                f"HyP3 setting application_status must be one of {', '.join(APPLICATION_STATUSES)}, "
                f"got {status!r}"
            )
        with self._lock:
            now = self.clock.now()
            user = self._user(self.auth_user_id, now)
            if status is not None:
                user.application_status = status
                user.refresh(now)
            if "credits_per_month" in changes:
                user.credits_per_month = float(changes["credits_per_month"])
            if "credits" in changes:
                user.remaining_credits = float(changes["credits"])
                user.month_of_last_credit_reset = _month(now)
            for key in ("listing_lag", "fail_rate", "speed", "post_stall", "clock_skew"):
                if key in changes:
                    setattr(self.settings, key, float(changes[key]))
            self.clock.skew = self.settings.clock_skew
            self._save()
            return self.describe()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            now = self.clock.now()
            user = self._user(self.auth_user_id, now)
            return {
                **asdict(self.settings),
                "listing_lag_in_effect": self._listing_lag(),
                "clock": format_time(now),
                "clock_offset": self.clock.offset,
                "application_status": user.application_status,
                "credits": user.remaining_credits,
                "credits_per_month": user.credits_per_month,
            }

    def jobs(self) -> list[dict[str, Any]]:
        """The whole store, newest first, each job with its status and expiry now."""
        with self._lock:
            now, lag = self.clock.now(), self._listing_lag()
            return [
                {
                    **job.to_json(),
                    "status_code": job.status(now),
                    "expiration_time": format_time(job.expiration()),
                    "expired": job.expired(now),
                    "listed": self._listed(job, now, lag),
                }
                for job in reversed(self._order)
            ]

    def wake(self) -> None:
        """End every stall in progress (the server is stopping)."""
        with self._lock:
            stall, self._stall = self._stall, threading.Event()
        stall.set()

    @property
    def auth_user_id(self) -> str:
        claims = self.auth.claims(self.auth.token) or {}
        return str(claims.get("uid", "sandbox"))

    # -- store ----------------------------------------------------------------------------
    def _user(self, user_id: str, now: float) -> _User:
        user = self._users.get(user_id)
        if user is None:
            user = self._users[user_id] = _User(user_id, month_of_last_credit_reset=_month(now))
        user.refresh(now)
        return user

    def _add(self, job: StoredJob) -> None:
        self._jobs[job.job_id] = job
        bisect.insort(self._order, job, key=lambda stored: stored.sort_key)

    def _listing_lag(self) -> float:
        lag = self.settings.listing_lag
        for rule in self._fault_plan().rules:
            if rule.kind == "listing-lag" and rule.applies_to("/jobs"):
                seconds = rule.count if rule.count is not None else rule.probability
                lag = max(lag, DEFAULT_FAULT_LAG if seconds is None else float(seconds))
        return lag

    @staticmethod
    def _listed(job: StoredJob, now: float, lag: float) -> bool:
        return now >= job.submitted + lag

    def _save(self) -> None:
        if self.state_path is None:
            return
        state = {
            "version": STATE_VERSION,
            "clock_offset": self.clock.offset,
            "users": [asdict(u) for u in self._users.values()],
            "jobs": [job.to_json() for job in self._order],
        }
        atomic_write_json(self.state_path, state)

    def _load(self) -> None:
        if self.state_path is None or not self.state_path.exists():
            return
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
            if state.get("version") != STATE_VERSION:
                raise ValueError(f"version {state.get('version')!r}, expected {STATE_VERSION}")
            self.clock.offset = float(state["clock_offset"])
            for data in state["users"]:
                user = _User(**data)
                self._users[user.user_id] = user
            for data in state["jobs"]:
                self._add(StoredJob.from_json(data))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"The HyP3 sandbox state {self.state_path} cannot be read ({exc}); "
                "delete it to start with an empty job store."
            ) from exc

    # -- products ---------------------------------------------------------------------------
    def _product_job(self, job: StoredJob) -> products.ProductJob:
        return products.ProductJob.from_parameters(
            job_id=job.job_id,
            job_type=job.job_type,
            parameters=job.job_parameters,
            catalog=self.catalog,
            processed=datetime.fromtimestamp(job.finished, UTC),
        )

    def product(self, job: StoredJob) -> products.Product:
        """The product of a succeeded job, built once and kept in a small LRU."""
        with self._product_lock:
            cached = self._products.get(job.job_id)
            if cached is not None:
                self._products.move_to_end(job.job_id)
                return cached
        if job.job_type == gunw.ARIA:
            processed = datetime.fromtimestamp(job.finished, UTC)
            built: Any = gunw.build_gunw_product(job.job_parameters, processed)
        else:
            built = products.build_product(self._product_job(job))
        with self._product_lock:
            self._products[job.job_id] = built
            self._summaries[job.job_id] = _Summary(
                built.name, len(built.zip_bytes), built.browse_images, built.thumbnail_images, built.zip_name
            )
            while len(self._products) > PRODUCT_CACHE:
                self._products.popitem(last=False)
        return built

    def _summary(self, job: StoredJob) -> _Summary:
        with self._product_lock:
            summary = self._summaries.get(job.job_id)
        if summary is None:
            self.product(job)
            with self._product_lock:
                summary = self._summaries[job.job_id]
        return summary

    def _object_url(self, job: StoredJob, filename: str) -> str:
        return f"{self.origins.storage}/_hyp3products/{job.job_id}/{filename}"

    def log_text(self, job: StoredJob) -> str:
        started = format_time(job.started)
        finished = format_time(job.finished)
        plugin = "hyp3_gamma" if job.job_type == products.GAMMA else "hyp3_isce2"
        inputs = job.job_parameters.get("granules") or [
            *job.job_parameters.get("reference", []),
            *job.job_parameters.get("secondary", []),
        ]
        lines = [
            f"{started} INFO Starting {plugin} for {job.job_type} job {job.job_id}",
            *(f"{started} INFO Input granule: {name}" for name in inputs),
            f"{started} INFO Job parameters: {json.dumps(job.job_parameters, sort_keys=True)}",
        ]
        if job.outcome == "FAILED":
            lines += [
                f"{finished} ERROR Processing failed: {job.failure}",
                f"{finished} INFO Job {job.job_id} FAILED",
            ]
        else:
            name = self._summary(job).name
            lines += [
                f"{finished} INFO Created product {name}",
                f"{finished} INFO Uploaded {name}.zip to s3://{job.bucket}/{job.bucket_prefix}/",
                f"{finished} INFO Job {job.job_id} SUCCEEDED",
            ]
        return "\n".join(lines) + "\n"

    # -- records ----------------------------------------------------------------------------
    def record(self, job: StoredJob, now: float) -> dict[str, Any]:
        """The job as HyP3's API returns it at time `now`."""
        status = job.status(now)
        record: dict[str, Any] = {
            "job_id": job.job_id,
            "user_id": job.user_id,
            "job_type": job.job_type,
            "job_parameters": job.job_parameters,
            "request_time": job.request_time,
            "status_code": status,
            "execution_started": now >= (job.submitted + job.started) / 2,
            "priority": job.priority,
            "credit_cost": job.credit_cost,
            "bucket": job.bucket,
            "bucket_prefix": job.bucket_prefix,
        }
        if job.name is not None:
            record["name"] = job.name
        if status in ("SUCCEEDED", "FAILED"):
            record["logs"] = [self._object_url(job, f"{job.job_id}.log")]
            record["expiration_time"] = format_time(job.expiration())
        if status == "SUCCEEDED" and job.archived:
            product = gunw.published(job.job_parameters)
            assert product is not None  # archived only when the catalogue has it
            record["files"] = [gunw.archived_file(product, self.origins.data)]
            record["processing_times"] = [0]
        elif status == "SUCCEEDED":
            summary = self._summary(job)
            zip_name = summary.file_name or f"{summary.name}.zip"
            record["files"] = [
                {
                    "filename": self._crafted_filename(zip_name) or zip_name,
                    "size": summary.size,
                    "url": self._object_url(job, zip_name),
                    "s3": {"bucket": job.bucket, "key": f"{job.bucket_prefix}/{zip_name}"},
                }
            ]
            record["browse_images"] = [self._object_url(job, f) for f in summary.browse_images]
            record["thumbnail_images"] = [self._object_url(job, f) for f in summary.thumbnail_images]
            record["processing_times"] = [round(job.finished - job.started, 3)]
        elif status == "FAILED":
            record["processing_times"] = None
        return _numbers(record)

    def _crafted_filename(self, zip_name: str) -> str | None:
        """The product file name an `evil-name` fault puts in job records (None without one)."""
        for rule in self._fault_plan().rules:
            if rule.kind == "evil-name":
                return rule.value("filename") or f"../../../../{zip_name}"
        return None

    # -- auth -----------------------------------------------------------------------------------
    def authenticate(self, req: Request) -> str:
        """The user of an API request, or 401 as HyP3 answers (Bearer first, then the cookie)."""
        if req.fault("auth") or req.fault("auth-html"):
            raise problem(401, "Invalid authorization token provided")
        scheme, _, _ = (req.header("authorization") or "").partition(" ")
        if scheme.lower() == "bearer":
            user = self.auth.bearer_user(req)
        elif COOKIE_NAME in req.cookies():
            user = self.auth.cookie_user(req)
        else:
            raise problem(401, "No authorization token provided")
        if user is None:
            raise problem(401, "Invalid authorization token provided")
        return user

    # -- POST /jobs -----------------------------------------------------------------------------
    def _check_body(self, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, dict):
            raise problem(400, "Request body validation error: the body must be a JSON object with `jobs`")
        jobs = body.get("jobs")
        limit = hyp3_api.jobs_per_request()
        if isinstance(jobs, list) and len(jobs) > limit:
            raise problem(
                400,
                f"Request body validation error: jobs: {len(jobs)} jobs are more than the "
                f"{limit} allowed in one request (maxItems)",
            )
        if isinstance(jobs, list):
            known = hyp3_api.known_job_types()
            for index, job in enumerate(jobs):
                if isinstance(job, dict) and job.get("job_type") in known:
                    errors = hyp3_api.api_errors(
                        f"job_parameters.yml#{job['job_type']}Job", job, at=f"jobs[{index}]"
                    )
                    if errors:
                        raise problem(400, f"Request body validation error: {errors[0]}")
        errors = hyp3_api.api_errors("post_jobs_body", body)
        if errors:
            raise problem(400, f"Request body validation error: {errors[0]}")
        for index, job in enumerate(body["jobs"]):
            if job["job_type"] not in (*products.INSAR_JOB_TYPES, gunw.ARIA):
                raise problem(
                    400,
                    f"jobs[{index}]: the insarproj sandbox processes {', '.join(products.INSAR_JOB_TYPES)} "
                    f"and {gunw.ARIA} "
                    f"jobs only, not {job['job_type']}",
                )
            if job.get("bucket") is not None:
                raise problem(
                    400,
                    f"jobs[{index}]: the insarproj sandbox has no user buckets; leave out `bucket`",
                )
            if job.get("bucket_prefix") is not None:
                raise problem(400, "A custom bucket prefix can not be used with the default content bucket.")
        return list(body["jobs"])

    def _validate_granules(self, jobs: Sequence[Mapping[str, Any]]) -> list[list[Granule]]:
        """HyP3's validate_jobs: every granule exists (one message for all), then each job type's
        validators. DEM coverage and the antimeridian always pass over the sandbox's tracks."""
        names: list[str] = []
        for job in jobs:
            params = job["job_parameters"]
            names += [*params.get("granules", []), *params.get("reference", []), *params.get("secondary", [])]
        missing = sorted({n for n in names if self.catalog.get(n) is None})
        if missing:
            raise problem(400, f"Some requested scenes could not be found: {', '.join(missing)}")
        found: list[list[Granule]] = []
        for job in jobs:
            params = job["job_parameters"]
            if job["job_type"] == gunw.ARIA:  # dates and a frame, no granules
                why = gunw.date_problem(params, datetime.fromtimestamp(self.clock.now(), UTC).date())
                if why:
                    raise problem(400, why)
                found.append([])
                continue
            if job["job_type"] == products.BURST:
                _check_single_burst_pair(params["granules"])
            elif job["job_type"] == products.MULTI_BURST:
                _check_multi_burst(params["reference"], params["secondary"])
            listed = params.get("granules") or [*params["reference"], *params["secondary"]]
            granules = [self.catalog.get(n) for n in listed]
            found.append([g for g in granules if g is not None])
        return found

    def _prepare(self, user: _User, jobs: Sequence[Mapping[str, Any]], now: float) -> list[dict[str, Any]]:
        """HyP3's put_jobs up to the credit check: status, defaults, cost, priority."""
        _raise_for_application_status(user)
        request_time = format_time(now)
        remaining = user.remaining_credits
        total = 0.0
        prepared = []
        for job in jobs:
            job_id = str(uuid.uuid4())
            parameters = {**hyp3_api.default_parameters(job["job_type"]), **job["job_parameters"]}
            cost = hyp3_api.job_cost(job["job_type"], parameters)
            entry: dict[str, Any] = {
                "job_id": job_id,
                "user_id": user.user_id,
                "status_code": "PENDING",
                "execution_started": False,
                "request_time": request_time,
                "priority": min(round(remaining - total), 9999),
                **{k: v for k, v in job.items() if v is not None},
                "job_parameters": parameters,
                "credit_cost": cost,
                "bucket": CONTENT_BUCKET,
                "bucket_prefix": job_id,
            }
            prepared.append(entry)
            total += cost
        if total > remaining:
            raise problem(
                400,
                f"These jobs would cost {_credit_text(total)} credits, but you have only "
                f"{_credit_text(remaining)} remaining.",
            )
        return prepared

    def _schedule(self, req: Request, entry: Mapping[str, Any], now: float) -> StoredJob:
        speed = self.settings.speed
        digest = hashlib.sha256(entry["job_id"].encode()).digest()
        pending = PENDING_SECONDS * (0.8 + 0.4 * digest[0] / 255) / speed
        running = RUNNING_SECONDS * (0.8 + 0.4 * digest[1] / 255) / speed
        failure: str | None = None
        if req.fault("job-fail"):
            failure = "the sandbox's fault plan made this job fail (job-fail)"
        elif self.settings.fail_rate > 0 and self._fail_rng.random() < self.settings.fail_rate:
            failure = f"the sandbox failed this job at random (fail_rate {self.settings.fail_rate})"
        elif entry["job_type"] == gunw.ARIA:
            failure = gunw.processing_problem(entry["job_parameters"])
        else:
            product_job = products.ProductJob.from_parameters(
                job_id=entry["job_id"],
                job_type=entry["job_type"],
                parameters=entry["job_parameters"],
                catalog=self.catalog,
                processed=datetime.fromtimestamp(now, UTC),
            )
            failure = products.processing_problem(product_job)
        # HyP3's search-archive step: an ARIA_S1_GUNW product that exists ends the job at once, refunded.
        archived = entry["job_type"] == gunw.ARIA and not failure and gunw.published(entry["job_parameters"])
        return StoredJob(
            job_id=entry["job_id"],
            user_id=entry["user_id"],
            job_type=entry["job_type"],
            job_parameters=entry["job_parameters"],
            request_time=entry["request_time"],
            credit_cost=0.0 if archived else entry["credit_cost"],
            priority=entry["priority"],
            bucket=entry["bucket"],
            bucket_prefix=entry["bucket_prefix"],
            submitted=now,
            started=now + pending,
            finished=now + pending + (0.0 if archived else running),
            archived=bool(archived),
            outcome="FAILED" if failure else "SUCCEEDED",
            name=entry.get("name"),
            failure=failure,
            expire_at_finish=req.fault("expire"),
        )

    def post_jobs(self, req: Request) -> Response:
        user_id = self.authenticate(req)
        body = req.json()
        jobs = self._check_body(body)
        granules = self._validate_granules(jobs)
        validate_only = bool(body.get("validate_only"))
        with self._lock:
            now = self.clock.now()
            user = self._user(user_id, now)
            prepared = self._prepare(user, jobs, now)
            if req.fault("post-reject"):
                names = sorted({g.name for found in granules for g in found})
                raise problem(400, f"Some requested scenes do not have DEM coverage: {', '.join(names)}")
            if not validate_only:
                user.remaining_credits -= sum(entry["credit_cost"] for entry in prepared)
                for entry in prepared:
                    job = self._schedule(req, entry, now)
                    if job.archived:
                        user.remaining_credits += entry["credit_cost"]  # the refund
                    self._add(job)
                self._save()
            stall = self._stall
        answer = _numbers({**body, "jobs": prepared})
        if req.fault("post-timeout"):
            done = "validated" if validate_only else "stored"
            req.note(f"{done} {len(prepared)} jobs, then stalled {self.settings.post_stall:g} s")
            stall.wait(self.settings.post_stall)
            return Response(NO_ANSWER)
        if req.fault("post-5xx"):
            with self._lock:
                self._post_5xx += 1
                odd = self._post_5xx % 2 == 1
            if odd:
                return Response.json({"message": "Internal server error"}, 502)
            return Response.problem(503, "HyP3 is currently unavailable. Please try again later.")
        return Response.json(answer)

    # -- GET /jobs ---------------------------------------------------------------------------
    def _query(self, req: Request) -> dict[str, Any]:
        schemas = {
            "user_id": "user_id",
            "status_code": "status_code",
            "name": "name",
            "job_type": "job_parameters.yml#job_type",
            "start_token": "start_token",
        }
        values: dict[str, Any] = {}
        for key, schema in schemas.items():
            value = req.arg(key)
            if value is None:
                continue
            errors = hyp3_api.api_errors(schema, value)
            if errors:
                raise problem(400, f"Invalid query parameter {key}: {errors[0].split(': ', 1)[-1]}")
            values[key] = value
        for key in ("start", "end"):
            value = req.arg(key)
            if value is None:
                continue
            parsed = None
            if _DATE_TIME.match(value):
                try:
                    parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
                except ValueError:
                    parsed = None
            if parsed is None:
                raise problem(
                    400,
                    f"Invalid query parameter {key}: {value!r} is not a 'date-time'; give a full ISO 8601 "
                    "timestamp with a time zone, e.g. 2024-01-01T00:00:00+00:00",
                )
            values[key] = format_time(parsed.timestamp())
        return values

    def _next_url(self, req: Request, token: str) -> str:
        host = req.header("host")
        base = f"http://{host}" if host else self.origins.data
        query = {k: v[-1] for k, v in req.query.items()}
        query["start_token"] = token
        return f"{base}{req.path}?{urlencode(query)}"

    def get_jobs(self, req: Request) -> Response:
        user_id = self.authenticate(req)
        query = self._query(req)
        start_key = _start_key(query.get("start_token"))
        start, end = query.get("start"), query.get("end")
        if start is not None and end is not None and start > end:
            # HyP3's DynamoDB query refuses an inverted range and the API answers 500 (hyp3#2433)
            raise problem(500, FLASK_500)
        owner = query.get("user_id") or user_id
        with self._lock:
            now = self.clock.now()
            lag = self._listing_lag()
            window = [
                job
                for job in reversed(self._order)  # newest first, as HyP3's index answers
                if job.user_id == owner
                and self._listed(job, now, lag)
                and (start is None or job.request_time >= start)
                and (end is None or job.request_time <= end)
            ]
            hidden = sum(1 for job in self._order if job.user_id == owner and not self._listed(job, now, lag))
        if hidden:
            req.note(f"listing lag {lag:g} s hid {hidden} job(s)")
        if start_key is not None:
            window = [job for job in window if job.sort_key < start_key]
        page = window[:PAGE_SIZE]
        wanted = [
            job
            for job in page
            if ("status_code" not in query or job.status(now) == query["status_code"])
            and ("name" not in query or job.name == query["name"])
            and ("job_type" not in query or job.job_type == query["job_type"])
        ]
        payload: dict[str, Any] = {"jobs": [self.record(job, now) for job in wanted]}
        if len(page) == PAGE_SIZE:  # DynamoDB returns a key whenever the page filled its limit
            last = page[-1]
            key = {"job_id": last.job_id, "user_id": last.user_id, "request_time": last.request_time}
            payload["next"] = self._next_url(req, base64.b64encode(json.dumps(key).encode()).decode())
        return Response.json(payload)

    def _job_or_404(self, job_id: str) -> StoredJob:
        try:
            uuid.UUID(job_id)
        except ValueError:
            raise problem(400, f"Invalid path parameter job_id: {job_id!r} is not a 'uuid'") from None
        job = self._jobs.get(job_id)
        if job is None:
            raise problem(404, f"job_id does not exist: {job_id}")
        return job

    def get_job(self, req: Request) -> Response:
        self.authenticate(req)
        with self._lock:
            job = self._job_or_404(req.params["job_id"])
            now = self.clock.now()
        return Response.json(self.record(job, now))

    # -- PATCH /jobs, /jobs/{id} ---------------------------------------------------------------
    def _rename(self, job_id: str, name: str | None, user_id: str) -> StoredJob:
        job = self._jobs.get(job_id)
        if job is None:
            raise problem(404, f"job does not exist: {job_id}")
        if job.user_id != user_id:
            raise problem(403, f"You cannot update job {job_id} because it belongs to another user")
        job.name = name
        return job

    def patch_jobs(self, req: Request) -> Response:
        user_id = self.authenticate(req)
        body = req.json()
        job_ids = body.get("job_ids") if isinstance(body, dict) else None
        if isinstance(job_ids, list) and not job_ids:
            raise problem(400, "Must provide at least one job ID")
        if isinstance(job_ids, list) and len(job_ids) > MAX_PATCH_JOBS:
            raise problem(400, f"Cannot update more than {MAX_PATCH_JOBS} jobs")
        errors = hyp3_api.api_errors("patch_jobs_body", body)
        if errors:
            raise problem(400, f"Request body validation error: {errors[0]}")
        with self._lock:
            for job_id in dict.fromkeys(body["job_ids"]):
                self._rename(job_id, body["name"], user_id)
            self._save()
        return Response.json({})

    def patch_job(self, req: Request) -> Response:
        user_id = self.authenticate(req)
        body = req.json()
        errors = hyp3_api.api_errors("patch_job_body", body)
        if errors:
            raise problem(400, f"Request body validation error: {errors[0]}")
        with self._lock:
            self._job_or_404(req.params["job_id"])
            job = self._rename(req.params["job_id"], body.get("name"), user_id)
            self._save()
            now = self.clock.now()
        return Response.json(self.record(job, now))

    # -- /user, /costs ---------------------------------------------------------------------------
    def _user_body(self, user: _User, now: float) -> dict[str, Any]:
        lag = self._listing_lag()
        names = {
            job.name
            for job in self._order
            if job.user_id == user.user_id and job.name is not None and self._listed(job, now, lag)
        }
        return _numbers(user.api(sorted(names)))

    def get_user(self, req: Request) -> Response:
        user_id = self.authenticate(req)
        with self._lock:
            now = self.clock.now()
            return Response.json(self._user_body(self._user(user_id, now), now))

    def patch_user(self, req: Request) -> Response:
        user_id = self.authenticate(req)
        body = req.json()
        errors = hyp3_api.api_errors("patch_user_body", body)
        if errors:
            raise problem(400, f"Request body validation error: {errors[0]}")
        with self._lock:
            now = self.clock.now()
            user = self._user(user_id, now)
            if user.application_status == "REJECTED":
                raise problem(
                    403,
                    f"The application for user {user_id} has been rejected. For more information, "
                    "please email ASF User Services at: uso@asf.alaska.edu",
                )
            if user.application_status == "APPROVED":
                raise problem(403, f"The application for user {user_id} has already been approved.")
            if body.get("access_code"):
                raise problem(403, f"{body['access_code']} is not a valid access code")
            user.use_case = body["use_case"]
            user.application_status = "PENDING"
            user.refresh(now)
            self._save()
            return Response.json(self._user_body(user, now))

    def get_costs(self, req: Request) -> Response:
        return Response.json(_numbers(hyp3_api.raw_costs()))

    # -- products route -------------------------------------------------------------------------
    def get_object(self, req: Request) -> Response:
        job_id, filename = req.params["job_id"], req.params["filename"]
        with self._lock:
            job = self._jobs.get(job_id)
            now = self.clock.now()
        missing = s3_error(404, "NoSuchKey", "The specified key does not exist.")
        if job is None or job.status(now) not in ("SUCCEEDED", "FAILED") or job.expired(now):
            return missing
        if filename == f"{job_id}.log":
            data: bytes | None = self.log_text(job).encode()
        elif job.status(now) == "SUCCEEDED":
            data = self.product(job).object(filename)
        else:
            data = None
        if data is None:
            return missing
        suffix = "." + filename.rsplit(".", 1)[-1] if "." in filename else ""
        return serve_bytes(
            req,
            data,
            content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
            etag=f'"{hashlib.md5(data).hexdigest()}"',
            modified=datetime.fromtimestamp(job.finished, UTC),
        )

    # -- admin routes ----------------------------------------------------------------------------
    def admin_advance(self, req: Request) -> Response:
        try:
            value = json.loads(req.body or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            value = None
        if isinstance(value, dict):
            value = value.get("seconds")
        try:
            moved = self.advance(value)  # type: ignore[arg-type]
        except ValueError as exc:
            example = 'e.g. 86400 or {"seconds": 86400}'
            return Response.problem(400, f"{exc}; POST a number of seconds, {example}")
        clock = moved.isoformat(timespec="seconds")
        return Response.json({"clock": clock, "clock_offset": self.clock.offset})

    def admin_settings(self, req: Request) -> Response:
        if req.method == "GET":
            return Response.json(self.describe())
        body = req.json()
        if not isinstance(body, dict):
            return Response.problem(400, 'POST a JSON object of settings, e.g. {"listing_lag": 30}')
        try:
            return Response.json(self.configure(**body))
        except ValueError as exc:
            return Response.problem(400, str(exc))

    def admin_jobs(self, req: Request) -> Response:
        return Response.json({"clock": self.now().isoformat(timespec="seconds"), "jobs": self.jobs()})


def _raise_for_application_status(user: _User) -> None:
    status, who = user.application_status, user.user_id
    if status == "APPROVED":
        return
    messages = {
        "NOT_STARTED": f"User {who} has not yet applied for a monthly credit allotment. "
        "Please visit https://hyp3-api.asf.alaska.edu/ui/ to submit your application.",
        "PENDING": f"User {who} has a pending application, please try again later.",
        "REJECTED": f"The application for user {who} has been rejected. For more information, "
        "please email ASF User Services at: uso@asf.alaska.edu",
    }
    raise problem(403, messages.get(status, f"User {who} has an invalid application status: {status}"))


def _start_key(token: str | None) -> tuple[str, str] | None:
    if token is None:
        return None
    try:
        key = json.loads(base64.b64decode(token.encode()))
        return (str(key["request_time"]), str(key["job_id"]))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, TypeError, KeyError):
        raise problem(400, "Invalid start_token value") from None


def _check_single_burst_pair(granules: Sequence[str]) -> None:
    """hyp3_api validation.check_single_burst_pair, with its messages."""
    first, second = granules
    if "_".join(first.split("_")[1:3]) != "_".join(second.split("_")[1:3]):
        raise problem(400, f"Burst IDs do not match for {first} and {second}.")
    pol1, pol2 = first.split("_")[4], second.split("_")[4]
    if pol1 != pol2:
        raise problem(400, f"The requested scenes need to have the same polarization, got: {pol1}, {pol2}")
    if pol1 not in ("VV", "HH"):
        raise problem(400, f"Only VV and HH polarizations are currently supported, got: {pol1}")


def _burst_time(name: str) -> datetime:
    return datetime.strptime(name.split("_")[3], "%Y%m%dT%H%M%S")


def _check_multi_burst(reference: Sequence[str], secondary: Sequence[str], max_pairs: int = 15) -> None:
    """hyp3_api check_multi_burst_max_length and multi_burst_validation.validate_bursts."""
    if len(reference) > max_pairs or len(secondary) > max_pairs:
        raise problem(
            400,
            f"Must provide no more than {max_pairs} scene pairs, got {len(reference)} reference "
            f"and {len(secondary)} secondary",
        )
    if not reference or not secondary:
        raise problem(400, "Must include at least 1 reference scene and 1 secondary scene")
    if len(reference) != len(secondary):
        raise problem(
            400,
            f"Must provide the same number of reference and secondary scenes, got {len(reference)} "
            f"reference and {len(secondary)} secondary",
        )

    def num_swath_pol(name: str) -> str:
        parts = name.split("_")
        return "_".join([parts[1], parts[2], parts[4]])

    ref_ids = {num_swath_pol(g) for g in reference}
    if ref_ids != {num_swath_pol(g) for g in secondary}:
        raise problem(
            400,
            "Burst number + swath + polarization identifiers must be the same for reference scenes "
            "and secondary scenes",
        )
    if len(ref_ids) != len(reference):
        raise problem(
            400, "Each reference scene must have a unique burst number + swath + polarization identifier"
        )
    pols = sorted({g.split("_")[4] for g in reference})
    if len(pols) > 1:
        present = ", ".join(pols)
        raise problem(400, f"Scenes must have the same polarization. Polarizations present: {present}")
    if pols[0] not in ("VV", "HH"):
        raise problem(400, f"{pols[0]} polarization is not currently supported, only VV and HH")
    refs, secs = sorted(map(_burst_time, reference)), sorted(map(_burst_time, secondary))
    for label, times in (("Reference", refs), ("Secondary", secs)):
        if times[-1] - times[0] > timedelta(minutes=2):
            raise problem(
                400,
                f"{label} scenes must fall within a 2-minute window in order to ensure they were "
                "collected during the same pass",
            )
    if refs[-1] >= secs[0]:
        raise problem(400, "Reference scenes must be older than secondary scenes")


def register(
    router: Router,
    *,
    catalog: Catalog,
    auth: Auth,
    origins: Origins,
    fault_plan: Callable[[], FaultPlan],
    seed: int = 0,
    speed: float = 1.0,
    state_dir: Path | None = None,
) -> Hyp3Service:
    """Create the HyP3 stand-in and add its routes to `router`."""
    service = Hyp3Service(
        catalog=catalog,
        auth=auth,
        origins=origins,
        fault_plan=fault_plan,
        seed=seed,
        speed=speed,
        state_dir=state_dir,
    )
    job_id = r"(?P<job_id>[^/]+)"
    router.add("POST", r"/jobs", service.post_jobs, host=DATA)
    router.add("GET", r"/jobs", service.get_jobs, host=DATA)
    router.add("PATCH", r"/jobs", service.patch_jobs, host=DATA)
    router.add("GET", rf"/jobs/{job_id}", service.get_job, host=DATA)
    router.add("PATCH", rf"/jobs/{job_id}", service.patch_job, host=DATA)
    router.add("GET", r"/user", service.get_user, host=DATA)
    router.add("PATCH", r"/user", service.patch_user, host=DATA)
    router.add("GET", r"/costs", service.get_costs, host=DATA)
    # any host: the URLs name the storage host (like HyP3's CloudFront), the path is enough
    router.add("GET", rf"/_hyp3products/{job_id}/(?P<filename>[^/]+)", service.get_object)
    router.add("POST", r"/_sandbox/hyp3/advance", service.admin_advance)
    router.add("GET", r"/_sandbox/hyp3/settings", service.admin_settings)
    router.add("POST", r"/_sandbox/hyp3/settings", service.admin_settings)
    router.add("GET", r"/_sandbox/hyp3/jobs", service.admin_jobs)
    return service
