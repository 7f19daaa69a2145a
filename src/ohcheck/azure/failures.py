"""How an Azure SDK call failed, in one place: the azure target, preflight and teardown word it alike.

`classify` sorts an azure-core / azure-ai-ml exception into a kind (no
credential, 401, 403, 404, throttled, 5xx, another HTTP status, timeout,
network); each caller decides what a 403 or a 404 means for it (a missing
workspace is "nothing to tear down" for teardown, an error for verify) and
leaves the rest to `sentence` (or `parts`, the sentence and its advice apart).
MLflow's REST client on a workspace fails its own way: `mlflow_failure` words that.
Sentences are messages (ohcheck.i18n.msg): English as str, said again in the
reader's language. azure-core is imported only when a failure is
classified, never at start-up.
"""

from __future__ import annotations

import re
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


# Azure's error codes for the transient answers, as ARM's error body spells them
# ({"error": {"code": "ServiceUnavailable", ...}}), and the HTTP status each comes with.
_AZURE_TRANSIENT_CODES = {"TooManyRequests": "429", "InternalServerError": "500", "BadGateway": "502",
                          "ServiceUnavailable": "503", "GatewayTimeout": "504"}


def _azure_code_in_body(exc: Exception) -> str | None:
    """Azure's error code in the body MLflow raised RestException with, if it has one."""
    body = getattr(exc, "json", None)
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) and code else None


def _mlflow_status_after_retries(exc: Exception) -> str | None:
    """The HTTP status MLflow gave up on after its retries, in whichever shape its version reports it.

    MLflow < 3.18 raises urllib3's MaxRetryError ("too many 503 error responses"). Since 3.18 it
    hands the last response back and raises RestException(body): the status is gone (its error
    code reads INTERNAL_ERROR), only Azure's error body says what happened. Without a JSON body it
    says "failed with error code 503 != 200".
    """
    text = str(exc)
    found = re.search(r"too many (\d{3}) error responses", text) or re.search(r"failed with error code (\d{3}) !=",
                                                                                text)
    if found and (found[1] == "429" or found[1].startswith("5")):
        return found[1]
    return _AZURE_TRANSIENT_CODES.get(_azure_code_in_body(exc) or "")


def mlflow_failure(exc: Exception, what: Msg, timeout: float) -> Msg:
    """One sentence for how MLflow's REST client failed, never its raw text (a URL, urllib3's retry account).

    MLflow raises MlflowException("API request to <url> failed with exception <urllib3's
    MaxRetryError>") once its own retries are spent (since 3.18: RestException with the last
    answer's body), or with the service's error code.
    """
    text = str(exc)
    lowered = text.lower()
    during = msg("while it tried to {what}", what=what)
    status = _mlflow_status_after_retries(exc)
    if status == "429":
        return msg("MLflow on the workspace throttled the requests (429) {during}, even after retries: try again in a "
                   "minute", during=during)
    if status:
        return msg("MLflow on the workspace answered {status} {during}, even after retries: try again later",
                   status=status, during=during)
    if "timed out" in lowered or "timeout" in lowered:
        return msg("MLflow on the workspace did not answer in time {during} (timeout {timeout:g} s)", during=during,
                   timeout=timeout)
    if "connection aborted" in lowered or "remotedisconnected" in lowered or "connection reset" in lowered:
        return msg("MLflow on the workspace closed the connection without answering {during}, even after retries: try "
                   "again later", during=during)
    if "newconnectionerror" in lowered or "refused" in lowered or "name or service not known" in lowered:
        return msg("cannot reach MLflow on the workspace {during} ({reason}): check the network and DNS", during=during,
                   reason=reason(exc))
    # Azure's own code when its body has one: MLflow's error code for an Azure body is always INTERNAL_ERROR.
    code = _azure_code_in_body(exc) or getattr(exc, "error_code", None)
    if isinstance(code, str) and code:
        return msg("MLflow on the workspace answered {code} {during}", code=code, during=during)
    return msg("MLflow on the workspace failed {during}: {kind}", during=during, kind=type(exc).__name__)
