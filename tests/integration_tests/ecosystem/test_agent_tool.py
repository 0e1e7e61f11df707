"""A retriever over images as an agent tool (`create_retriever_tool`), and what its argument may do.

The tool's argument comes from an LLM, so it is untrusted. Whatever it looks like (a path, a
`file://` URI, a cloud metadata URL), it is query text: it goes to the text route and the call
reads no file and opens no connection other than to the endpoint. The proof is an audit hook
(`sys.addaudithook`) recording every `open`, `socket.connect` and `getaddrinfo` of the process
during the call, with the embeddings configured as permissively as possible
(`image_roots=["/"]`, `allow_remote_images=True`).
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool, create_retriever_tool
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_azure_image_embeddings import AzureAIImageEmbeddings
from langchain_azure_image_embeddings.emulator import FoundryEmulator, expected_text_vector
from langchain_azure_image_embeddings.indexing import add_image_folder
from tests.conftest import MODEL, make_embeddings
from tests.integration_tests.ecosystem.audit import Recorder
from tests.integration_tests.ecosystem.images import write_distinct_images

UNTRUSTED = [
    "/etc/passwd",
    "http://169.254.169.254/",
    "file:///etc/passwd",
    "http://169.254.169.254/metadata/identity/oauth2/token",
]


def build_tool(
    emulator: FoundryEmulator, folder: Path
) -> tuple[BaseTool, InMemoryVectorStore, AzureAIImageEmbeddings]:
    write_distinct_images(folder, 6)
    embeddings = make_embeddings(emulator, image_roots=["/"], allow_remote_images=True)
    store = InMemoryVectorStore(embedding=embeddings)
    add_image_folder(store, folder, captions={f"image-00{i}.png": f"photo {i}" for i in range(6)})
    tool = create_retriever_tool(
        store.as_retriever(search_kwargs={"k": 2}),
        name="search_photos",
        description="Search the photo library with a description; returns matching captions.",
        response_format="content_and_artifact",
    )
    emulator.reset_stats()
    embeddings.close()  # the next call opens a new connection, which the hook must see
    return tool, store, embeddings


def call(tool: BaseTool, query: str) -> ToolMessage:
    """Invoke the tool the way an agent does: with a tool call."""
    message = tool.invoke(
        {"type": "tool_call", "name": tool.name, "args": {"query": query}, "id": "call-1"}
    )
    assert isinstance(message, ToolMessage)
    return message


def routes(emulator: FoundryEmulator) -> dict[str, int]:
    counts: dict[str, int] = emulator.stats()["requests"]
    return {"images": counts["/images/embeddings"], "texts": counts["/embeddings"]}


def test_the_tool_returns_documents_for_a_text_query(
    emulator: FoundryEmulator, tmp_path: Path
) -> None:
    tool, _, _ = build_tool(emulator, tmp_path / "photos")

    message = call(tool, "a photo with a red circle")

    documents: list[Document] = message.artifact
    assert len(documents) == 2
    assert all(doc.page_content.startswith("photo ") for doc in documents)
    assert all(doc.page_content in str(message.content) for doc in documents)
    assert routes(emulator) == {"images": 0, "texts": 1}


@pytest.mark.parametrize("argument", UNTRUSTED)
def test_a_path_or_url_argument_reads_no_file_and_opens_no_connection(
    emulator: FoundryEmulator, tmp_path: Path, argument: str
) -> None:
    tool, store, _ = build_tool(emulator, tmp_path / "photos")

    with Recorder() as recorded:
        message = call(tool, argument)

    assert "/etc/passwd" not in recorded.opened()
    assert not [path for path in recorded.opened() if path.startswith("/etc/")]
    assert recorded.remote_connections() == []
    assert not [host for host in recorded.lookups() if "169.254" in str(host)]
    assert recorded.of("urllib.Request") == []
    assert recorded.of("subprocess.Popen") == []
    # The hook did see the call's own connection: to the emulator, on loopback.
    assert any(address[1] == emulator.port for address in recorded.connections())
    # The argument went to the text route as query text, nothing else.
    assert routes(emulator) == {"images": 0, "texts": 1}
    expected = store.similarity_search_by_vector(
        expected_text_vector(argument, model=MODEL, input_type="query"), k=2
    )
    assert [doc.id for doc in message.artifact] == [doc.id for doc in expected]


def test_the_audit_recorder_sees_file_opens_and_connections(
    shared_emulator: FoundryEmulator,
) -> None:
    """The control: what the test above says did not happen would have been seen."""
    passwd = Path("/etc/passwd")
    with Recorder() as recorded:
        if passwd.exists():
            passwd.open("rb").close()
        with socket.create_connection(("127.0.0.1", shared_emulator.port), timeout=5):
            pass
    if passwd.exists():
        assert "/etc/passwd" in recorded.opened()
    assert ("127.0.0.1", shared_emulator.port) in recorded.connections()
    assert recorded.remote_connections() == []


class ScriptedChatModel(GenericFakeChatModel):
    """A chat model that answers from a script and accepts tools (stands in for an LLM)."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        return self


def test_an_agent_calls_the_tool_with_an_untrusted_argument(
    emulator: FoundryEmulator, tmp_path: Path
) -> None:
    from langchain.agents import create_agent

    tool, _, _ = build_tool(emulator, tmp_path / "photos")
    script = [
        AIMessage(
            content="",
            tool_calls=[
                {"name": "search_photos", "args": {"query": "/etc/passwd"}, "id": "c1"},
            ],
        ),
        AIMessage(content="Here are the photos."),
    ]
    agent = create_agent(ScriptedChatModel(messages=iter(script)), tools=[tool])

    with Recorder() as recorded:
        result = agent.invoke({"messages": [{"role": "user", "content": "show me the file"}]})

    tool_messages = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert len(tool_messages) == 1
    assert "photo " in str(tool_messages[0].content)
    assert "root:" not in str(tool_messages[0].content)
    assert "/etc/passwd" not in recorded.opened()
    assert recorded.remote_connections() == []
    assert routes(emulator) == {"images": 0, "texts": 1}
