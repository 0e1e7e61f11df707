"""Choosing the credential and the Entra ID scope for an endpoint."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AzureKeyCredential
from pydantic import SecretStr

__all__ = ["COGNITIVE_SERVICES_SCOPE", "default_scopes", "is_key", "key_credential"]

COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"
_COGNITIVE_HOST_SUFFIXES = (".services.ai.azure.com", ".cognitiveservices.azure.com")


def default_scopes(endpoint: str) -> list[str] | None:
    """Return the Entra ID scopes an endpoint needs, chosen by its host.

    Foundry resources (``*.services.ai.azure.com``, ``*.cognitiveservices.azure.com``)
    need ``https://cognitiveservices.azure.com/.default``; other hosts
    (serverless and managed compute endpoints) keep the SDK default
    (``https://ml.azure.com/.default``), signalled by ``None``.

    Args:
        endpoint: The endpoint URL.

    Returns:
        The scopes to request, or ``None`` for the SDK default.
    """
    host = (urlsplit(endpoint).hostname or "").lower()
    if host.endswith(_COGNITIVE_HOST_SUFFIXES):
        return [COGNITIVE_SERVICES_SCOPE]
    return None


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
