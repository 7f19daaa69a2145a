"""Preflight's VM size and vCPU quota rows for one subscription and region, through the real azure-ai-ml SDK.

Azure ML clusters and compute instances draw on the same dedicated vCPU quota
of their VM family, and on the region's "Total Cluster Dedicated Regional
vCPUs". An event needs, per family: teams × cluster_max_nodes × vCPUs of
vm_size, plus teams × vCPUs of instance_vm_size (one instance each).
`list_usage` and `list_sizes` are subscription + location calls: the
MLClient needs no resource group or workspace (none may exist yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ohcheck.azure.catalog import vm_size as catalog_size
from ohcheck.event.model import Azure
from ohcheck.i18n import Msg, msg
from ohcheck.event.preflight.checks import (
    ERROR,
    OK,
    PROBLEM,
    Check,
    CheckFailed,
    call,
    joined,
)
from ohcheck.azure.sdk_values import either_field
from ohcheck.azure.usage import REGIONAL_USAGE, family_usage, regional_usage

TIMEOUT = 60.0
REGIONAL = REGIONAL_USAGE


@dataclass(frozen=True)
class Size:
    name: str
    family: str
    vcpus: int
    compute_types: tuple[str, ...] | None  # None: Azure did not say (or the offline table)


@dataclass
class Demand:
    """The vCPUs an event needs of one quota family, and how they add up (for the table)."""

    family: str
    vcpus: int = 0
    parts: list[str] = field(default_factory=list)  # messages or plain text, added up with " + "


def client(credential: Any, subscription: str) -> Any:
    """An MLClient on the subscription alone: usages and VM sizes need no workspace."""
    from azure.ai.ml import MLClient  # imported lazily: slow to import

    return MLClient(
        credential, subscription,
        retry_total=3, retry_connect=1, retry_read=1, retry_backoff_factor=0.5, retry_backoff_max=8,
        connection_timeout=15, read_timeout=TIMEOUT, show_progress=False, enable_telemetry=False,
    )


def check_quota(ml: Any, subscription: str, region: str, azure: Azure, teams: int) -> list[Check]:
    """The VM sizes offered in the region, then each family's quota and the regional total against the need."""
    try:
        listed = call(msg("list the VM sizes of {region}", region=region), subscription,
                      lambda: list(ml.compute.list_sizes(location=region)))
        sizes = {s.name.lower(): s for s in map(_size, listed)}
        usages = call(msg("list the vCPU usage of {region}", region=region), subscription,
                      lambda: list(ml.compute.list_usage(location=region)))
    except CheckFailed as failed:
        return [failed.row(msg("VM sizes")), failed.row(msg("vCPU quota"))]
    rows = _size_rows(sizes, region, azure)
    demands = demand(azure, teams, sizes)
    for need in demands.values():
        rows.append(_quota_row(msg("vCPU quota {family}", family=need.family),
                               family_usage(usages, need.family), need,
                               region, what=msg("vCPUs of {family}", family=need.family)))
    total = Demand(REGIONAL, sum(d.vcpus for d in demands.values()),
                   [f"{d.vcpus} {d.family}" for d in demands.values()])  # numbers and names: no words to translate
    rows.append(_quota_row(msg("vCPU quota, regional total"), regional_usage(usages), total, region,
                           what=REGIONAL))
    return rows


def demand(azure: Azure, teams: int, sizes: dict[str, Size]) -> dict[str, Demand]:
    """vCPUs needed per quota family: every team's cluster at its maximum, plus every team's instance."""
    needs: dict[str, Demand] = {}
    cluster, instance = _known(azure.vm_size, sizes), _known(azure.instance_vm_size, sizes)
    for size, vcpus, how in (
        (cluster, teams * azure.cluster_max_nodes * cluster.vcpus,
         msg("{teams} teams × {nodes} nodes × {vcpus} ({size})", teams=teams, nodes=azure.cluster_max_nodes,
             vcpus=cluster.vcpus, size=cluster.name)),
        (instance, teams * instance.vcpus,
         msg("{teams} instances × {vcpus} ({size})", teams=teams, vcpus=instance.vcpus, size=instance.name)),
    ):
        need = needs.setdefault(size.family.lower(), Demand(size.family))  # one family: added up
        need.vcpus += vcpus
        need.parts.append(how)
    return needs


def _size_rows(sizes: dict[str, Size], region: str, azure: Azure) -> list[Check]:
    """Each size of the event offered in the region, for the compute type it is used as."""
    rows = []
    uses = {azure.vm_size: ["AmlCompute"]}
    uses.setdefault(azure.instance_vm_size, []).append("ComputeInstance")
    for name, types in uses.items():
        if len(types) > 1:
            as_what = msg("cluster nodes and compute instances")
        else:
            as_what = msg("cluster nodes") if types[0] == "AmlCompute" else msg("compute instances")
        key = "vm_size" if "AmlCompute" in types else "instance_vm_size"
        size = sizes.get(name.lower())
        alike = _alike(name, sizes)
        if alike:
            fix = msg("choose another size for {key} in event.yaml: `az ml compute list-sizes --location {region} "
                      "--subscription ...` lists them (with {vcpus} vCPUs here: {sizes})", key=key, region=region,
                      vcpus=alike[0], sizes=alike[1])
        else:
            fix = msg("choose another size for {key} in event.yaml: `az ml compute list-sizes --location {region} "
                      "--subscription ...` lists them", key=key, region=region)
        check = msg("VM size {name}", name=name)
        if size is None:
            rows.append(Check(check, PROBLEM, msg("not offered by Azure ML in {region}", region=region), fix))
            continue
        refused = [t for t in types if size.compute_types is not None and t.lower() not in {c.lower() for c in size.compute_types}]
        if refused:
            types_said = joined(refused, lambda first, second: msg("{first} or {second}", first=first, second=second))
            rows.append(Check(check, PROBLEM, msg("offered in {region}, but not for {types}", region=region,
                                                  types=types_said), fix))
        else:
            rows.append(Check(check, OK, msg("offered in {region} for {uses}: {vcpus} vCPUs, {family}", region=region,
                                             uses=as_what, vcpus=size.vcpus, family=size.family)))
    return rows


def _quota_row(check: Msg, usage: Any, need: Demand, region: str, *, what: str) -> Check:
    how = joined(need.parts, lambda first, second: msg("{first} + {second}", first=first, second=second))
    if usage is None:
        return Check(check, ERROR, msg("need {need} ({how}); Azure listed no quota for {family} in {region}",
                                       need=need.vcpus, how=how, family=need.family, region=region),
                     msg("look it up in the Azure portal › Quotas › Machine learning ({region})", region=region))
    limit = int(getattr(usage, "limit", 0) or 0)
    used = int(either_field(usage, "current_value", "currentValue") or 0)
    available = max(limit - used, 0)
    found = msg("need {need} ({how}); available {available} ({used} of {limit} used)", need=need.vcpus, how=how,
                available=available, used=used, limit=limit)
    if need.vcpus <= available:
        return Check(check, OK, found)
    short = need.vcpus - available
    return Check(check, PROBLEM, found,
                 msg("request {short} more {what} in {region} (a limit of {limit}): Azure portal › Quotas › "
                     "Machine learning, or a smaller vm_size / cluster_max_nodes", short=short, what=what,
                     region=region, limit=used + need.vcpus))


def _known(name: str, sizes: dict[str, Size]) -> Size:
    """The size as the region lists it, else from the offline table (event.yaml's sizes are all in it)."""
    if name.lower() in sizes:
        return sizes[name.lower()]
    known = catalog_size(name)
    if known is None:  # event.py validates sizes against the table, so only a hand-made Azure object lands here
        return Size(name, "unknown family", 0, None)
    return Size(known.name, known.family, known.vcpus, None)


def _size(s: Any) -> Size:
    types = either_field(s, "supported_compute_types", "supportedComputeTypes")
    vcpus = either_field(s, "v_cp_us", "vCPUs")
    name = str(getattr(s, "name", "") or "")
    if vcpus is None:
        known = catalog_size(name)
        vcpus = known.vcpus if known else 0
    return Size(name, str(getattr(s, "family", "") or ""), int(vcpus), tuple(types) if types else None)


def _alike(name: str, sizes: dict[str, Size]) -> tuple[int, list[str]] | None:
    """A few sizes the region offers with the same vCPUs as the one asked for (and that number of vCPUs)."""
    known = catalog_size(name)
    if known is None:
        return None
    same = sorted(s.name for s in sizes.values() if s.vcpus == known.vcpus)[:3]
    return (known.vcpus, same) if same else None
