"""Rows of Azure ML's compute usage list: a VM family's vCPU quota and the region's total.

The azure target (ComputeQuota for `verify`) and `ohcheck event preflight` (the quota rows)
pick the same rows out of `MLClient.compute.list_usage`.
"""

from __future__ import annotations

from typing import Any

from ohcheck.azure.sdk_values import squeezed

REGIONAL_USAGE = "Total Cluster Dedicated Regional vCPUs"


def family_usage(usages: list[Any], family: str) -> Any | None:
    """The region's row of dedicated cluster vCPUs of a VM family, whichever way the row names it.

    A VM size names its family `standardDSv2Family`; examples/Usage/list.json (2025-12-01)
    names the row "Standard DSv2 Family Cluster Dedicated vCPUs" (name.value and
    localizedValue) with `.../usages/Standard_DSv2_Family_Cluster_Dedicated_vCPUs` as its id.
    Any of these matches, compared without case, spaces or underscores. Its LowPriority row
    is another quota, not this one.
    """
    wanted = squeezed(family)
    return _region_row(usages, {wanted, wanted + "clusterdedicatedvcpus"})


def regional_usage(usages: list[Any]) -> Any | None:
    """The region's row of all dedicated cluster vCPUs ("Total Cluster Dedicated Regional vCPUs")."""
    return _region_row(usages, {squeezed(REGIONAL_USAGE)})


def _region_row(usages: list[Any], names: set[str]) -> Any | None:
    # The same names come again on rows of one workspace or one compute (type
    # .../workspaces/usages, .../workspace/computes/usages): the quota is the region's row.
    rows = [u for u in usages if names & {squeezed(n) for n in _usage_names(u)}]
    region = [u for u in rows if "workspace" not in str(getattr(u, "type", "") or "").lower()]
    return (region or rows or [None])[0]


def _usage_names(usage: Any) -> list[str]:
    """Every name a usage row goes by: name.value, name.localizedValue, the last segment of its id."""
    name = getattr(usage, "name", None)
    if isinstance(name, dict):
        names = [name.get("value"), name.get("localizedValue")]
    else:
        names = [getattr(name, "value", None), getattr(name, "localized_value", None)]
    usage_id = str(getattr(usage, "id", "") or "")
    if "/usages/" in usage_id:
        names.append(usage_id.rstrip("/").rsplit("/", 1)[-1])
    return [str(n) for n in names if n]
