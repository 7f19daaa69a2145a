"""Preflight's rows, and the first two checks of a subscription: the credential and the resource providers.

A row (`Check`) is ok, problem (something to fix before the event), error
(preflight could not decide: no credential, throttling, a timeout — never
counted as a problem) or warning (worth knowing, not blocking). Every way
Azure says no becomes one sentence and a fix (`from_exception`), worded as the
azure target words it.

A row's check, finding and fix are messages (ohcheck.i18n): the check's
English is its stable name (the JSON's `check`); `said()` and `to_dict()` say
the rest in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ohcheck.criteria import READINESS_NAMES, Status
from ohcheck.i18n import Catalogue, Msg, msg
from ohcheck.azure.addresses import ARM_SCOPE, arm_base_url
from ohcheck.azure.identity import NO_CREDENTIAL, token_owner

T = TypeVar("T")
# A row's status: a stable name (the JSON's `status`), the one a criterion status has for a readiness check
# (ok = passed, problem = failed, error = error); a warning (fine, with something to look at) only preflight has.
OK, PROBLEM, ERROR = READINESS_NAMES[Status.PASSED], READINESS_NAMES[Status.FAILED], READINESS_NAMES[Status.ERROR]
WARNING = "warning"
PROVIDERS = (
    "Microsoft.MachineLearningServices", "Microsoft.Storage", "Microsoft.KeyVault",
    "Microsoft.ContainerRegistry", "Microsoft.Insights", "Microsoft.OperationalInsights",
)
CREDENTIAL = msg("Credential")
LATER_CHECKS = (msg("Resource providers"), msg("VM sizes"), msg("vCPU quota"), msg("Endpoint names"),
                msg("Compute instance names"))


@dataclass(frozen=True)
class Check:
    check: str  # a message; its English is the row's stable name
    status: str  # ok, problem, error or warning
    found: str
    fix: str = ""

    def said(self, catalogue: Catalogue) -> Check:
        """The row with its check, finding and fix in `catalogue`'s language."""
        return Check(catalogue.say(self.check), self.status, catalogue.say(self.found),
                     catalogue.say(self.fix) if self.fix else "")

    def to_dict(self, catalogue: Catalogue | None = None) -> dict[str, str]:
        """`check` and `status` are stable (English); `found` and `fix` are in `catalogue`'s language."""
        found, fix = (catalogue.say(self.found), catalogue.say(self.fix) if self.fix else "") if catalogue else (
            str(self.found), str(self.fix))
        return {"check": str(self.check), "status": self.status, "found": found, "fix": fix}


def joined(items: list[Any], pair: Callable[[Any, Any], Msg]) -> Any:
    """Items as one message, joined pairwise by `pair` (a template such as "{first}, {second}")."""
    out = items[0]
    for item in items[1:]:
        out = pair(out, item)
    return out


class CheckFailed(Exception):
    """An Azure call that failed, already worded as a row's status, finding and fix."""

    def __init__(self, status: str, found: str, fix: str) -> None:
        super().__init__(found)
        self.status, self.found, self.fix = status, found, fix

    def row(self, check: str) -> Check:
        return Check(check, self.status, self.found, self.fix)


def call(what: Msg, subscription: str, operation: Callable[[], T]) -> T:
    """Run one Azure call; a failure becomes CheckFailed with one sentence."""
    try:
        return operation()
    except CheckFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is worded
        raise from_exception(exc, what, subscription) from None


def from_exception(exc: Exception, what: Msg, subscription: str) -> CheckFailed:
    """How an azure-core / SDK failure reads in the table. 401 and no credential are errors; 403 a problem."""
    from ohcheck.azure.failures import classify, parts, reason

    failure = classify(exc)
    status, code = failure.status, failure.code  # code: " AuthorizationFailed", or ""
    login = msg("`az login`, then `az account set --subscription {subscription}`", subscription=subscription)
    if failure.kind == "no-credential":
        return CheckFailed(ERROR, NO_CREDENTIAL, login)
    if failure.kind == "unauthorized":
        return CheckFailed(ERROR, msg("Azure refused the credential's token (401{code}) when asked to {what}",
                                      code=code, what=what), login)
    if failure.kind == "forbidden":
        # The credential works but may not read this: the facilitator could not deploy here either.
        return CheckFailed(PROBLEM, msg("the credential may not {what} (403{code})", what=what, code=code),
                           msg("ask an owner of subscription {subscription} for the Reader role (Contributor to deploy)",
                               subscription=subscription))
    if code.strip() == "SubscriptionNotFound" or (status == 404 and what.startswith("read subscription")):
        return CheckFailed(PROBLEM, msg("subscription {subscription} was not found, or the credential cannot see it",
                                        subscription=subscription),
                           msg("check the id in event.yaml (`az account list -o table`), {login}, or ask for access",
                               login=login))
    if failure.kind == "unreachable":
        host = urlsplit(arm_base_url()).hostname or "management.azure.com"
        return CheckFailed(ERROR, msg("cannot reach Azure at {host} ({reason})", host=host, reason=reason(exc)),
                           msg("check the network, proxy and DNS"))
    # The table has a column for the fix: the sentence's own advice goes there.
    found, advice = parts(failure, msg("when asked to {what}", what=what), service="Azure")
    if failure.kind == "timeout":
        return CheckFailed(ERROR, found, msg("try again later"))
    return CheckFailed(ERROR, found, advice or "")


def check_credential(credential: Any, arm: Any, subscription: str) -> Check:
    """A token for ARM, and the subscription readable and Enabled."""
    try:
        token = credential.get_token(ARM_SCOPE).token
    except Exception as exc:  # noqa: BLE001 - DefaultAzureCredential raises several types
        return from_exception(exc, msg("get a token"), subscription).row(CREDENTIAL)
    who = token_owner(token)  # the token's claims name the user; the token itself goes nowhere
    try:
        sub = call(msg("read subscription {subscription}", subscription=subscription), subscription,
                   lambda: arm.subscription(subscription))
    except CheckFailed as failed:
        return Check(CREDENTIAL, failed.status, msg("signed in as {who}; {found}", who=who, found=failed.found),
                     failed.fix)
    name, state = str(sub.get("displayName") or subscription), str(sub.get("state") or "unknown")
    found = msg("signed in as {who}; subscription {name} is {state}", who=who, name=name, state=state)
    if state.lower() != "enabled":
        return Check(CREDENTIAL, PROBLEM, found,
                     msg("a {state} subscription cannot create resources: ask its owner or billing admin to re-enable it",
                         state=state))
    return Check(CREDENTIAL, OK, found)


def check_providers(arm: Any, subscription: str) -> list[Check]:
    """One ok row when every provider a workspace needs is registered; else a row for each that is not."""
    rows: list[Check] = []
    for namespace in PROVIDERS:
        check = msg("Resource provider {namespace}", namespace=namespace)
        try:
            body = call(msg("read resource provider {namespace}", namespace=namespace), subscription,
                        lambda ns=namespace: arm.provider(subscription, ns))
        except CheckFailed as failed:
            rows.append(failed.row(check))
            continue
        state = str(body.get("registrationState") or "unknown")
        if state.lower() == "registered":
            continue
        fix = f"az provider register --namespace {namespace} --subscription {subscription}"
        if state.lower() == "registering":  # already on its way: minutes
            rows.append(Check(check, WARNING, msg("{state}: not ready yet", state=state),
                              msg("wait a few minutes, or {command} --wait", command=fix)))
        else:
            rows.append(Check(check, PROBLEM, state, fix))
    if not rows:
        short = ", ".join(p.split(".", 1)[1] for p in PROVIDERS)
        rows.append(Check(msg("Resource providers"), OK, msg("all {count} registered ({names})", count=len(PROVIDERS),
                                                             names=short)))
    return rows


def not_checked(reason: str) -> list[Check]:
    """The rows of a subscription whose credential check did not pass: undecided, not failed."""
    return [Check(name, ERROR, msg("not checked: {reason}", reason=reason)) for name in LATER_CHECKS]
