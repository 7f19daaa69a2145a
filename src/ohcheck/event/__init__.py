"""The facilitator's tools: the event.yaml model and its names, kits, Bicep and rights, preflight, teardown."""
