"""Regional quota (usages) and VM sizes, in the shapes of Usage/list.json and VirtualMachineSize/list.json.

`fake.usages` and `fake.vm_sizes` are plain lists of these dicts, so a test
can change a limit or drop a row. A family's usage row is named by the same
family id as the VM size (`standardDSv2Family`), as Azure ML's usages API
answers; the localized name is the human one.
"""

from __future__ import annotations

from typing import Any


def usage(
    family: str,
    localized_name: str,
    *,
    current: int,
    limit: int,
    type: str = "Microsoft.MachineLearningServices/vmFamily/usages",
) -> dict[str, Any]:
    """One usage row; `id` is filled in with the subscription when served."""
    return {
        "type": type,
        "unit": "Count",
        "currentValue": current,
        "limit": limit,
        "name": {"value": family, "localizedValue": localized_name},
    }


def vm_size(
    name: str,
    family: str,
    *,
    vcpus: int,
    memory_gb: float,
    gpus: int = 0,
    low_priority_capable: bool = True,
    compute_types: tuple[str, ...] = ("AmlCompute", "ComputeInstance"),
    linux_price: float | None = None,
) -> dict[str, Any]:
    size: dict[str, Any] = {
        "name": name,
        "family": family,
        "vCPUs": vcpus,
        "gpus": gpus,
        "osVhdSizeMB": 1047552,
        "maxResourceVolumeMB": int(memory_gb * 2048),
        "memoryGB": memory_gb,
        "lowPriorityCapable": low_priority_capable,
        "premiumIO": True,
        "supportedComputeTypes": list(compute_types),
    }
    if linux_price is not None:
        size["estimatedVMPrices"] = {
            "billingCurrency": "USD",
            "unitOfMeasure": "OneHour",
            "values": [{"retailPrice": linux_price, "osType": "Linux", "vmTier": "Standard"}],
        }
    return size


def default_usages() -> list[dict[str, Any]]:
    """eastus for a team with a cluster of DSv2 nodes: 8 of 24 DSv2 vCPUs used, 8 of 100 regional."""
    return [
        usage(
            "Total Cluster Dedicated Regional vCPUs",
            "Total Cluster Dedicated Regional vCPUs",
            current=8,
            limit=100,
            type="Microsoft.MachineLearningServices/dedicatedCores/usages",
        ),
        usage(
            "Total Cluster LowPriority Regional vCPUs",
            "Total Cluster LowPriority Regional vCPUs",
            current=0,
            limit=100,
            type="Microsoft.MachineLearningServices/lowPriorityCores/usages",
        ),
        usage("standardDSv2Family", "Standard DSv2 Family Cluster Dedicated vCPUs", current=8, limit=24),
        usage("standardDv2Family", "Standard Dv2 Family Cluster Dedicated vCPUs", current=0, limit=24),
        usage("standardDSv3Family", "Standard DSv3 Family Cluster Dedicated vCPUs", current=0, limit=24),
        usage("standardNCFamily", "Standard NC Family Cluster Dedicated vCPUs", current=0, limit=0),
    ]


def default_vm_sizes() -> list[dict[str, Any]]:
    return [
        vm_size("Standard_DS1_v2", "standardDSv2Family", vcpus=1, memory_gb=3.5, linux_price=0.07),
        vm_size("Standard_DS2_v2", "standardDSv2Family", vcpus=2, memory_gb=7.0, linux_price=0.15),
        vm_size(
            "Standard_DS3_v2",
            "standardDSv2Family",
            vcpus=4,
            memory_gb=14.0,
            compute_types=("AmlCompute", "ComputeInstance", "MIR"),
            linux_price=0.29,
        ),
        vm_size("Standard_DS11_v2", "standardDSv2Family", vcpus=2, memory_gb=14.0, linux_price=0.18),
        vm_size("Standard_DS12_v2", "standardDSv2Family", vcpus=4, memory_gb=28.0, linux_price=0.37),
        vm_size("Standard_D4s_v3", "standardDSv3Family", vcpus=4, memory_gb=16.0, linux_price=0.19),
        vm_size(
            "Standard_NC6",
            "standardNCFamily",
            vcpus=6,
            memory_gb=56.0,
            gpus=1,
            compute_types=("AmlCompute",),
            linux_price=0.9,
        ),
    ]
