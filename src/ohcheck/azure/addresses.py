"""Where Azure is: Resource Manager's address and the scope of a token for it.

Apart from azure/arm.py (which imports azure-core's pipeline) so that the azure target,
whose SDK imports are all made up front (SDK_MODULES), can read them without it.
"""

from __future__ import annotations

import os

ARM_SCOPE = "https://management.azure.com/.default"  # a token for ARM: what the SDK, MLflow and ARM GETs ask for


def arm_base_url() -> str:
    """Azure Resource Manager's address; AZUREML_DEV_URL_MFE moves it (azure-ai-ml honours the same variable)."""
    return os.environ.get("AZUREML_DEV_URL_MFE", "https://management.azure.com")
