"""Placement → DeploymentPlan (per-domain change sets with undo)."""

from nfvo.plan.planner import build_plan, slice_path

__all__ = ["build_plan", "slice_path"]
