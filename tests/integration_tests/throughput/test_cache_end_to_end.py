"""The vector cache end to end: what a second run sends (nothing), and what it must not reuse."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path

import pytest
from langchain_classic.storage import LocalFileStore
from langchain_core.stores import InMemoryByteStore

from langchain_azure_image_embeddings import EmbeddingServiceError
from langchain_azure_image_embeddings.emulator import (
    FoundryEmulator,
    expected_image_vector,
    expected_text_vector,
)

from ...conftest import EMULATOR_KEY, MODEL, jpeg_bytes, make_embeddings

IMAGES_ROUTE, TEXTS_ROUTE = "/images/embeddings", "/embeddings"


def _requests(emulator: FoundryEmulator, route: str = IMAGES_ROUTE) -> int:
    return emulator.stats()["requests"][route]


@pytest.fixture
def image_files(tmp_path):
    paths = []
    for seed in range(12):
        path = tmp_path / f"photo{seed:02d}.jpg"
        path.write_bytes(jpeg_bytes(seed=seed))
        paths.append(str(path))
    return tmp_path, paths


def test_a_second_run_sends_no_request_and_embed_image_keeps_working(emulator, image_files):
    root, paths = image_files
    store = InMemoryByteStore()
    embeddings = make_embeddings(emulator, image_roots=[root], cache=store, max_concurrency=4)
    first = embeddings.embed_image(uris=paths)
    assert _requests(emulator) == len(paths)
    assert first == [
        expected_image_vector(Path(p).read_bytes(), model=MODEL, input_type="document")
        for p in paths
    ]
    emulator.reset_stats()
    assert embeddings.embed_image(uris=paths) == first
    assert embeddings.embed_images(reversed(paths)) == first[::-1]  # generators too
    assert _requests(emulator) == 0


async def test_a_second_async_run_sends_no_request(emulator, image_files):
    root, paths = image_files
    embeddings = make_embeddings(emulator, image_roots=[root], cache=InMemoryByteStore())
    first = await embeddings.aembed_image(uris=paths)
    emulator.reset_stats()
    assert await embeddings.aembed_image(uris=paths) == first
    assert embeddings.embed_image(uris=paths) == first  # shared between sync and async
    assert _requests(emulator) == 0


def test_only_new_inputs_are_sent(emulator):
    embeddings = make_embeddings(emulator, cache=InMemoryByteStore(), texts_per_request=10)
    embeddings.embed_documents(["a", "b", "c"])
    emulator.reset_stats()
    vectors = embeddings.embed_documents(["c", "d", "a"])
    assert vectors == [expected_text_vector(t, model=MODEL, input_type="document") for t in "cda"]
    assert emulator.stats()["texts"] == 1  # only "d" travelled
    assert _requests(emulator, TEXTS_ROUTE) == 1


def test_the_misses_fill_whole_requests(emulator):
    """Hits are answered before batching, so what is left still travels in full requests."""
    embeddings = make_embeddings(emulator, cache=InMemoryByteStore(), texts_per_request=4)
    known = [f"known {index}" for index in range(8)]
    embeddings.embed_documents(known)
    emulator.reset_stats()
    new = [f"new {index}" for index in range(8)]
    mixed = [text for pair in zip(known, new, strict=True) for text in pair]
    vectors = embeddings.embed_documents(mixed)
    assert vectors == [expected_text_vector(t, model=MODEL, input_type="document") for t in mixed]
    assert emulator.stats()["texts"] == 8
    assert _requests(emulator, TEXTS_ROUTE) == 2  # not one request per hole between hits


async def test_the_misses_fill_whole_requests_async(emulator):
    embeddings = make_embeddings(emulator, cache=InMemoryByteStore(), texts_per_request=3)
    await embeddings.aembed_documents(["a", "b", "c"])
    emulator.reset_stats()
    assert await embeddings.aembed_documents(["a", "x", "b", "y", "c", "z"]) == [
        expected_text_vector(t, model=MODEL, input_type="document") for t in "axbycz"
    ]
    assert _requests(emulator, TEXTS_ROUTE) == 1


async def test_the_callers_generator_is_read_on_the_event_loops_thread(emulator):
    """The look-ups run in threads; the caller's iterable (a DB cursor, say) must not."""
    embeddings = make_embeddings(emulator, cache=InMemoryByteStore(), texts_per_request=4)
    await embeddings.aembed_documents(["a", "b"])
    threads = []

    def texts():
        for text in ["a", "new", "b", "newer"] * 40:
            threads.append(threading.get_ident())
            yield text

    vectors = await embeddings.aembed_documents(texts())
    assert len(vectors) == 160
    assert set(threads) == {threading.get_ident()}


def test_input_types_are_cached_apart(emulator):
    image = jpeg_bytes(seed=1)
    embeddings = make_embeddings(emulator, cache=InMemoryByteStore())
    document = embeddings.embed_images([image])
    query = embeddings.embed_images([image], input_type="query")
    assert document != query
    assert query == [expected_image_vector(image, model=MODEL, input_type="query")]
    assert _requests(emulator) == 2
    assert embeddings.embed_query("a cat") == embeddings.embed_query("a cat")
    assert embeddings.embed_documents(["a cat"])[0] != embeddings.embed_query("a cat")
    assert _requests(emulator, TEXTS_ROUTE) == 2


def test_dimensions_are_cached_apart():
    store = InMemoryByteStore()
    with FoundryEmulator(model="embed-v-4-0", key=EMULATOR_KEY) as emulator:
        small = make_embeddings(emulator, model="embed-v-4-0", dimensions=256, cache=store)
        large = make_embeddings(emulator, model="embed-v-4-0", dimensions=512, cache=store)
        assert len(small.embed_query("a cat")) == 256
        assert len(large.embed_query("a cat")) == 512
        assert len(small.embed_query("a cat")) == 256
        assert _requests(emulator, TEXTS_ROUTE) == 2


def test_models_and_endpoints_are_cached_apart():
    store = InMemoryByteStore()
    image = jpeg_bytes(seed=2)
    with (
        FoundryEmulator(model=MODEL, key=EMULATOR_KEY) as english,
        FoundryEmulator(model="Cohere-embed-v3-multilingual", key=EMULATOR_KEY) as multilingual,
    ):
        first = make_embeddings(english, cache=store).embed_images([image])
        other_model = make_embeddings(
            multilingual, model="Cohere-embed-v3-multilingual", cache=store
        ).embed_images([image])
        assert first != other_model
        assert _requests(english) == 1
        assert _requests(multilingual) == 1


def test_failures_are_not_cached(emulator):
    store = InMemoryByteStore()
    embeddings = make_embeddings(emulator, cache=store, max_retries=0)
    emulator.enqueue("500")
    with pytest.raises(EmbeddingServiceError):
        embeddings.embed_documents(["a"])
    assert embeddings.embed_documents(["a"]) == [
        expected_text_vector("a", model=MODEL, input_type="document")
    ]
    assert _requests(emulator, TEXTS_ROUTE) == 2


def test_a_file_store_works_and_the_instance_still_pickles(emulator, tmp_path):
    image = jpeg_bytes(seed=3)
    embeddings = make_embeddings(emulator, cache=LocalFileStore(tmp_path / "cache"))
    vectors = embeddings.embed_images([image])
    copy = pickle.loads(pickle.dumps(embeddings))
    emulator.reset_stats()
    assert copy.embed_images([image]) == vectors
    assert _requests(emulator) == 0
