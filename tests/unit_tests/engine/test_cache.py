"""The vector cache without a network: keys, (de)serialisation, lookups and writes."""

from __future__ import annotations

import base64
import dataclasses
import re
from array import array

import pytest
from langchain_core.stores import InMemoryByteStore

from langchain_azure_image_embeddings._engine.batch_preparation import RequestOptions
from langchain_azure_image_embeddings._engine.batching import Batch
from langchain_azure_image_embeddings._engine.cache import (
    KEY_PREFIX,
    CacheScope,
    EmbeddingCache,
    decode_vector,
    encode_vector,
    source_key,
)
from langchain_azure_image_embeddings._images.inputs import ImageItem, TextItem
from langchain_azure_image_embeddings._images.preparation import ImageLimits
from langchain_azure_image_embeddings._images.sources import ImagePolicy, check_image_source_policy
from langchain_azure_image_embeddings._protocols.wire import ParsedEmbeddings, Usage

from ...conftest import jpeg_bytes

SCOPE = CacheScope(
    endpoint="https://res.services.ai.azure.com/models",
    model="Cohere-embed-v3-english",
    input_type="document",
    dimensions=None,
    encoding_format="float",
)
LOCAL_FILE_STORE_KEY = re.compile(r"^[a-zA-Z0-9_.\-/]+$")


def _scope(**changes):
    values = {
        "endpoint": SCOPE.endpoint,
        "model": SCOPE.model,
        "input_type": SCOPE.input_type,
        "dimensions": SCOPE.dimensions,
        "encoding_format": SCOPE.encoding_format,
        "model_kwargs": {},
    }
    values.update(changes)
    return CacheScope(**values)


# ------------------------------------------------------------------ values


def test_float32_vectors_are_stored_in_four_bytes_a_value_exactly():
    vector = array("f", [0.1, -0.25, 3.0e-7, 1.0]).tolist()
    data = encode_vector(vector)
    assert len(data) == 2 + 4 * len(vector)
    assert decode_vector(data) == vector


def test_float64_vectors_stay_float64_exactly():
    vector = [0.1, -0.2, 1 / 3]
    data = encode_vector(vector)
    assert len(data) == 2 + 8 * len(vector)
    assert decode_vector(data) == vector


@pytest.mark.parametrize(
    "data", [None, b"", b"\x01f", b"\x02f" + b"\0" * 4, b"\x01x" + b"\0" * 4, b"\x01f\0\0\0"]
)
def test_unreadable_values_are_misses(data):
    assert decode_vector(data) is None


# -------------------------------------------------------------------- keys


def test_keys_separate_everything_a_vector_depends_on():
    keys = {
        SCOPE.text_key("a cat"),
        SCOPE.image_key("a" * 64, None),
        SCOPE.image_key("a" * 64, "a cat"),
        SCOPE.image_key("b" * 64, None),
        _scope(input_type="query").text_key("a cat"),
        _scope(input_type=None).text_key("a cat"),
        _scope(dimensions=256).text_key("a cat"),
        _scope(model="embed-v-4-0").text_key("a cat"),
        _scope(endpoint="https://other.services.ai.azure.com/models").text_key("a cat"),
        _scope(encoding_format="base64").text_key("a cat"),
        _scope(model_kwargs={"truncate": "END"}).text_key("a cat"),
    }
    assert len(keys) == 11


def test_text_and_image_keys_never_collide_on_the_same_string():
    assert SCOPE.text_key("a" * 64) != SCOPE.image_key("a" * 64, None)
    assert SCOPE.image_key("a" * 64, "") != SCOPE.image_key("a" * 64, None)


def test_keys_ignore_spelling_of_the_same_endpoint_and_kwargs_order():
    same = _scope(endpoint="HTTPS://RES.services.ai.azure.com/models/")
    assert same.text_key("x") == SCOPE.text_key("x")
    assert _scope(model_kwargs={"a": 1, "b": 2}).text_key("x") == _scope(
        model_kwargs={"b": 2, "a": 1}
    ).text_key("x")


def test_keys_are_valid_for_every_store():
    for key in (SCOPE.text_key("é\n/../x"), SCOPE.image_key("f" * 64, "t"), _source_key()):
        assert key.startswith(KEY_PREFIX)
        assert LOCAL_FILE_STORE_KEY.match(key)


def _source_key(limits: ImageLimits | None = None) -> str:
    return source_key(b"image bytes", limits or ImageLimits())


def test_source_aliases_depend_on_the_limits_the_image_is_prepared_under():
    assert _source_key() == _source_key(ImageLimits())
    assert _source_key() != _source_key(ImageLimits(max_pixels=1_000_000))
    assert source_key(b"other bytes", ImageLimits()) != _source_key()


# ------------------------------------------------------------ the pipeline


def _options() -> RequestOptions:
    return RequestOptions(
        model=SCOPE.model, input_type="document", dimensions=None, encoding_format=None
    )


def _answer(cache: EmbeddingCache, prepared) -> list[list[float]]:
    vectors = [[float(index), 0.5] for index in range(len(prepared.positions))]
    cache.remember(prepared, ParsedEmbeddings(vectors, Usage()))
    return vectors


def test_misses_are_sent_with_their_keys_and_hits_are_not():
    cache = EmbeddingCache(InMemoryByteStore(), SCOPE)
    batch = Batch("texts", [3, 4], [TextItem("a"), TextItem("b")])
    first = cache.prepare_batch(batch, _options())
    assert first.body is not None
    assert first.body.body["input"] == ["a", "b"]
    assert first.positions == [3, 4]
    assert first.hits == {}
    assert first.cache_keys == [SCOPE.text_key("a"), SCOPE.text_key("b")]
    vectors = _answer(cache, first)

    again = cache.prepare_batch(
        Batch("texts", [0, 1, 2], [TextItem("b"), TextItem("c"), TextItem("a")]), _options()
    )
    assert again.hits == {0: vectors[1], 2: vectors[0]}
    assert again.positions == [1]
    assert again.body is not None
    assert again.body.body["input"] == ["c"]


def test_an_image_is_found_again_by_its_bytes_whatever_the_source_form():
    store = InMemoryByteStore()
    cache = EmbeddingCache(store, SCOPE)
    image = jpeg_bytes(seed=4)
    first = cache.prepare_batch(Batch("images", [0], [ImageItem(image)]), _options())
    (vector,) = _answer(cache, first)
    aliases = [key for key in store.yield_keys() if ".source." in key]
    assert len(aliases) == 1  # bytes read -> bytes sent, so a hit skips decoding

    data_url = "data:image/jpeg;base64," + base64.b64encode(image).decode()
    for source in (
        image,
        data_url,
        {"type": "image", "base64": base64.b64encode(image).decode(), "mime_type": "image/jpeg"},
    ):
        hit = cache.prepare_batch(Batch("images", [7], [ImageItem(source)]), _options())
        assert hit.body is None
        assert hit.hits == {7: vector}


def test_a_paired_text_is_part_of_the_key():
    cache = EmbeddingCache(InMemoryByteStore(), SCOPE)
    image = jpeg_bytes(seed=5)
    _answer(cache, cache.prepare_batch(Batch("images", [0], [ImageItem(image)]), _options()))
    paired = cache.prepare_batch(Batch("images", [0], [ImageItem(image, "a caption")]), _options())
    assert paired.hits == {}
    assert paired.body is not None


def test_bad_inputs_fail_alone_and_are_not_cached():
    store = InMemoryByteStore()
    cache = EmbeddingCache(store, SCOPE)
    batch = Batch("images", [0, 1], [ImageItem(b"not an image"), ImageItem(jpeg_bytes(seed=6))])
    prepared = cache.prepare_batch(batch, _options())
    assert set(prepared.failures) == {0}
    assert prepared.failures[0].position == 0
    assert prepared.positions == [1]
    again = cache.prepare_batch(batch, _options())
    assert set(again.failures) == {0}


class _BrokenStore(InMemoryByteStore):
    def mget(self, keys):
        raise OSError("disk gone")

    def mset(self, key_value_pairs):
        raise OSError("disk gone")


def test_a_failing_store_never_fails_the_call(caplog):
    cache = EmbeddingCache(_BrokenStore(), SCOPE)
    prepared = cache.prepare_batch(Batch("texts", [0], [TextItem("a")]), _options())
    assert prepared.body is not None
    _answer(cache, prepared)
    assert "could not be read" in caplog.text
    assert "could not be written" in caplog.text


# ------------------------------------------------------ looking up ahead of batching


class _CountingStore(InMemoryByteStore):
    def __init__(self) -> None:
        super().__init__()
        self.keys_read: list[str] = []

    def mget(self, keys):
        self.keys_read.extend(keys)
        return super().mget(keys)


def _file_items(tmp_path, count: int) -> tuple[RequestOptions, list[tuple[int, ImageItem]]]:
    policy = ImagePolicy(image_roots=(tmp_path,))
    items = []
    for seed in range(count):
        path = tmp_path / f"photo{seed}.jpg"
        path.write_bytes(jpeg_bytes(seed=seed))
        source = str(path)
        items.append((seed, ImageItem(source, None, check_image_source_policy(source, policy))))
    return dataclasses.replace(_options(), image_policy=policy), items


def test_answer_returns_hits_and_passes_the_rest_on_in_input_order(tmp_path):
    cache = EmbeddingCache(InMemoryByteStore(), SCOPE)
    options, images = _file_items(tmp_path, 3)
    _answer(cache, cache.prepare_batch(Batch("images", [0], [images[1][1]]), options))
    _answer(cache, cache.prepare_batch(Batch("texts", [0], [TextItem("b")]), options))

    chunk = [(0, TextItem("a")), (1, images[0][1]), (2, TextItem("b")), (3, images[1][1])]
    chunk.append((4, images[2][1]))
    answer = EmbeddingCache(cache.store, SCOPE).answer(chunk, options)
    assert set(answer.hits) == {2, 3}
    assert answer.failures == {}
    assert [position for position, _ in answer.rest] == [0, 1, 4]


def test_a_miss_is_read_once_and_not_looked_up_again(tmp_path):
    store = _CountingStore()
    cache = EmbeddingCache(store, SCOPE)
    options, images = _file_items(tmp_path, 2)
    answer = cache.answer([*images, (2, TextItem("a"))], options)
    assert [position for position, _ in answer.rest] == [0, 1, 2]
    looked_up = len(store.keys_read)
    for path in tmp_path.glob("*.jpg"):
        path.unlink()  # what was read ahead is what is sent

    prepared = cache.prepare_batch(Batch("images", [0, 1], [images[0][1], images[1][1]]), options)
    texts = cache.prepare_batch(Batch("texts", [2], [TextItem("a")]), options)
    assert prepared.failures == {}
    assert prepared.positions == [0, 1]
    assert texts.positions == [2]
    assert all(".source." not in key for key in store.keys_read[looked_up:])  # no alias again
    assert SCOPE.text_key("a") not in store.keys_read[looked_up:]


def test_images_past_the_read_ahead_budget_are_looked_up_when_prepared(tmp_path):
    store = InMemoryByteStore()
    options, images = _file_items(tmp_path, 3)
    warm = EmbeddingCache(store, SCOPE)
    for position, item in images:
        _answer(warm, warm.prepare_batch(Batch("images", [position], [item]), options))

    cache = EmbeddingCache(store, SCOPE, read_ahead_bytes=1)
    answer = cache.answer(images, options)
    assert set(answer.hits) == {0}  # the first read spends the budget
    assert [position for position, _ in answer.rest] == [1, 2]
    for position, item in answer.rest:
        prepared = cache.prepare_batch(Batch("images", [position], [item]), options)
        assert prepared.body is None
        assert set(prepared.hits) == {position}


def test_answer_neither_downloads_nor_fails_remote_images():
    cache = EmbeddingCache(InMemoryByteStore(), SCOPE)
    remote = ImageItem("https://example.com/cat.jpg")  # remote images are off: it would fail
    answer = cache.answer([(0, remote)], _options())
    assert answer.rest == [(0, remote)]
    assert answer.failures == {}
    prepared = cache.prepare_batch(Batch("images", [0], [remote]), _options())
    assert set(prepared.failures) == {0}


def test_answer_reports_unreadable_files_by_position(tmp_path):
    cache = EmbeddingCache(InMemoryByteStore(), SCOPE)
    options, images = _file_items(tmp_path, 2)
    (tmp_path / "photo1.jpg").unlink()
    answer = cache.answer(images, options)
    assert set(answer.failures) == {1}
    assert answer.failures[1].position == 1
    assert "no such file" in str(answer.failures[1])
    assert [position for position, _ in answer.rest] == [0]
