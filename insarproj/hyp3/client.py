"""HyP3 API access, split by construction into a read side (plan) and a write side (apply).

``Hyp3Reader`` only ever sends GETs: bulk listings, one job, ``/user``, ``/costs``. It holds no
session, only a GET transport, so it cannot POST by type. Reads are retried (429, 5xx, timeouts,
dropped connections) a few times, waiting as ``insarproj.transfer.retry.RetryPolicy`` says; past
that they raise ``NetworkError``, never a partial answer, so nothing counts as absent because a
page failed.

``Hyp3Writer`` adds a POST transport and ``submit``, which POSTs exactly once (never retried).
HyP3 creates all the jobs of a request or none, so the caller is told which of three things
happened: accepted (the records), refused (``Hyp3RejectedError``: nothing created) or unknown
(``Hyp3UncertainError``: list before acting).

The HTTP calls are made here rather than through hyp3_sdk's ``HyP3``, which sets no timeouts,
retries nothing, raises ``KeyError: 'detail'`` on API-gateway errors (a 429 ``{"message": …}``),
has no ``validate_only`` and lets requests apply ``~/.netrc`` to the API host.
"""

from __future__ import annotations

import email.utils
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit, urlunsplit

import requests

from insarproj import __version__
from insarproj.endpoints import resolve_endpoints
from insarproj.errors import AuthError, NetworkError, ProviderError
from insarproj.hyp3.errors import (
    AUTH_HINT,
    SERVICE,
    Hyp3CredentialsRejectedError,
    Hyp3NotFoundError,
    Hyp3RejectedError,
    Hyp3UncertainError,
)
from insarproj.hyp3.models import CostTable, JobRecord, JobRequest, UserInfo
from insarproj.hyp3.payloads import MAX_JOBS_PER_REQUEST, validate_request_body
from insarproj.transfer.credentials import EarthdataCredentials
from insarproj.transfer.retry import RetryPolicy, parse_retry_after
from insarproj.transfer.session import make_session

__all__ = ["DEFAULT_PAGE_SIZE", "Hyp3Reader", "Hyp3Writer", "format_timestamp"]

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 100  # HyP3 answers at most this many jobs per page; it takes no page-size parameter
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 60.0)  # (connect, read) seconds
# A submission runs HyP3's validators (CMR look-ups, DEM coverage) for up to 200 jobs before it answers.
DEFAULT_SUBMIT_TIMEOUT: tuple[float, float] = (10.0, 300.0)
READ_TRIES = 3
MAX_RETRY_AFTER = 60.0
MAX_PAGES = 100_000  # a loop guard only: 10 million jobs

Timeout = float | tuple[float, float]


class _RequestLog:
    """What was sent, shared by a client's transports (tests and request budgets read it)."""

    def __init__(self) -> None:
        self.requests_made = 0
        self.entries: list[tuple[str, str]] = []

    def record(self, method: str, url: str, params: Mapping[str, str] | None) -> None:
        self.requests_made += 1
        self.entries.append((method, url))
        log.debug("HyP3 %s %s %s", method, url, dict(params or {}))


class _GetTransport:
    """The read side's only way to the network: GET and nothing else, through a private session."""

    def __init__(self, session: requests.Session, sent: _RequestLog) -> None:
        self.__session = session
        self._sent = sent

    def get(
        self, url: str, *, params: Mapping[str, str] | None, headers: Mapping[str, str], timeout: Timeout
    ) -> requests.Response:
        self._sent.record("GET", url, params)
        return self.__session.get(url, params=params, headers=dict(headers), timeout=timeout)


class _PostTransport:
    """The write side's one extra: a single POST, never redirected, never retried (docs/safety.md)."""

    def __init__(self, session: requests.Session, sent: _RequestLog) -> None:
        self.__session = session
        self._sent = sent

    def post(self, url: str, *, json: Any, headers: Mapping[str, str], timeout: Timeout) -> requests.Response:
        self._sent.record("POST", url, None)
        return self.__session.post(
            url, json=json, headers=dict(headers), timeout=timeout, allow_redirects=False
        )


def _check_api_url(api_url: str) -> None:
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"the HyP3 API URL {api_url!r} must be an http(s) URL, e.g. https://hyp3-api.asf.alaska.edu"
        )


def _open_session(
    api_url: str, token: str | None, session: requests.Session | None
) -> tuple[requests.Session, str | None]:
    """(the session to send through, the token to add per request).

    Without a session, one is built with the shared credential policy (``make_session``) trusting
    ``api_url``, and it sends ``token`` itself. A caller's session gets the token per request, so
    the caller's credential policy (``session.auth``) still has the last word.
    """
    _check_api_url(api_url)
    if session is not None:
        return session, token
    endpoints = resolve_endpoints({"hyp3": api_url}, environ={}, trust_project=True)
    credentials = EarthdataCredentials.from_token(token) if token else None
    return make_session(endpoints, credentials, user_agent=f"insarproj/{__version__}"), None


def format_timestamp(when: datetime | date) -> str:
    """A full ISO 8601 timestamp in UTC, to the second, as HyP3's ``start``/``end`` need.

    A date is its first instant in UTC; a naive datetime is read as UTC (as hyp3_sdk does).
    HyP3 refuses date-only values (docs/service-quirks.md, HyP3 date-only start/end).
    """
    if not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day, tzinfo=UTC)
    elif when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _detail(response: requests.Response) -> str:
    """The server's reason: problem+json ``detail``, API-gateway ``message``, or the text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        for key in ("detail", "message", "title", "error"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    text = " ".join(response.text.split())[:200] if response.text else ""
    if text and not text.lstrip().startswith("<"):
        return text
    return response.reason or f"HTTP {response.status_code}"


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _http_date(value: str | None) -> datetime | None:
    """An HTTP-date header (RFC 9110, e.g. ``Date``) as an aware datetime; None if absent or odd."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


class Hyp3Reader:
    """Everything ``plan`` may ask HyP3: GETs only.

    Args:
        api_url: the API root (``INSARPROJ_HYP3_URL``); a path prefix is kept.
        token: an Earthdata bearer token (``EARTHDATA_TOKEN``), sent with every request.
        session: a session to send through (the one ``insarproj.transfer.session`` builds, with its
            credential policy); without one, a session with that same policy is built, trusting
            ``api_url``, that sends ``token``. Either way the reader keeps it private, behind a
            GET-only transport.
        page_size_hint: jobs per listing page (HyP3: 100); only used by ``list_requests_bound``.
        timeout: per request, seconds (connect, read).
        tries: attempts per GET before ``NetworkError``.
        backoff: first retry delay in seconds, doubled each retry (``Retry-After`` wins, capped).
        sleep: injectable for tests.
    """

    def __init__(
        self,
        api_url: str,
        *,
        token: str | None = None,
        session: requests.Session | None = None,
        page_size_hint: int = DEFAULT_PAGE_SIZE,
        timeout: Timeout = DEFAULT_TIMEOUT,
        tries: int = READ_TRIES,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        session, self._request_token = _open_session(api_url, token, session)
        if page_size_hint < 1 or tries < 1:
            raise ValueError("page_size_hint and tries must be at least 1")
        self.api_url = api_url.rstrip("/")
        self._sent = _RequestLog()
        # Private and GET-only: a reader cannot POST, PATCH or DELETE, whatever it is handed.
        self._transport = _GetTransport(session, self._sent)
        self.page_size_hint = page_size_hint
        self.timeout = timeout
        self.tries = tries
        self.retry_policy = RetryPolicy(first=backoff, max_retry_after=MAX_RETRY_AFTER)
        self._sleep = sleep
        # HyP3's clock minus ours, from the `Date` header of its latest answer (None before one):
        # windows of eventual consistency are measured on the server's clock (docs/safety.md).
        self.clock_offset: timedelta | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.api_url!r})"

    @property
    def requests_made(self) -> int:
        """Requests sent so far (each retry counts)."""
        return self._sent.requests_made

    @property
    def request_log(self) -> list[tuple[str, str]]:
        """(method, URL) of every request sent so far."""
        return self._sent.entries

    # -- public reads ---------------------------------------------------------------------------

    def list_project_jobs(
        self, name: str, *, start: datetime | date | None = None, job_type: str | None = None
    ) -> list[JobRecord]:
        """Every job named ``name`` (the project's), newest first, in ⌈user's jobs / page⌉ + 1 GETs.

        Follows the absolute ``next`` links until none is given. HyP3 pages the user's jobs before
        it applies the name filter, so a page can be short or even empty and still carry ``next``.
        ``start`` bounds the submission time (sent as a full timestamp).

        Raises:
            AuthError, NetworkError, ProviderError: nothing is returned unless every page was read.
        """
        if not name:
            raise ValueError("list_project_jobs needs the project's job name")
        params: dict[str, str] = {"name": name}
        if start is not None:
            params["start"] = format_timestamp(start)
        if job_type is not None:
            params["job_type"] = job_type
        first = self._url("/jobs")
        body = self._get_json(first, params=params, what="the job list")
        records: dict[str, JobRecord] = {}
        seen_links: set[str] = set()
        for _ in range(MAX_PAGES):
            for record in self._page_jobs(body, name=name, job_type=job_type):
                records.setdefault(record.job_id, record)
            link = body.get("next")
            if not link:
                break
            link = self._checked_next(link, seen_links)
            body = self._get_json(link, what="the next page of the job list")
        else:
            raise ProviderError(f"HyP3's job list did not end after {MAX_PAGES} pages", service=SERVICE)
        return list(records.values())

    def list_requests_bound(self, n_user_jobs: int) -> int:
        """Most GETs ``list_project_jobs`` makes when the account holds ``n_user_jobs`` jobs
        (since ``start``) and no request needs a retry."""
        return math.ceil(max(0, n_user_jobs) / self.page_size_hint) + 1

    def get_job(self, job_id: str) -> JobRecord:
        """One job by id (for a single re-check; use ``list_project_jobs`` for status in bulk)."""
        if not job_id:
            raise ValueError("get_job needs a job id")
        body = self._get_json(
            self._url(f"/jobs/{quote(job_id, safe='')}"), what=f"job {job_id}", job_id=job_id
        )
        return JobRecord.from_api(body)

    def user(self) -> UserInfo:
        """``GET /user``: credits left, monthly allowance, application status, names in use."""
        return UserInfo.from_api(self._get_json(self._url("/user"), what="the account (/user)"))

    def costs(self) -> CostTable:
        """``GET /costs`` of this deployment. No fallback: when it fails the caller decides (plan
        shows the cost as unknown, or uses ``CostTable.bundled()`` and says so)."""
        return CostTable.from_api(self._get_json(self._url("/costs"), what="the cost table (/costs)"))

    # -- plumbing -------------------------------------------------------------------------------

    def _url(self, endpoint: str) -> str:
        # Like hyp3_sdk: keep a path prefix of api_url (a proxy or a stand-in mounted under /api).
        parts = urlsplit(self.api_url)
        path = "/".join([parts.path.strip("/"), endpoint.strip("/")]).lstrip("/")
        return urlunsplit((parts.scheme, parts.netloc, "/" + path, "", ""))

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": f"insarproj/{__version__}"}
        if self._request_token:
            headers["Authorization"] = f"Bearer {self._request_token}"
        return headers

    def _get(self, url: str, *, params: Mapping[str, str] | None) -> requests.Response:
        response = self._transport.get(url, params=params, headers=self._headers(), timeout=self.timeout)
        self._note_server_clock(response.headers.get("Date"))
        return response

    def _note_server_clock(self, header: str | None) -> None:
        server = _http_date(header)
        if server is not None:
            self.clock_offset = server - datetime.now(UTC)

    def server_now(self) -> datetime:
        """Now on HyP3's clock: ours corrected by the offset its last ``Date`` header showed (to
        the second); ours while no answer carried one."""
        return datetime.now(UTC) + (self.clock_offset or timedelta(0))

    def _checked_next(self, link: Any, seen: set[str]) -> str:
        if not isinstance(link, str):
            raise ProviderError(f"HyP3 sent a next-page link that is not a URL: {link!r}", service=SERVICE)
        if _origin(link) != _origin(self.api_url):
            # The link gets our credentials: only ever to the API's own host.
            raise ProviderError(
                f"HyP3 sent a next-page link to another host ({urlsplit(link).netloc}) than the API "
                f"({urlsplit(self.api_url).netloc}); refusing to follow it",
                service=SERVICE,
            )
        if link in seen:
            raise ProviderError(
                "HyP3 sent the same next-page link twice; its job list does not end", service=SERVICE
            )
        seen.add(link)
        return link

    def _page_jobs(self, body: Mapping[str, Any], *, name: str, job_type: str | None) -> list[JobRecord]:
        jobs = body.get("jobs")
        if not isinstance(jobs, list):
            raise ProviderError("HyP3's job list has no `jobs` list", service=SERVICE)
        # Filter here as well, before parsing: a stand-in that ignores the filters must not hand
        # us other jobs, and another tool's odd record must not break this project's listing.
        return [
            JobRecord.from_api(job)
            for job in jobs
            if not isinstance(job, Mapping)
            or (job.get("name") == name and (job_type is None or job.get("job_type") == job_type))
        ]

    def _get_json(
        self, url: str, *, params: Mapping[str, str] | None = None, what: str, job_id: str | None = None
    ) -> Any:
        """One GET, retried on 429, 5xx and transport errors as ``retry_policy`` says; the JSON body."""
        last = ""
        retry_after: float | None = None
        for attempt in range(self.tries):
            response, last, retry_after = self._attempt_get(url, params=params, what=what)
            if response is not None:
                return self._read_json(response, what=what, job_id=job_id)
            if attempt + 1 < self.tries:
                delay = self.retry_policy.delay(attempt, retry_after=retry_after)
                log.debug("HyP3 %s failed (%s); retrying in %.1f s", what, last, delay)
                self._sleep(delay)
        error = NetworkError(
            f"HyP3 at {urlsplit(url).netloc} did not answer {what} after {self.tries} tries ({last})",
            service=SERVICE,
            hint="check the network, or try again later",
        )
        error.retry_after = retry_after  # type: ignore[attr-defined]  # the server's last word on when to come back
        raise error

    def _attempt_get(
        self, url: str, *, params: Mapping[str, str] | None, what: str
    ) -> tuple[requests.Response | None, str, float | None]:
        """(an answer to read, "", None), or (None, why it is worth another try, Retry-After)."""
        try:
            response = self._get(url, params=params)
        except requests.exceptions.SSLError as exc:
            raise NetworkError(
                f"TLS with HyP3 at {urlsplit(url).netloc} failed: {_describe(exc)}",
                service=SERVICE,
                hint="check the system clock and REQUESTS_CA_BUNDLE",
            ) from exc
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            return None, _describe(exc), None
        except requests.RequestException as exc:  # malformed URL and the like: no retry helps
            raise ProviderError(f"cannot ask HyP3 for {what}: {_describe(exc)}", service=SERVICE) from exc
        status = response.status_code
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return None, f"HTTP {status}: {_detail(response)}", retry_after
        return response, "", None

    def _read_json(self, response: requests.Response, *, what: str, job_id: str | None) -> Any:
        status = response.status_code
        if status in (401, 403):
            raise AuthError(
                f"HyP3 refused the credentials (HTTP {status}: {_detail(response)})",
                service=SERVICE,
                hint=AUTH_HINT,
            )
        if status == 404 and job_id is not None:
            raise Hyp3NotFoundError(_detail(response), job_id=job_id)
        if not 200 <= status < 300:
            raise ProviderError(f"HyP3 refused {what} (HTTP {status}): {_detail(response)}", service=SERVICE)
        try:
            body = response.json()
        except ValueError as exc:
            if response.history and _origin(response.url) != _origin(self.api_url):
                raise AuthError(
                    f"HyP3 redirected the request for {what} to a web page at "
                    f"{urlsplit(response.url).netloc} (a login page?) instead of answering",
                    service=SERVICE,
                    hint=AUTH_HINT,
                ) from exc
            raise ProviderError(
                f"HyP3 answered {what} with something that is not JSON "
                f"({response.headers.get('Content-Type', 'no content type')})",
                service=SERVICE,
                hint="check that INSARPROJ_HYP3_URL points at a HyP3 API",
            ) from exc
        if not isinstance(body, Mapping):
            raise ProviderError(f"HyP3 answered {what} with JSON that is not an object", service=SERVICE)
        return body


class Hyp3Writer(Hyp3Reader):
    """The read side plus ``submit``: only ``apply`` gets one.

    Args:
        submit_timeout: (connect, read) seconds for a submission; HyP3 validates every job first.
        (others as ``Hyp3Reader``)
    """

    def __init__(
        self,
        api_url: str,
        *,
        token: str | None = None,
        session: requests.Session | None = None,
        page_size_hint: int = DEFAULT_PAGE_SIZE,
        timeout: Timeout = DEFAULT_TIMEOUT,
        submit_timeout: Timeout = DEFAULT_SUBMIT_TIMEOUT,
        tries: int = READ_TRIES,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # The reader's GETs and this POST go through one session (the login's cookies, one log).
        session, request_token = _open_session(api_url, token, session)
        super().__init__(
            api_url,
            token=request_token,
            session=session,
            page_size_hint=page_size_hint,
            timeout=timeout,
            tries=tries,
            backoff=backoff,
            sleep=sleep,
        )
        self.submit_timeout = submit_timeout
        self._posts = _PostTransport(session, self._sent)

    def submit(self, jobs: Sequence[JobRequest], *, validate_only: bool = False) -> list[JobRecord]:
        """POST ``jobs`` (≤ 200) once; the records HyP3 created, in request order.

        With ``validate_only``, HyP3 runs its validators and the credit check and returns the
        prepared jobs (with ``credit_cost``) without creating anything.

        Raises:
            ValueError: more than 200 jobs (the caller chunks).
            InvalidJobRequestError: the body breaks HyP3's API spec (nothing sent).
            Hyp3RejectedError: HyP3 refused (4xx, e.g. too few credits): nothing was created.
                ``Hyp3CredentialsRejectedError`` (also an AuthError) for 401/403.
            Hyp3UncertainError: timeout, dropped connection, 5xx or an unreadable success: the jobs
                may exist; list them, never resubmit blindly. (With ``validate_only`` nothing can
                have been created, so these are plain NetworkError / ProviderError.)
        """
        jobs = list(jobs)
        if not jobs:
            return []
        body = _submission_body(jobs, validate_only)
        what = f"{'validation' if validate_only else 'submission'} of {len(jobs)} job{'s' * (len(jobs) != 1)}"
        response = self._post_once(body, what, validate_only)
        return self._outcome(response, len(jobs), what, validate_only)

    def _post_once(self, body: dict[str, Any], what: str, validate_only: bool) -> requests.Response:
        """The one POST (docs/safety.md: never retried, never redirected); a lost answer is uncertain."""
        url = self._url("/jobs")
        try:
            return self._posts.post(url, json=body, headers=self._headers(), timeout=self.submit_timeout)
        except (
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
            requests.exceptions.InvalidURL,
        ) as exc:
            raise ProviderError(f"cannot send the {what} to HyP3: {_describe(exc)}", service=SERVICE) from exc
        except requests.RequestException as exc:
            self._uncertain(
                f"HyP3 at {urlsplit(url).netloc} did not answer the {what} ({_describe(exc)})",
                validate_only,
                cause=exc,
            )

    def _outcome(
        self, response: requests.Response, count: int, what: str, validate_only: bool
    ) -> list[JobRecord]:
        """Accepted (the records), refused (Hyp3RejectedError) or unknown (Hyp3UncertainError)."""
        self._note_server_clock(response.headers.get("Date"))
        status = response.status_code
        if 200 <= status < 300:
            return self._accepted(response, count, what, validate_only)
        if status == 303 or status >= 500:
            # 303 says "processed, look elsewhere"; a 5xx may come from a gateway after HyP3 stored the jobs.
            self._uncertain(
                f"HyP3 answered the {what} with HTTP {status}: {_detail(response)}",
                validate_only,
                status=status,
            )
        if 300 <= status < 400:
            raise Hyp3RejectedError(
                f"the API redirects to {response.headers.get('Location', '?')}",
                status,
                hint="set INSARPROJ_HYP3_URL to the API's final address",
            )
        if status in (401, 403):
            raise Hyp3CredentialsRejectedError(_detail(response), status)
        raise Hyp3RejectedError(_detail(response), status)

    def _accepted(
        self, response: requests.Response, count: int, what: str, validate_only: bool
    ) -> list[JobRecord]:
        try:
            body = response.json()
            jobs = body["jobs"] if isinstance(body, Mapping) else None
            if not isinstance(jobs, list) or len(jobs) != count:
                got = len(jobs) if isinstance(jobs, list) else "no"
                raise ValueError(f"expected {count} jobs in the answer, got {got}")
            return [JobRecord.from_api(job) for job in jobs]
        except (ValueError, KeyError, ProviderError) as exc:
            self._uncertain(
                f"HyP3 accepted the {what} (HTTP {response.status_code}) "
                f"but its answer cannot be read: {exc}",
                validate_only,
                status=response.status_code,
                cause=exc,
            )

    def _uncertain(
        self,
        message: str,
        validate_only: bool,
        *,
        status: int | None = None,
        cause: BaseException | None = None,
    ) -> NoReturn:
        if validate_only:
            # Nothing is ever created by a validation: a plain failure the caller may retry.
            raise NetworkError(message, service=SERVICE, hint="try again later") from cause
        raise Hyp3UncertainError(message, status=status) from cause


def _submission_body(jobs: list[JobRequest], validate_only: bool) -> dict[str, Any]:
    """The POST /jobs body, checked against HyP3's API spec before anything is sent."""
    if len(jobs) > MAX_JOBS_PER_REQUEST:
        raise ValueError(
            f"HyP3 takes at most {MAX_JOBS_PER_REQUEST} jobs per submission, got {len(jobs)}: "
            "submit in chunks"
        )
    body: dict[str, Any] = {"jobs": [job.to_payload() for job in jobs]}
    if validate_only:
        body["validate_only"] = True
    validate_request_body(body)
    return body
