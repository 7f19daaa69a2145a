"""Azure SDK helpers shared by the azure target and the event tools: ARM reads, the catalogue, failure wording, workspace config."""
