"""Cohere's route over raw HTTP: authentication, the shared steps (size, method, rpm, faults)
with Cohere's error bodies, stats and received images, and the command line."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import cohere
import pytest

from langchain_azure_image_embeddings.emulator import (
    FaultPlan,
    FoundryEmulator,
    expected_cohere_vector,
)
from langchain_azure_image_embeddings.emulator.imaging import sha256_hex

from ...conftest import png_bytes
from .conftest import KEY, V3, V4, Reply, data_url, send
from .test_emulator_cli import Cli

FOUNDRY = "/providers/cohere"
TEXTS = {"model": V3, "input_type": "search_query", "texts": ["hi"], "embedding_types": ["float"]}


def cohere_send(
    emulator: FoundryEmulator, body: object = TEXTS, *, prefix: str = FOUNDRY, **options: object
) -> Reply:
    """POST to Cohere's route (no api-version: Cohere's API has none)."""
    return send(emulator, "/v2/embed", body, prefix=prefix, query=None, **options)  # type: ignore[arg-type]


def assert_cohere_error(reply: Reply, status: int, message: str) -> None:
    assert reply.status == status
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert set(body) == {"id", "message"}
    assert body["message"] == message
    assert "x-ms-error-code" not in reply.headers


@pytest.fixture
def emu_with_token() -> Iterator[FoundryEmulator]:
    with FoundryEmulator(model=V3, key=KEY, tokens=("entra-token",)) as emulator:
        yield emulator


@pytest.mark.parametrize("prefix", [FOUNDRY, ""])
def test_authentication(emu_with_token: FoundryEmulator, prefix: str):
    emulator = emu_with_token
    bearer = {"Authorization": f"Bearer {KEY}"}
    accepted = [
        cohere_send(emulator, prefix=prefix),  # api-key header
        cohere_send(emulator, prefix=prefix, key=None, headers=bearer),  # serverless form
        cohere_send(
            emulator, prefix=prefix, key=None, headers={"Authorization": "Bearer entra-token"}
        ),
    ]
    assert [reply.status for reply in accepted] == [200, 200, 200]
    assert_cohere_error(cohere_send(emulator, prefix=prefix, key=None), 401, "no api key supplied")
    assert_cohere_error(cohere_send(emulator, prefix=prefix, key="wrong"), 401, "invalid api token")
    assert_cohere_error(
        cohere_send(emulator, prefix=prefix, key=None, headers={"Authorization": "Bearer wrong"}),
        401,
        "invalid api token",
    )
    assert_cohere_error(
        cohere_send(emulator, prefix=prefix, key=None, headers={"Authorization": f"Basic {KEY}"}),
        401,
        "invalid api token",
    )
    assert emulator.stats()["requests"]["/v2/embed"] == 7


def test_method_size_and_undecodable_image(emu: FoundryEmulator):
    wrong_method = cohere_send(emu, None, method="GET")
    assert_cohere_error(wrong_method, 405, "Method GET is not allowed on this route; use POST.")
    assert wrong_method.headers["allow"] == "POST"
    too_big = cohere_send(emu, b"x" * (emu.profile.max_request_bytes + 1))
    assert too_big.status == 413
    assert set(too_big.json()) == {"id", "message"}
    corrupt = png_bytes()[:60]
    reply = cohere_send(
        emu,
        {"model": V3, "input_type": "image", "images": [data_url(corrupt)]}
        | {"embedding_types": ["float"]},
    )
    assert_cohere_error(
        reply, 400, "invalid request: images[0]: image data is corrupt or truncated"
    )
    assert emu.received_images[-1]["route"] == "/v2/embed"
    assert emu.received_images[-1]["sniffed_format"] is None  # recorded though undecodable


def test_api_version_is_not_required_nor_checked(emu: FoundryEmulator):
    assert cohere_send(emu).status == 200
    assert send(emu, "/v2/embed", TEXTS, prefix=FOUNDRY, query="api-version=1999").status == 200


def test_stats_count_the_cohere_route_only(emu: FoundryEmulator):
    png = png_bytes((30, 20))
    pair = {
        "model": V3,
        "input_type": "search_document",
        "inputs": [
            {"content": [{"type": "text", "text": "caption"}]},
            {
                "content": [
                    {"type": "image_url", "image_url": {"url": data_url(png)}},
                    {"type": "text", "text": "with caption"},
                ]
            },
        ],
        "embedding_types": ["float"],
    }
    assert cohere_send(emu, pair).status == 200
    assert cohere_send(emu, prefix="").status == 200
    assert cohere_send(emu, {**TEXTS, "model": "nope"}).status == 404
    assert send(emu, "/v2/embed", TEXTS, prefix="/models", query=None).status == 404  # not a route
    stats = emu.stats()
    assert stats["requests"] == {
        "/images/embeddings": 0,
        "/embeddings": 0,
        "/info": 0,
        "/v2/embed": 3,
        "other": 1,
    }
    assert (stats["images"], stats["texts"]) == (1, 2)
    assert stats["status_counts"] == {"200": 2, "404": 2}
    [record] = emu.received_images
    assert record == {
        "route": "/v2/embed",
        "declared_mime": "image/png",
        "sniffed_format": "png",
        "byte_size": len(png),
        "width": 30,
        "height": 20,
        "sha256": sha256_hex(png),
        "text": "with caption",
    }


def test_one_seeded_fault_plan_for_both_protocols():
    kinds = ("429", "500", "503")
    plan = FaultPlan(7, 0.5, kinds)
    expected = [int(kind) if (kind := plan.outcome(n)) else 200 for n in range(16)]
    assert 200 in expected and len(set(expected)) > 2  # the seed gives a mixed schedule
    with FoundryEmulator(model=V3, key=KEY, fault_rate=0.5, faults=kinds, seed=7) as emulator:
        statuses = []
        for n in range(16):
            if n % 3 == 2:  # the model-inference route takes numbers from the same plan
                reply = send(emulator, "/embeddings", {"input": ["hi"]})
            else:
                reply = cohere_send(emulator, prefix=FOUNDRY if n % 2 else "")
                if reply.status != 200:
                    assert set(reply.json()) == {"id", "message"}
            statuses.append(reply.status)
        faults = emulator.stats()["faults_injected"]
    assert statuses == expected
    assert sum(faults.values()) == sum(status != 200 for status in expected)


def test_rpm_429_carries_retry_headers_and_cohere_body():
    with FoundryEmulator(model=V3, key=KEY, rpm=1) as emulator:
        assert cohere_send(emulator).status == 200
        limited = cohere_send(emulator)
    assert_cohere_error(
        limited,
        429,
        "You are past the per minute request limit, please wait and try again later.",
    )
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert 0 < int(limited.headers["retry-after-ms"]) <= 60_000


def test_sdk_waits_retry_after_ms_and_succeeds():
    with (
        FoundryEmulator(model=V4, key=KEY, retry_after=0.02) as emulator,
        cohere.ClientV2(api_key=KEY, base_url=emulator.cohere_endpoint, timeout=10) as sdk,
    ):
        emulator.enqueue("429-retry-after-ms")
        answer = sdk.embed(
            model=V4, input_type="search_query", texts=["retry"], embedding_types=["float"]
        )
        stats = emulator.stats()
    assert answer.embeddings.float_ == [
        expected_cohere_vector(model=V4, input_type="search_query", text="retry")
    ]
    assert stats["requests"]["/v2/embed"] == 2
    assert stats["status_counts"] == {"429": 1, "200": 1}
    assert stats["faults_injected"] == {"429-retry-after-ms": 1}


def test_cli_prints_the_cohere_endpoint_the_sdk_uses():
    process = Cli("--key", "cli-key", "--model", V4)
    try:
        endpoint = process.line().removeprefix("endpoint: ")
        cohere_line = process.line()
        assert cohere_line.startswith("cohere endpoint: ")
        cohere_endpoint = cohere_line.removeprefix("cohere endpoint: ")
        assert cohere_endpoint == endpoint.removesuffix("/models") + "/providers/cohere"
        with cohere.ClientV2(api_key="cli-key", base_url=cohere_endpoint, timeout=10) as sdk:
            answer = sdk.embed(
                model=V4,
                input_type="image",
                images=[data_url(png_bytes())],
                output_dimension=256,
                embedding_types=["float"],
            )
        assert answer.embeddings.float_ == [
            expected_cohere_vector(
                model=V4, input_type="image", image=png_bytes(), output_dimension=256
            )
        ]
        assert process.stop(signal.SIGTERM) == 0
    finally:
        process.close()
