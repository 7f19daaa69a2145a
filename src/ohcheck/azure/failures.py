"""How an Azure SDK call failed, in one place: the azure target, preflight and teardown word it alike.

`classify` sorts an azure-core / azure-ai-ml exception into a kind (no
credential, 401, 403, 404, throttled, 5xx, another HTTP status, timeout,
network); each caller decides what a 403 or a 404 means for it (a missing
workspace is "nothing to tear down" for teardown, an error for verify) and
leaves the rest to `sentence` (or `parts`, the sentence and its advice apart).
Sentences are messages (ohcheck.i18n.msg): English as str, said again in the
reader's language. azure-core is imported only when a failure is
classified, never at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ohcheck.i18n import Msg, msg
from ohcheck.transient import AZURE_RETRY, retry_after

ARM_DEFAULT = "management.azure.com"


@dataclass(frozen=True)
class AzureFailure:
    kind: str  # no-credential, unauthorized, forbidden, not-found, throttled, server, http, timeout, dropped,
    # unreachable, other
    status: int | None
    code: str  # " AuthorizationFailed" (with its leading space), or ""
    exc: Exception


def classify(exc: Exception) -> AzureFailure:
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ResourceNotFoundError,
        ServiceRequestError,
        ServiceResponseError,
    )

    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    if isinstance(exc, ClientAuthenticationError) and status is None:
        kind = "no-credential"
    elif status == 401:
        kind = "unauthorized"
    elif status == 403:
        kind = "forbidden"
    elif isinstance(exc, ResourceNotFoundError) or status == 404:
        kind = "not-found"
    elif status == 429:
        kind = "throttled"
    elif status is not None and status >= 500:
        kind = "server"
    elif isinstance(exc, HttpResponseError) and status is not None:
        kind = "http"
    elif _timed_out(exc):
        kind = "timeout"
    elif isinstance(exc, ServiceResponseError):  # the request was sent, and the connection closed unanswered
        kind = "dropped"
    elif isinstance(exc, ServiceRequestError):
        kind = "unreachable"
    else:
        kind = "other"
    return AzureFailure(kind, status, error_code(exc), exc)


def _timed_out(exc: Exception) -> bool:
    from azure.core.exceptions import ServiceResponseTimeoutError

    text = str(exc).lower()
    return isinstance(exc, ServiceResponseTimeoutError) or "timed out" in text or "timeout" in text


def parts(failure: AzureFailure, during: str, *, service: str = "Azure ML", arm_url: str = "",
          timeout: float | None = None) -> tuple[Msg, Msg | None]:
    """What happened, and what to do about it (None when there is nothing to advise), for a failure no
    caller words its own way; `during` is a message such as "while it listed the jobs" or "when asked
    to delete X"."""
    status, code, exc = failure.status, failure.code, failure.exc
    if failure.kind == "throttled":
        asked = retry_after(exc)
        if asked is not None and asked > AZURE_RETRY.longest_wait:  # not waited out: said as it is
            return (msg("{service} throttled the requests (429) {during} and asked to wait {seconds:.0f} s, longer "
                        "than ohcheck waits", service=service, during=during, seconds=asked),
                    msg("try again after that"))
        return (msg("{service} throttled the requests (429) {during}, even after retries", service=service,
                    during=during), msg("try again in a minute"))
    if failure.kind == "dropped":
        return (msg("{service} closed the connection without answering {during}, even after retries",
                    service=service, during=during), msg("try again later"))
    if failure.kind == "server":
        return (msg("{service} answered {status}{code} {during}", service=service, status=status, code=code,
                    during=during), msg("try again later"))
    if failure.kind in ("http", "not-found", "forbidden", "unauthorized") and status is not None:
        return msg("{service} answered {status}{code} {during}", service=service, status=status, code=code,
                   during=during), None
    if failure.kind == "timeout":
        if timeout:
            return msg("{service} did not answer in time {during} (timeout {timeout:g} s)", service=service,
                       during=during, timeout=timeout), None
        return msg("{service} did not answer in time {during}", service=service, during=during), None
    if failure.kind == "unreachable":
        host = urlsplit(arm_url).hostname or ARM_DEFAULT
        return (msg("cannot reach {service} at {host} ({reason})", service=service, host=host, reason=reason(exc)),
                msg("check the network and DNS"))
    return msg("the {service} SDK failed {during}: {kind}: {error}", service=service, during=during,
               kind=type(exc).__name__, error=first_line(exc)), None


def sentence(failure: AzureFailure, during: str, *, service: str = "Azure ML", arm_url: str = "",
             timeout: float | None = None) -> Msg:
    """The sentence for a failure no caller words its own way: what happened, then the advice."""
    found, advice = parts(failure, during, service=service, arm_url=arm_url, timeout=timeout)
    return msg("{found}: {advice}", found=found, advice=advice) if advice is not None else found


def error_code(exc: Exception) -> str:
    """Azure's error code (AuthorizationFailed, ...) with a leading space, or ''."""
    code = getattr(getattr(exc, "error", None), "code", None)
    return f" {code}" if code else ""


def reason(exc: Exception) -> str:
    """Why a connection failed, in a few words (a message, or the exception's own first line)."""
    text = str(exc).lower()
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text or "name resolution" in text:
        return msg("DNS lookup failed")
    if "refused" in text:
        return msg("connection refused")
    if "reset" in text or "aborted" in text or "remote end closed" in text:
        return msg("the connection was dropped")
    return first_line(exc)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 300 else line[:297] + "..."
