"""The catalog: slice templates (TOSCA) → SliceRequest, and substrate files → Substrate.

The only code that imports tosca-parser, and only on the first template it loads.
"""

from __future__ import annotations

from nfvo.catalog.loader import TemplateAnalysis, analyse, load, load_template, validate_template
from nfvo.catalog.parse import warm_up
from nfvo.catalog.profile import LoadedTemplate, ServiceLevel, SliceProfile
from nfvo.catalog.substrate_file import load_substrate, parse_substrate
from nfvo.resources import models_dir


def example_names() -> list[str]:
    """Names of the example templates shipped in models/templates (e.g. "embb")."""
    return sorted(p.stem for p in (models_dir() / "templates").glob("*.yaml"))


__all__ = [
    "LoadedTemplate",
    "ServiceLevel",
    "SliceProfile",
    "TemplateAnalysis",
    "analyse",
    "example_names",
    "load",
    "load_substrate",
    "load_template",
    "parse_substrate",
    "validate_template",
    "warm_up",
]
