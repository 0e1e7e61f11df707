"""1,000 mixed inputs with a quarter of the requests faulted by every fault kind.

On both routes: the model-inference API (``/models``) and Cohere's (``/providers/cohere``),
whose vectors for the same inputs are the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_azure_image_embeddings.emulator import FAULT_KINDS, FoundryEmulator

from ...conftest import EMULATOR_KEY, MODEL, make_embeddings
from .conftest import expected_vectors, mixed_inputs

INPUTS = 1000
FAULT_RATE = 0.25
# Short waits so that the run is quick: the stall fault costs a read timeout, the
# 429 fault a Retry-After, the others a back-off. Small text batches keep every
# answer well within the read timeout on a busy machine.
FAST = {
    "timeout": 0.3,
    "retry_backoff": 0.01,
    "retry_backoff_max": 0.1,
    "max_retries": 10,
    "texts_per_request": 8,
}


@pytest.fixture(scope="module")
def inputs() -> list[Any]:
    return mixed_inputs(INPUTS)


@pytest.fixture(scope="module")
def fault_free(inputs: list[Any]) -> list[list[float]]:
    """The vectors of a fault-free run, checked against the recomputed vectors."""
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY) as emulator:
        vectors = make_embeddings(emulator).embed_documents(inputs)
        assert emulator.stats()["faults_injected"] == {}
    assert vectors == expected_vectors(inputs)
    return vectors


@pytest.fixture
def faulty() -> Iterator[FoundryEmulator]:
    with FoundryEmulator(
        model=MODEL,
        key=EMULATOR_KEY,
        fault_rate=FAULT_RATE,
        faults=FAULT_KINDS,
        seed=2026,
        retry_after=0.02,
    ) as emulator:
        yield emulator


ROUTES = {
    "models": frozenset({"/images/embeddings", "/embeddings"}),
    "cohere": frozenset({"/v2/embed"}),
}


def _embeddings(emulator: FoundryEmulator, route: str) -> Any:
    endpoint = emulator.cohere_endpoint if route == "cohere" else emulator.endpoint
    return make_embeddings(emulator, endpoint=endpoint, **FAST)


def _report(mode: str, route: str, emulator: FoundryEmulator, record: Any) -> None:
    stats = emulator.stats()
    requests = sum(stats["requests"].values())
    faults = stats["faults_injected"]
    record("requests", requests)
    record("faults", sum(faults.values()))
    print(
        f"\nfault plan ({mode}, {route}): {INPUTS} inputs, {requests} requests, "
        f"{sum(faults.values())} faulted: {dict(sorted(faults.items()))}"
    )
    called = {name for name, count in stats["requests"].items() if count}
    assert called == ROUTES[route]
    assert set(faults) == set(FAULT_KINDS), "every fault kind was injected"
    assert sum(faults.values()) >= 0.2 * requests


@pytest.mark.parametrize("route", list(ROUTES))
def test_sync_every_vector_comes_back_in_order_through_every_fault(
    inputs, fault_free, faulty, record_property, route
):
    vectors = _embeddings(faulty, route).embed_documents(inputs)
    assert vectors == fault_free
    _report("sync", route, faulty, record_property)


@pytest.mark.parametrize("route", list(ROUTES))
async def test_async_every_vector_comes_back_in_order_through_every_fault(
    inputs, fault_free, faulty, record_property, route
):
    vectors = await _embeddings(faulty, route).aembed_documents(inputs)
    assert vectors == fault_free
    _report("async", route, faulty, record_property)
    assert not [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
