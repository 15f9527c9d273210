"""Placement → DeploymentPlan (per-domain change sets with undo)."""

from nfvo.plan.planner import build_plan, slice_path
from nfvo.plan.switch import build_switch_plan

__all__ = ["build_plan", "build_switch_plan", "slice_path"]
