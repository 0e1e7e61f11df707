"""Stand-in for the Azure SDK's `devtools_testutils`: live mode only, requests pass through."""

from __future__ import annotations

import functools
import inspect
import os
import time
from collections.abc import Callable
from typing import Any

import pytest
from azure.core.credentials import AccessToken

TOKEN_VARIABLE = "AZURE_AI_TEST_TOKEN"


@pytest.fixture(scope="session")
def test_proxy() -> None:
    """No test proxy: every request goes to the endpoint itself."""
    return None


def remove_batch_sanitizers(sanitizers: list[str], **kwargs: Any) -> None:
    """Nothing is recorded, so there is nothing to sanitise."""


def _token() -> AccessToken:
    return AccessToken(os.environ[TOKEN_VARIABLE], int(time.time()) + 3600)


class _Credential:
    """A TokenCredential whose token is the environment's `AZURE_AI_TEST_TOKEN`."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return _token()


class _AsyncCredential:
    """The AsyncTokenCredential twin of `_Credential`."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return _token()

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> _AsyncCredential:
        return self

    async def __aexit__(self, *args: object) -> None:
        return None


class AzureRecordedTestCase:
    """Base class of the SDK's test classes: live mode, with a fixed-token credential."""

    @property
    def is_live(self) -> bool:
        return True

    def get_credential(self, client_class: type, **kwargs: Any) -> Any:
        return _AsyncCredential() if kwargs.get("is_async") else _Credential()


def EnvironmentVariableLoader(
    directory: str, **defaults: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Pass each named setting to the test from the environment (upper-cased name)."""

    def settings() -> dict[str, str]:
        return {name: os.environ.get(name.upper(), value) for name, value in defaults.items()}

    def decorate(test: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(test):

            @functools.wraps(test)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                return await test(*args, **{**settings(), **kwargs})

            return run_async

        @functools.wraps(test)
        def run(*args: Any, **kwargs: Any) -> Any:
            return test(*args, **{**settings(), **kwargs})

        return run

    return decorate


def recorded_by_proxy(test: Callable[..., Any]) -> Callable[..., Any]:
    """Live mode: the test runs as it is."""
    return test
