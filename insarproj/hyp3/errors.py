"""The outcomes of talking to HyP3 that a caller must tell apart.

A submission (``POST /jobs``) is the one non-idempotent call insarproj makes (docs/safety.md), so its
failures are split by what they say about the server's side:

* ``Hyp3RejectedError``: the server answered and refused; nothing was created, no credit spent;
* ``Hyp3UncertainError``: no readable answer (timeout, dropped connection, 5xx); the jobs may
  exist, so the caller lists the project's jobs and never submits the same jobs again blindly.

Reads map to the shared hierarchy of ``insarproj.errors``: ``AuthError``, ``NetworkError``
(after the retry budget) and ``ProviderError``.
"""

from __future__ import annotations

from insarproj.errors import AuthError, InsarprojError, NetworkError, ProviderError

SERVICE = "hyp3"

AUTH_HINT = "check EARTHDATA_TOKEN / ~/.netrc and that your HyP3 account is approved"


class Hyp3RejectedError(ProviderError):
    """HyP3 refused a submission outright (4xx): no job was created and no credit was spent."""

    def __init__(self, detail: str, status: int, *, hint: str | None = None) -> None:
        self.detail = detail
        self.status = status
        super().__init__(f"HyP3 refused the submission (HTTP {status}): {detail}", service=SERVICE, hint=hint)


class Hyp3CredentialsRejectedError(AuthError, Hyp3RejectedError):
    """A submission refused with 401/403: both an auth problem and a definite refusal."""

    def __init__(self, detail: str, status: int) -> None:
        Hyp3RejectedError.__init__(self, detail, status, hint=AUTH_HINT)
        self.message = f"HyP3 refused the credentials (HTTP {status}: {detail})"


class Hyp3UncertainError(NetworkError):
    """A submission whose outcome is unknown: the jobs may have been created (and credits spent).

    Resolve it by listing the project's jobs (``Hyp3Reader.list_project_jobs``); never by
    submitting the same jobs again.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(
            message,
            service=SERVICE,
            hint="the jobs may have been created: list the project's HyP3 jobs before submitting again",
        )


class Hyp3NotFoundError(ProviderError):
    """HyP3 answered 404 for a job id (not in this deployment, or a typo in state)."""

    def __init__(self, detail: str, *, job_id: str) -> None:
        self.job_id = job_id
        self.detail = detail
        super().__init__(
            f"HyP3 has no job {job_id}: {detail}",
            service=SERVICE,
            hint="check that INSARPROJ_HYP3_URL points at the deployment the job was submitted to",
        )


class UnpricedJobError(ProviderError):
    """The cost table has no price for a job: plan shows the cost as unknown rather than guessing."""

    def __init__(self, message: str) -> None:
        super().__init__(message, service=SERVICE)


class InvalidJobRequestError(InsarprojError, ValueError):
    """A job request (inputs, name, or a whole POST /jobs body) that HyP3 would refuse or misprocess."""
