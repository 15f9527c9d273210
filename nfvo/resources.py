"""Where the shipped data (models/) lives: inside the wheel or at the checkout's root."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def models_dir() -> Path:
    """The models folder: `nfvo/_models` in an installed wheel, `models/` in a checkout."""
    for candidate in (_PACKAGE / "_models", _PACKAGE.parent / "models"):
        if (candidate / "profile").is_dir():
            return candidate
    raise FileNotFoundError(
        "the models folder (TOSCA profile, example templates, substrates) was not found "
        f"in {_PACKAGE / '_models'} nor {_PACKAGE.parent / 'models'}; reinstall the package"
    )


def example_template(name: str) -> Path:
    return models_dir() / "templates" / f"{name}.yaml"


def example_substrate(name: str = "lab") -> Path:
    return models_dir() / "substrates" / f"{name}.yaml"
