"""What the local target runs: `ohcheck serve` (azmlinfsrv), the local pipeline runner, the score harness."""
