"""Regional quota (usages) and VM sizes, in the shapes of Usage/list.json and VirtualMachineSize/list.json.

`fake.usages` and `fake.vm_sizes` are plain lists of these dicts, so a test
can change a limit or drop a row. A usage row is named as
examples/Usage/list.json (2025-12-01) names it: "Standard DSv2 Family Cluster
Dedicated vCPUs" as both name.value and name.localizedValue, its id ending in
`/usages/Standard_DSv2_Family_Cluster_Dedicated_vCPUs`; not by the VM size's
family id (`standardDSv2Family`). As in that example, the same name comes again
on rows of one workspace (type .../workspaces/usages), and each family has a
LowPriority row besides its Dedicated one.
"""

from __future__ import annotations

from typing import Any

VM_FAMILY = "Microsoft.MachineLearningServices/vmFamily/usages"


def usage(
    name: str,
    *,
    current: int,
    limit: int,
    type: str = VM_FAMILY,
    localized_name: str | None = None,
    id: str | None = None,
) -> dict[str, Any]:
    """One usage row. Without `id`, one is made when served, as in Usage/list.json:
    `/subscriptions/<sub>/usages/<name with underscores>` for a VM family's row, `/subscriptions/<sub>/usages`
    for a total."""
    row: dict[str, Any] = {
        "type": type,
        "unit": "Count",
        "currentValue": current,
        "limit": limit,
        "name": {"value": name, "localizedValue": localized_name or name},
    }
    if id is not None:
        row["id"] = id
    return row


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
    workspace_usages = ("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-openhack/providers/"
                        "Microsoft.MachineLearningServices/workspaces/mlw-team1/usages/")
    return [
        usage("Total Cluster Dedicated Regional vCPUs", current=8, limit=100,
              type="Microsoft.MachineLearningServices/dedicatedCores/usages"),
        usage("Standard DSv2 Family Cluster Dedicated vCPUs", current=8, limit=24),
        # One workspace's share of the family (the same name, another type): not the region's quota.
        usage("Standard DSv2 Family Cluster Dedicated vCPUs", current=4, limit=24,
              type="Microsoft.MachineLearningServices/workspaces/usages",
              id=workspace_usages + "Standard_DSv2_Family_Cluster_Dedicated_vCPUs"),
        usage("Standard Dv2 Family Cluster Dedicated vCPUs", current=0, limit=24),
        usage("Standard DSv3 Family Cluster Dedicated vCPUs", current=0, limit=24),
        usage("Standard NC Family Cluster Dedicated vCPUs", current=0, limit=0),
        usage("Total Cluster LowPriority Regional vCPUs", current=0, limit=100,
              type="Microsoft.MachineLearningServices/lowPriorityCores/usages"),
        usage("Standard DSv2 Family Cluster LowPriority vCPUs", current=0, limit=-1),
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
