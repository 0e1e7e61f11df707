"""An instance's live state: clients made again when their settings change, shared pressure."""

from __future__ import annotations

import pickle
from dataclasses import replace

from pydantic import SecretStr

from langchain_azure_image_embeddings._engine.runtime import Runtime
from langchain_azure_image_embeddings._transport.clients import TransportSettings

SETTINGS = TransportSettings(
    endpoint="http://127.0.0.1:9/providers/cohere",
    api_version="2025-04-01",
    pool_size=4,
    connect_timeout=1.0,
    read_timeout=1.0,
    api="cohere",
)


def test_the_sync_client_is_kept_while_its_settings_and_credential_stay():
    runtime = Runtime()
    key = SecretStr("k")
    first = runtime.sync_transport(SETTINGS, key)
    assert runtime.sync_transport(replace(SETTINGS), key) is first  # equal settings
    changed = runtime.sync_transport(replace(SETTINGS, read_timeout=2.0), key)
    assert changed is not first
    assert (
        runtime.sync_transport(replace(SETTINGS, read_timeout=2.0), SecretStr("k")) is not changed
    )
    runtime.close()


def test_the_pressure_is_shared_until_the_bound_changes():
    runtime = Runtime()
    pressure = runtime.pressure(8)
    assert runtime.pressure(8) is pressure
    assert runtime.pressure(4) is not pressure


def test_a_copy_in_another_process_starts_fresh():
    runtime = Runtime()
    runtime.pressure(8)
    runtime.usage.prompt_tokens = 5
    copy = pickle.loads(pickle.dumps(runtime))
    assert copy.usage.prompt_tokens == 0 and copy.pressure(8) is not runtime.pressure(8)
