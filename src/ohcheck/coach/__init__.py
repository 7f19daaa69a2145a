"""The coach's tools: collect, the progress model, report, dashboard, sign-off and their store."""
