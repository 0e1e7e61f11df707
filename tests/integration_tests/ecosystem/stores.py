"""Local vector stores for the store matrix: each built in a temporary place, loopback only.

Qdrant in local mode (in memory), Milvus Lite (a local file), LanceDB (a folder) and PGVector on
a real PostgreSQL with pgvector, started by `pgserver` (PostgreSQL and pgvector binaries in a
wheel) in a temporary folder and reached through its Unix socket. Each factory takes a
collection name, so a test can open two collections of the same store.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_azure_image_embeddings import AzureAIImageEmbeddings

DIMENSIONS = 1024
StoreFactory = Callable[[AzureAIImageEmbeddings, str], Any]


def qdrant_factory(tmp_path: Path) -> Iterator[StoreFactory]:
    from langchain_qdrant import QdrantVectorStore
    from qdrant_client import QdrantClient
    from qdrant_client.models import Distance, VectorParams

    client = QdrantClient(location=":memory:")

    def make(embeddings: AzureAIImageEmbeddings, collection: str) -> Any:
        if not client.collection_exists(collection):
            client.create_collection(
                collection, vectors_config=VectorParams(size=DIMENSIONS, distance=Distance.COSINE)
            )
        return QdrantVectorStore(client=client, collection_name=collection, embedding=embeddings)

    yield make
    client.close()


def milvus_factory(tmp_path: Path) -> Iterator[StoreFactory]:
    from langchain_milvus import Milvus

    uri = str(tmp_path / "milvus.db")
    stores: list[Any] = []

    def make(embeddings: AzureAIImageEmbeddings, collection: str) -> Any:
        store = Milvus(
            embedding_function=embeddings,
            collection_name=collection,
            connection_args={"uri": uri},
            index_params={"index_type": "FLAT", "metric_type": "COSINE"},
            auto_id=False,
            enable_dynamic_field=True,  # metadata keys may differ (a caption or none)
        )
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.client.close()


def lancedb_factory(tmp_path: Path) -> Iterator[StoreFactory]:
    from langchain_community.vectorstores import LanceDB

    def make(embeddings: AzureAIImageEmbeddings, collection: str) -> Any:
        return LanceDB(
            uri=str(tmp_path / "lancedb"),
            embedding=embeddings,
            table_name=collection,
            distance="cosine",
            mode="append",
        )

    yield make


_START_POSTGRES = """
import sys, pgserver
server = pgserver.get_server(sys.argv[1], cleanup_mode=None)
server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
print(server.get_uri())
"""
_STOP_POSTGRES = """
import sys, pgserver
pgserver.get_server(sys.argv[1], cleanup_mode="stop").cleanup()
"""


def _pgserver(script: str, pgdata: Path) -> str:
    # In a process of its own: pgserver starts PostgreSQL (as its own user) by forking, which
    # is not safe from a test process full of threads (Spark, Ray, emulators): pg_ctl was seen
    # to abort there.
    done = subprocess.run(
        [sys.executable, "-c", script, str(pgdata)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pgserver failed: {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server with pgvector, for the session (pgserver, in a temporary folder)."""
    pytest.importorskip("pgserver")
    pgdata = tmp_path_factory.mktemp("postgres")
    uri = _pgserver(_START_POSTGRES, pgdata)
    socket_dir = uri.split("host=", 1)[1].split("&", 1)[0]
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={socket_dir}"
    finally:
        _pgserver(_STOP_POSTGRES, pgdata)


def pgvector_factory(url: str) -> Iterator[StoreFactory]:
    from langchain_postgres import PGVector

    stores: list[Any] = []

    def make(embeddings: AzureAIImageEmbeddings, collection: str) -> Any:
        store = PGVector(
            embeddings=embeddings,
            collection_name=collection,
            connection=url,
            use_jsonb=True,
        )
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.delete_collection()
        store._engine.dispose()


def unique(name: str) -> str:
    return f"{name}_{uuid.uuid4().hex[:8]}"
