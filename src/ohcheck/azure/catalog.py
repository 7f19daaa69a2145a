"""What ohcheck knows of Azure offline: region names and the VM sizes a hack would use.

`ohcheck event validate` must say "unknown region" or "unknown VM size" with
no Azure account and no network, so the lists live here. They are the public
names (`az account list-locations`, `az vm list-sizes`) of the regions that
host Azure Machine Learning and of the general-purpose, memory- and
compute-optimised and GPU sizes Azure ML offers for clusters and instances.
`ohcheck event preflight` asks Azure itself for the vCPU count and the quota
family; this table is the offline fallback and the spelling check.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

# Regions with Azure Machine Learning (public cloud), by their ARM location names.
REGIONS: frozenset[str] = frozenset(
    """
    australiacentral australiaeast australiasoutheast brazilsouth canadacentral canadaeast
    centralindia centralus eastasia eastus eastus2 francecentral germanywestcentral israelcentral
    italynorth japaneast japanwest koreacentral koreasouth mexicocentral newzealandnorth northcentralus
    northeurope norwayeast polandcentral qatarcentral southafricanorth southcentralus southeastasia
    southindia spaincentral swedencentral switzerlandnorth switzerlandwest uaenorth uksouth ukwest
    westcentralus westeurope westus westus2 westus3
    """.split()
)


@dataclass(frozen=True)
class VmSize:
    name: str
    family: str  # the quota family, as Azure ML's usages name it (standardDSv2Family)
    vcpus: int
    gpus: int = 0


def _sizes() -> dict[str, VmSize]:
    rows: list[tuple[str, str, int, int]] = []

    def add(family: str, names_vcpus: list[tuple[str, int]], gpus_per: dict[str, int] | None = None) -> None:
        for name, vcpus in names_vcpus:
            rows.append((name, family, vcpus, (gpus_per or {}).get(name, 0)))

    add("standardDv2Family", [("Standard_D1_v2", 1), ("Standard_D2_v2", 2), ("Standard_D3_v2", 4),
                              ("Standard_D4_v2", 8), ("Standard_D5_v2", 16), ("Standard_D11_v2", 2),
                              ("Standard_D12_v2", 4), ("Standard_D13_v2", 8), ("Standard_D14_v2", 16)])
    add("standardDSv2Family", [("Standard_DS1_v2", 1), ("Standard_DS2_v2", 2), ("Standard_DS3_v2", 4),
                               ("Standard_DS4_v2", 8), ("Standard_DS5_v2", 16), ("Standard_DS11_v2", 2),
                               ("Standard_DS12_v2", 4), ("Standard_DS13_v2", 8), ("Standard_DS14_v2", 16)])
    add("standardDv3Family", [(f"Standard_D{n}_v3", n) for n in (2, 4, 8, 16, 32, 48, 64)])
    add("standardDSv3Family", [(f"Standard_D{n}s_v3", n) for n in (2, 4, 8, 16, 32, 48, 64)])
    add("standardDDv4Family", [(f"Standard_D{n}d_v4", n) for n in (2, 4, 8, 16, 32, 48, 64)])
    add("standardDDSv4Family", [(f"Standard_D{n}ds_v4", n) for n in (2, 4, 8, 16, 32, 48, 64)])
    add("standardDv4Family", [(f"Standard_D{n}_v4", n) for n in (2, 4, 8, 16, 32, 48, 64)])
    add("standardDSv4Family", [(f"Standard_D{n}s_v4", n) for n in (2, 4, 8, 16, 32, 48, 64)])
    add("standardDv5Family", [(f"Standard_D{n}_v5", n) for n in (2, 4, 8, 16, 32, 48, 64, 96)])
    add("standardDSv5Family", [(f"Standard_D{n}s_v5", n) for n in (2, 4, 8, 16, 32, 48, 64, 96)])
    add("standardDADSv5Family", [(f"Standard_D{n}ads_v5", n) for n in (2, 4, 8, 16, 32, 48, 64, 96)])
    add("standardEv3Family", [(f"Standard_E{n}_v3", n) for n in (2, 4, 8, 16, 20, 32, 48, 64)])
    add("standardESv3Family", [(f"Standard_E{n}s_v3", n) for n in (2, 4, 8, 16, 20, 32, 48, 64)])
    add("standardEDSv4Family", [(f"Standard_E{n}ds_v4", n) for n in (2, 4, 8, 16, 20, 32, 48, 64)])
    add("standardEv5Family", [(f"Standard_E{n}_v5", n) for n in (2, 4, 8, 16, 20, 32, 48, 64, 96)])
    add("standardFSv2Family", [(f"Standard_F{n}s_v2", n) for n in (2, 4, 8, 16, 32, 48, 64, 72)])
    add("standardNCFamily", [("Standard_NC6", 6), ("Standard_NC12", 12), ("Standard_NC24", 24)],
        {"Standard_NC6": 1, "Standard_NC12": 2, "Standard_NC24": 4})
    add("standardNCSv3Family", [("Standard_NC6s_v3", 6), ("Standard_NC12s_v3", 12), ("Standard_NC24s_v3", 24)],
        {"Standard_NC6s_v3": 1, "Standard_NC12s_v3": 2, "Standard_NC24s_v3": 4})
    add("StandardNCASv3_T4Family", [("Standard_NC4as_T4_v3", 4), ("Standard_NC8as_T4_v3", 8),
                                    ("Standard_NC16as_T4_v3", 16), ("Standard_NC64as_T4_v3", 64)],
        {"Standard_NC4as_T4_v3": 1, "Standard_NC8as_T4_v3": 1, "Standard_NC16as_T4_v3": 1, "Standard_NC64as_T4_v3": 4})
    add("standardNCADSA100v4Family", [("Standard_NC24ads_A100_v4", 24), ("Standard_NC48ads_A100_v4", 48),
                                      ("Standard_NC96ads_A100_v4", 96)],
        {"Standard_NC24ads_A100_v4": 1, "Standard_NC48ads_A100_v4": 2, "Standard_NC96ads_A100_v4": 4})
    return {name.lower(): VmSize(name, family, vcpus, gpus) for name, family, vcpus, gpus in rows}


VM_SIZES: dict[str, VmSize] = _sizes()


def vm_size(name: str) -> VmSize | None:
    """The size by its name, whatever its case (Azure accepts Standard_ds3_v2 too)."""
    return VM_SIZES.get(name.lower())


def did_you_mean(word: str, choices: list[str] | frozenset[str]) -> str:
    """' (did you mean X?)' for the nearest spelling, or ''."""
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]}?)" if close else ""
