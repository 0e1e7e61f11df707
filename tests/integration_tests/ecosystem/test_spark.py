"""Distributed ingestion with Spark in local mode: the `mapInPandas` recipe of docs/distributed.md.

PySpark pickles the function with the embeddings it closes over; each task's copy, in a Python
worker process, opens its own client there. The deployment's rate limit is divided among the
tasks that run at once (`defaultParallelism`). 40 images through `mapInPandas` must give exactly
the vectors of a direct call. Spark binds to 127.0.0.1 with no UI; its session is started once
for this module.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_azure_image_embeddings import AzureAIImageEmbeddings
from langchain_azure_image_embeddings.emulator import FoundryEmulator
from tests.conftest import MODEL, jpeg_bytes

COUNT = 40
DEPLOYMENT_RPM = 6000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pyspark_sql = pytest.importorskip("pyspark.sql")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYSPARK_PYTHON", sys.executable)
        patch.setenv("PYSPARK_DRIVER_PYTHON", sys.executable)
        patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        session = (
            pyspark_sql.SparkSession.builder.master("local[2]")
            .appName("embed-images-test")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", "16")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


def embed_partition_factory(embeddings: AzureAIImageEmbeddings) -> Any:
    """The recipe's function: closes over the embeddings, so each task gets its own copy."""
    import pandas as pd

    def embed_partition(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        with embeddings:  # this task's copy, unpickled in the worker; its client closed after
            for frame in frames:
                vectors = embeddings.embed_images(list(frame["content"]))
                yield pd.DataFrame(
                    {
                        "path": frame["path"],
                        "vector": vectors,
                        "pid": os.getpid(),
                        "rpm": embeddings.requests_per_minute,
                    }
                )

    return embed_partition


def test_map_in_pandas_gives_exactly_the_vectors_of_a_direct_call(
    spark: Any, emulator: FoundryEmulator, tmp_path: Path
) -> None:
    from pyspark import cloudpickle

    folder = tmp_path / "images"
    folder.mkdir()
    for index in range(COUNT):
        (folder / f"image-{index:03d}.jpg").write_bytes(jpeg_bytes(seed=index))
    tasks = spark.sparkContext.defaultParallelism  # tasks that run at once
    embeddings = AzureAIImageEmbeddings(
        endpoint=emulator.endpoint,
        credential=emulator.key,
        model=MODEL,
        max_concurrency=4,
        requests_per_minute=DEPLOYMENT_RPM // tasks,  # the deployment's limit, shared out
    )
    # The function is defined in this test module, which Spark's workers cannot import: ship
    # it by value, as PySpark does by itself for a function defined in a script's __main__.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        rows = (
            spark.read.format("binaryFile")
            .option("pathGlobFilter", "*.jpg")
            .load(str(folder))
            .select("path", "content")
            .repartition(tasks)
            .mapInPandas(
                embed_partition_factory(embeddings),
                schema="path string, vector array<double>, pid long, rpm long",
            )
            .collect()
        )
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])

    assert len(rows) == COUNT
    paths = sorted(folder.iterdir())
    direct = embeddings.embed_images([path.read_bytes() for path in paths])
    by_path = {row["path"].removeprefix("file:"): list(row["vector"]) for row in rows}
    assert [by_path[str(path)] for path in paths] == direct  # every vector, exactly
    assert {row["pid"] for row in rows}.isdisjoint({os.getpid()})  # made in the workers
    assert {row["rpm"] for row in rows} == {DEPLOYMENT_RPM // tasks} == {3000}
    assert emulator.stats()["requests"]["/images/embeddings"] == 2 * COUNT
