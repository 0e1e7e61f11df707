"""The emulator's own dependencies, installed with the ``emulator`` extra."""

from __future__ import annotations

import importlib.util

__all__ = ["INSTALL_HINT", "has_module", "require_extra"]

INSTALL_HINT = "pip install 'langchain-azure-image-embeddings[emulator]'"


def has_module(name: str) -> bool:
    """Whether a module can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def require_extra(module: str, needed_for: str) -> None:
    """Raise an ``ImportError`` naming the extra when ``module`` is missing.

    Args:
        module: The module the feature imports.
        needed_for: What needs it, for the message.

    Raises:
        ImportError: The module is not installed.
    """
    if not has_module(module):
        raise ImportError(
            f"{needed_for} needs {module}, which comes with the emulator's extra: {INSTALL_HINT}"
        )
