"""Preflight's rows, and the first two checks of a subscription: the credential and the resource providers.

A row (`Check`) is ok, problem (something to fix before the event), error
(preflight could not decide: no credential, throttling, a timeout — never
counted as a problem) or warning (worth knowing, not blocking). Every way
Azure says no becomes one sentence and a fix (`from_exception`), worded as the
azure target words it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ohcheck.targets import azure as azure_target

T = TypeVar("T")
OK, PROBLEM, ERROR, WARNING = "ok", "problem", "error", "warning"
PROVIDERS = (
    "Microsoft.MachineLearningServices", "Microsoft.Storage", "Microsoft.KeyVault",
    "Microsoft.ContainerRegistry", "Microsoft.Insights", "Microsoft.OperationalInsights",
)
CREDENTIAL = "Credential"
LATER_CHECKS = ("Resource providers", "VM sizes", "vCPU quota", "Endpoint names", "Compute instance names")


@dataclass(frozen=True)
class Check:
    check: str
    status: str  # ok, problem, error or warning
    found: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "status": self.status, "found": self.found, "fix": self.fix}


class CheckFailed(Exception):
    """An Azure call that failed, already worded as a row's status, finding and fix."""

    def __init__(self, status: str, found: str, fix: str) -> None:
        super().__init__(found)
        self.status, self.found, self.fix = status, found, fix

    def row(self, check: str) -> Check:
        return Check(check, self.status, self.found, self.fix)


def call(what: str, subscription: str, operation: Callable[[], T]) -> T:
    """Run one Azure call; a failure becomes CheckFailed with one sentence."""
    try:
        return operation()
    except CheckFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is worded
        raise from_exception(exc, what, subscription) from None


def from_exception(exc: Exception, what: str, subscription: str) -> CheckFailed:
    """How an azure-core / SDK failure reads in the table. 401 and no credential are errors; 403 a problem."""
    from ohcheck.azure_failures import classify, reason, sentence

    failure = classify(exc)
    status, code = failure.status, failure.code  # code: " AuthorizationFailed", or ""
    login = f"`az login`, then `az account set --subscription {subscription}`"
    if failure.kind == "no-credential":
        return CheckFailed(ERROR, azure_target.NO_CREDENTIAL, login)
    if failure.kind == "unauthorized":
        return CheckFailed(ERROR, f"Azure refused the credential's token (401{code}) when asked to {what}", login)
    if failure.kind == "forbidden":
        # The credential works but may not read this: the facilitator could not deploy here either.
        return CheckFailed(PROBLEM, f"the credential may not {what} (403{code})",
                           f"ask an owner of subscription {subscription} for the Reader role (Contributor to deploy)")
    if code.strip() == "SubscriptionNotFound" or (status == 404 and what.startswith("read subscription")):
        return CheckFailed(PROBLEM, f"subscription {subscription} was not found, or the credential cannot see it",
                           f"check the id in event.yaml (`az account list -o table`), {login}, or ask for access")
    if failure.kind == "unreachable":
        host = urlsplit(azure_target.arm_base_url()).hostname or "management.azure.com"
        return CheckFailed(ERROR, f"cannot reach Azure at {host} ({reason(exc)})", "check the network, proxy and DNS")
    # The table has a column for the fix: the sentence's own advice (after the colon) goes there.
    found, _, fix = sentence(failure, f"when asked to {what}", service="Azure").partition(": try again")
    if failure.kind == "timeout":
        return CheckFailed(ERROR, found, "try again later")
    return CheckFailed(ERROR, found, f"try again{fix}" if fix else "")


def check_credential(credential: Any, arm: Any, subscription: str) -> Check:
    """A token for ARM, and the subscription readable and Enabled."""
    try:
        token = credential.get_token(azure_target.ARM_SCOPE).token
    except Exception as exc:  # noqa: BLE001 - DefaultAzureCredential raises several types
        return from_exception(exc, "get a token", subscription).row(CREDENTIAL)
    who = azure_target._who(token)  # the token's claims name the user; the token itself goes nowhere
    try:
        sub = call(f"read subscription {subscription}", subscription, lambda: arm.subscription(subscription))
    except CheckFailed as failed:
        return Check(CREDENTIAL, failed.status, f"signed in as {who}; {failed.found}", failed.fix)
    name, state = str(sub.get("displayName") or subscription), str(sub.get("state") or "unknown")
    found = f"signed in as {who}; subscription {name} is {state}"
    if state.lower() != "enabled":
        return Check(CREDENTIAL, PROBLEM, found,
                     f"a {state} subscription cannot create resources: ask its owner or billing admin to re-enable it")
    return Check(CREDENTIAL, OK, found)


def check_providers(arm: Any, subscription: str) -> list[Check]:
    """One ok row when every provider a workspace needs is registered; else a row for each that is not."""
    rows: list[Check] = []
    for namespace in PROVIDERS:
        check = f"Resource provider {namespace}"
        try:
            body = call(f"read resource provider {namespace}", subscription,
                        lambda ns=namespace: arm.provider(subscription, ns))
        except CheckFailed as failed:
            rows.append(failed.row(check))
            continue
        state = str(body.get("registrationState") or "unknown")
        if state.lower() == "registered":
            continue
        fix = f"az provider register --namespace {namespace} --subscription {subscription}"
        if state.lower() == "registering":  # already on its way: minutes
            rows.append(Check(check, WARNING, f"{state}: not ready yet", f"wait a few minutes, or {fix} --wait"))
        else:
            rows.append(Check(check, PROBLEM, state, fix))
    if not rows:
        short = ", ".join(p.split(".", 1)[1] for p in PROVIDERS)
        rows.append(Check("Resource providers", OK, f"all {len(PROVIDERS)} registered ({short})"))
    return rows


def not_checked(reason: str) -> list[Check]:
    """The rows of a subscription whose credential check did not pass: undecided, not failed."""
    return [Check(name, ERROR, f"not checked: {reason}") for name in LATER_CHECKS]
