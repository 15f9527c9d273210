"""Network-slice orchestrator."""
