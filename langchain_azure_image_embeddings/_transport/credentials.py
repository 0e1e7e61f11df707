"""Turning the ``credential`` setting into what the clients take.

The Entra ID scopes an endpoint needs are the wire protocols' to say (``default_scopes``).
"""

from __future__ import annotations

from typing import Any

from azure.core.credentials import AzureKeyCredential
from pydantic import SecretStr

__all__ = ["is_key", "key_credential"]


def is_key(credential: object) -> bool:
    """Return whether ``credential`` is an API key rather than a token credential."""
    return isinstance(credential, (str, SecretStr, AzureKeyCredential))


def key_credential(credential: str | SecretStr | AzureKeyCredential) -> AzureKeyCredential:
    """Return an :class:`AzureKeyCredential` for a key given in any accepted form.

    Args:
        credential: A key as ``str``, ``SecretStr`` or ``AzureKeyCredential``.

    Returns:
        The key as an ``AzureKeyCredential`` (the same object when given one).
    """
    if isinstance(credential, AzureKeyCredential):
        return credential
    if isinstance(credential, SecretStr):
        return AzureKeyCredential(credential.get_secret_value())
    return AzureKeyCredential(credential)


def default_sync_credential() -> Any:
    """Create ``azure.identity.DefaultAzureCredential`` (only when no credential is given)."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def default_async_credential() -> Any:
    """Create ``azure.identity.aio.DefaultAzureCredential`` for the async client."""
    from azure.identity.aio import DefaultAzureCredential

    return DefaultAzureCredential()
