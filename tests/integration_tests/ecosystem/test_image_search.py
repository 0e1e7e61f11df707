"""`search_by_image` (any image form, the embeddings' policy) and `create_image_search_tool`.

The tool runs inside a real agent loop (`langchain.agents.create_agent`) driven by a scripted
chat model. Its argument is untrusted: an audit hook records every file opened and connection
made during the agent's run, with the embeddings as permissive as they can be.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.vectorstores import InMemoryVectorStore, VectorStore
from PIL import Image

from langchain_azure_image_embeddings import (
    ImageInputError,
    add_image_folder,
    asearch_by_image,
    create_image_search_tool,
    search_by_image,
)
from langchain_azure_image_embeddings.emulator import FoundryEmulator
from tests.conftest import make_embeddings
from tests.integration_tests.ecosystem.audit import Recorder
from tests.integration_tests.ecosystem.images import (
    data_url,
    half_size_jpeg,
    write_distinct_images,
)


def requests(emulator: FoundryEmulator) -> dict[str, int]:
    counts: dict[str, int] = emulator.stats()["requests"]
    return {"images": counts["/images/embeddings"], "texts": counts["/embeddings"]}


def photo_store(emulator: FoundryEmulator, folder: Path, **settings: Any) -> InMemoryVectorStore:
    write_distinct_images(folder, 6)
    store = InMemoryVectorStore(embedding=make_embeddings(emulator, **settings))
    add_image_folder(store, folder, captions={f"image-00{i}.png": f"photo {i}" for i in range(6)})
    emulator.reset_stats()
    return store


async def test_search_by_image_takes_every_image_form_as_a_query(
    emulator: FoundryEmulator, tmp_path: Path
) -> None:
    (tmp_path / "queries").mkdir()
    store = photo_store(emulator, tmp_path / "photos", image_roots=[tmp_path / "queries"])
    original = tmp_path / "photos" / "image-003.png"
    copy = half_size_jpeg(original, tmp_path / "queries")
    with Image.open(copy) as opened:
        pil = opened.copy()
    block = {"type": "image", "url": data_url(copy)}
    forms: list[Any] = [copy, copy.read_bytes(), data_url(copy), pil, block, str(copy)]

    found = [search_by_image(store, form, k=1)[0].metadata["source"] for form in forms]
    found.append((await asearch_by_image(store, copy, k=1))[0].metadata["source"])

    assert found == [str(original)] * 7
    assert requests(emulator) == {"images": 7, "texts": 0}


def test_search_by_image_keeps_the_embeddings_policy(
    emulator: FoundryEmulator, tmp_path: Path
) -> None:
    store = photo_store(emulator, tmp_path / "photos")  # no image_roots

    with pytest.raises(ImageInputError, match="image_roots"):
        search_by_image(store, str(tmp_path / "photos" / "image-000.png"))
    with pytest.raises(ImageInputError, match="allow_remote_images"):
        search_by_image(store, "http://169.254.169.254/latest/meta-data")
    assert requests(emulator) == {"images": 0, "texts": 0}


class NoVectorSearchStore(InMemoryVectorStore):
    """A store whose search by vector is the base class's (as Azure AI Search's is)."""

    similarity_search_by_vector = VectorStore.similarity_search_by_vector  # type: ignore[assignment]
    asimilarity_search_by_vector = VectorStore.asimilarity_search_by_vector  # type: ignore[assignment]


async def test_a_store_without_search_by_vector_gets_a_clear_error(
    emulator: FoundryEmulator, tmp_path: Path
) -> None:
    store = NoVectorSearchStore(embedding=make_embeddings(emulator))
    image = write_distinct_images(tmp_path, 1)[0]

    with pytest.raises(TypeError, match=r"no search by vector.*vector_search\(data_url"):
        search_by_image(store, image)
    with pytest.raises(TypeError, match="no search by vector"):
        await asearch_by_image(store, image)
    assert requests(emulator) == {"images": 0, "texts": 0}  # refused before embedding


def call(tool: Any, query: str) -> ToolMessage:
    message = tool.invoke(
        {"type": "tool_call", "name": tool.name, "args": {"query": query}, "id": "c"}
    )
    assert isinstance(message, ToolMessage)
    return message


def test_the_tool_gives_captions_with_source_and_id_and_the_documents_as_artifact(
    emulator: FoundryEmulator, tmp_path: Path
) -> None:
    store = photo_store(emulator, tmp_path / "photos")
    tool = create_image_search_tool(store, k=3, include_images=True, image_pixels=32 * 32)

    message = call(tool, "a photo with a red circle")

    documents: list[Document] = message.artifact["documents"]
    assert len(documents) == 3
    lines = str(message.content).splitlines()
    for rank, (line, doc) in enumerate(zip(lines, documents, strict=True), start=1):
        assert (
            line == f"{rank}. {doc.page_content} (source: {doc.metadata['source']}; id: {doc.id})"
        )
    images = message.artifact["images"]
    assert [block["extras"]["id"] for block in images] == [doc.id for doc in documents]
    for block in images:
        with Image.open(io.BytesIO(base64.b64decode(block["base64"]))) as small:
            assert block["mime_type"] == Image.MIME[small.format or ""]
            assert small.width * small.height <= 32 * 32  # made small, from 160x120
    assert requests(emulator) == {"images": 0, "texts": 1}  # the query went as text


async def test_the_tool_async_and_without_hits(emulator: FoundryEmulator) -> None:
    store = InMemoryVectorStore(embedding=make_embeddings(emulator))
    tool = create_image_search_tool(store, name="photos")

    message = await tool.ainvoke(
        {"type": "tool_call", "name": "photos", "args": {"query": "cats"}, "id": "c"}
    )

    assert message.content == "No matching images."
    assert message.artifact == {"documents": [], "images": []}


class ScriptedChatModel(GenericFakeChatModel):
    """A chat model that answers from a script and accepts tools (stands in for an LLM)."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        return self


def test_inside_an_agent_loop_an_untrusted_query_reads_nothing(
    emulator: FoundryEmulator, tmp_path: Path
) -> None:
    from langchain.agents import create_agent

    store = photo_store(emulator, tmp_path / "photos", image_roots=["/"], allow_remote_images=True)
    tool = create_image_search_tool(store, k=2)
    script = [
        AIMessage(
            content="",
            tool_calls=[
                {"name": "search_images", "args": {"query": "/etc/passwd"}, "id": "c1"},
                {"name": "search_images", "args": {"query": "http://169.254.169.254/"}, "id": "c2"},
            ],
        ),
        AIMessage(content="Here are the photos."),
    ]
    agent = create_agent(ScriptedChatModel(messages=iter(script)), tools=[tool])
    store.embeddings.close()  # type: ignore[union-attr]  # the run opens a new connection

    with Recorder() as recorded:
        result = agent.invoke({"messages": [{"role": "user", "content": "show me the file"}]})

    answers = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert len(answers) == 2
    for answer in answers:
        assert "photo " in str(answer.content) and "source: " in str(answer.content)
        assert "root:" not in str(answer.content)
    assert result["messages"][-1].content == "Here are the photos."
    assert not [path for path in recorded.opened() if path.startswith("/etc/")]
    assert recorded.remote_connections() == []
    assert not [host for host in recorded.lookups() if "169.254" in str(host)]
    assert requests(emulator) == {"images": 0, "texts": 2}
