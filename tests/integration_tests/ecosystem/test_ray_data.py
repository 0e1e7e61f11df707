"""Distributed ingestion with Ray Data in local mode: the recipe of docs/distributed.md.

A callable class holds the embeddings; Ray ships it to its actor processes by pickling and each
copy opens its own client there. 200 images through `map_batches` must give exactly the vectors
of a direct call.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from langchain_azure_image_embeddings import AzureAIImageEmbeddings
from langchain_azure_image_embeddings.emulator import FoundryEmulator
from tests.conftest import jpeg_bytes, make_embeddings
from tests.integration_tests.ecosystem.ray_local import local_ray

COUNT = 200

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*")]


class EmbedImages:
    """The recipe's callable class: one instance per Ray actor, holding the embeddings."""

    def __init__(self, embeddings: AzureAIImageEmbeddings) -> None:
        self.embeddings = embeddings  # a copy, unpickled in the actor: no client yet

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        vectors = self.embeddings.embed_images(list(batch["bytes"]))
        return {
            "path": batch["path"],
            "vector": np.asarray(vectors, dtype=np.float64),
            "pid": np.full(len(vectors), os.getpid()),
        }


def test_ray_data_map_batches_gives_exactly_the_vectors_of_a_direct_call(
    emulator: FoundryEmulator,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import ray.cloudpickle
    import ray.data

    folder = tmp_path / "images"
    folder.mkdir()
    for index in range(COUNT):
        (folder / f"image-{index:03d}.jpg").write_bytes(jpeg_bytes(seed=index))
    paths = sorted(folder.iterdir())
    embeddings = make_embeddings(emulator, max_concurrency=4)
    direct = dict(
        zip(
            (str(path) for path in paths),
            embeddings.embed_images([path.read_bytes() for path in paths]),
            strict=True,
        )
    )
    # The instance has a live client now; what ships is its state, without the client.
    # The class is defined in this test module, which Ray's workers cannot import: ship it by
    # value, as Ray does by itself for a class defined in a script's __main__.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])

    ray = local_ray(tmp_path_factory)  # 127.0.0.1 only, no dashboard, no usage statistics
    try:
        rows = (
            ray.data.read_binary_files(str(folder), include_paths=True)
            .map_batches(
                EmbedImages,
                fn_constructor_kwargs={"embeddings": embeddings},
                batch_size=25,
                compute=ray.data.ActorPoolStrategy(size=2),
                num_cpus=0.5,
            )
            .take_all()
        )
    finally:
        ray.shutdown()  # the last user of the session's cluster (the docs run before)

    assert len(rows) == COUNT
    from_ray = {row["path"]: [float(x) for x in row["vector"]] for row in rows}
    assert from_ray == direct  # every vector, exactly
    assert {int(row["pid"]) for row in rows}.isdisjoint({os.getpid()})  # made in the actors
    stats = emulator.stats()
    assert stats["requests"]["/images/embeddings"] == 2 * COUNT
    assert stats["status_counts"] == {"200": 2 * COUNT}
