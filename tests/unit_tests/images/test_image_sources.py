"""Every accepted source form, and the policy that decides which strings may be read."""

from __future__ import annotations

import base64
import io
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from langchain_azure_image_embeddings._images.sources import (
    ImagePolicy,
    ImageSource,
    check_image_source_policy,
    is_download,
    read_image_source,
)
from langchain_azure_image_embeddings.errors import ImageInputError

from .image_corpus import encode

PNG = encode(Image.new("RGB", (8, 6), (10, 200, 30)), "PNG")
PNG_B64 = base64.b64encode(PNG).decode()
PNG_URL = f"data:image/png;base64,{PNG_B64}"
OUTSIDE = "the path lies outside image_roots (after resolving '..' and symlinks)"


def read(source: object, **policy: Any) -> ImageSource:
    return read_image_source(source, ImagePolicy(**policy))


def refusal(source: object, **policy: Any) -> ImageInputError:
    """The error of both the cheap check and the read (the read must fail at least as early)."""
    with pytest.raises(ImageInputError) as caught:
        read(source, **policy)
    assert type(caught.value) is ImageInputError
    assert "input (" not in caught.value.reason  # never an error wrapped in another
    return caught.value


@pytest.fixture
def no_io(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and forbid) any filesystem or network access."""
    attempts: list[str] = []

    def forbid(name: str) -> Callable[..., Any]:
        def blocked(*args: Any, **kwargs: Any) -> Any:
            attempts.append(name)
            raise AssertionError(f"{name} called")

        return blocked

    for module, name in [
        (os, "stat"),
        (os, "open"),
        (os, "lstat"),
        (socket, "getaddrinfo"),
        (socket, "create_connection"),
    ]:
        monkeypatch.setattr(module, name, forbid(name))
    monkeypatch.setattr(os.path, "realpath", forbid("realpath"))
    monkeypatch.setattr(socket.socket, "connect", forbid("connect"))
    return attempts


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "images"
    folder.mkdir()
    (folder / "cat.png").write_bytes(PNG)
    (tmp_path / "secret.png").write_bytes(PNG)
    return folder


# --- data URLs and inline data -------------------------------------------------------------------


def test_a_data_url_is_decoded_with_its_declared_type() -> None:
    source = read(PNG_URL)
    assert source.data == PNG
    assert source.declared_mime == "image/png"
    assert source.image is None


def test_a_data_url_description_never_holds_the_payload() -> None:
    source = read(PNG_URL)
    assert PNG_B64[:20] not in source.description
    assert source.description == f"data:image/png;base64,<{len(PNG_B64)} chars>"


def test_data_url_parameters_and_line_breaks_are_accepted() -> None:
    wrapped = "\n".join(PNG_B64[i : i + 20] for i in range(0, len(PNG_B64), 20))
    assert read(f"data:image/png;name=cat.png;base64,{wrapped}").data == PNG


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("data:image/png;base64,@@@@", "malformed base64"),
        ("data:image/png;base64,iVBORw0KGgo", "malformed base64"),  # bad padding
        ("data:image/png;base64,aGVsbG8=-_", "malformed base64"),  # URL-safe alphabet
        ("data:image/png,rawbytes", "base64-encoded"),
        ("data:text/plain;base64,aGVsbG8=", "not image/"),
        ("data:;base64,aGVsbG8=", "not image/"),
    ],
)
def test_malformed_data_urls_are_refused(url: str, reason: str) -> None:
    assert reason in refusal(url).reason


def test_a_data_url_over_the_byte_cap_is_refused_before_decoding(no_io: list[str]) -> None:
    error = refusal(PNG_URL, max_source_bytes=len(PNG) // 2)
    assert "max_source_bytes" in error.reason


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_bytes_like_objects_are_read(kind: Callable[[bytes], Any]) -> None:
    source = read(kind(PNG))
    assert source.data == PNG
    assert type(source.data) is bytes


def test_bytes_over_the_cap_are_refused() -> None:
    assert "max_source_bytes" in refusal(PNG, max_source_bytes=10).reason


def test_a_pil_image_is_passed_through() -> None:
    image = Image.new("RGBA", (5, 4))
    source = read(image)
    assert source.image is image
    assert source.data is None
    assert source.description == "PIL image 5x4 RGBA"


# --- content blocks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image", "base64": PNG_B64, "mime_type": "image/png"},
        {"type": "image", "url": PNG_URL},
        {"type": "image", "source_type": "base64", "data": PNG_B64, "mime_type": "image/png"},
        {"type": "image", "source_type": "url", "url": PNG_URL},
        {"type": "image_url", "image_url": {"url": PNG_URL}},
        {"type": "image_url", "image_url": PNG_URL},
        {"type": "image", "base64": PNG_URL},
    ],
    ids=["v1-base64", "v1-url", "v0-base64", "v0-url", "openai", "openai-str", "base64-data-url"],
)
def test_langchain_image_content_blocks_are_read(block: dict[str, Any]) -> None:
    source = read(block)
    assert source.data == PNG
    assert source.declared_mime == "image/png"
    assert PNG_B64[:20] not in source.description


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        ({"type": "image", "file_id": "file-123"}, "file ids"),
        ({"type": "image", "source_type": "id", "id": "x"}, "file ids"),
        ({"type": "image", "base64": 123}, "no base64 string"),
        ({"type": "image", "url": ""}, "no 'url'"),
        ({"type": "image", "url": "/etc/passwd"}, "must be a data URL or an http(s) URL"),
        ({"type": "image", "url": "file:///etc/passwd"}, "must be a data URL or an http(s) URL"),
        ({"type": "image_url", "image_url": {}}, "no 'url'"),
        ({"type": "audio", "base64": PNG_B64}, "unsupported content block type 'audio'"),
        ({"image": PNG_B64}, "unsupported content block type None"),
    ],
)
def test_unusable_content_blocks_are_refused(block: dict[str, Any], reason: str) -> None:
    assert reason in refusal(block, image_roots=(Path("/"),)).reason


def test_an_http_url_in_a_content_block_follows_the_remote_policy() -> None:
    error = refusal({"type": "image", "url": "https://example.com/cat.png"})
    assert "allow_remote_images=True" in error.reason


# --- local files ---------------------------------------------------------------------------------


def test_a_path_object_is_read_wherever_it_is(root: Path) -> None:
    source = read(root.parent / "secret.png")
    assert source.data == PNG
    assert "secret.png" in source.description


def test_a_string_path_is_not_read_without_image_roots(root: Path, no_io: list[str]) -> None:
    error = refusal(str(root / "cat.png"))

    assert error.reason.startswith("local file paths given as strings are not read unless allowed")
    assert "image_roots=[...]" in error.reason
    assert "pathlib.Path" in error.reason
    assert no_io == []


def test_a_string_path_inside_image_roots_is_read(root: Path) -> None:
    assert read(str(root / "cat.png"), image_roots=(root,)).data == PNG


def test_a_relative_string_path_resolves_from_the_working_directory(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(root)
    assert read("cat.png", image_roots=(root,)).data == PNG


def test_image_roots_are_resolved(root: Path, tmp_path: Path) -> None:
    link = tmp_path / "link-to-images"
    link.symlink_to(root)
    policy = ImagePolicy(image_roots=(link,))
    assert policy.image_roots == (root.resolve(),)
    assert read_image_source(str(link / "cat.png"), policy).data == PNG


def test_dot_dot_traversal_out_of_image_roots_is_refused(root: Path) -> None:
    error = refusal(str(root / ".." / "secret.png"), image_roots=(root,))
    assert error.reason == OUTSIDE


def test_a_symlink_escaping_image_roots_is_refused(root: Path) -> None:
    (root / "escape.png").symlink_to(root.parent / "secret.png")
    assert refusal(str(root / "escape.png"), image_roots=(root,)).reason == OUTSIDE


def test_a_symlink_staying_inside_image_roots_is_followed(root: Path) -> None:
    (root / "alias.png").symlink_to(root / "cat.png")
    assert read(str(root / "alias.png"), image_roots=(root,)).data == PNG


def test_a_sibling_folder_sharing_the_root_prefix_is_outside(root: Path) -> None:
    sibling = root.parent / (root.name + "-private")
    sibling.mkdir()
    (sibling / "x.png").write_bytes(PNG)
    assert refusal(str(sibling / "x.png"), image_roots=(root,)).reason == OUTSIDE


def test_a_checked_path_is_read_without_resolving_it_again(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = ImagePolicy(image_roots=(root,))
    checked = check_image_source_policy(str(root / "cat.png"), policy)
    resolved: list[str] = []
    real_realpath = os.path.realpath

    def counting_realpath(path: Any, *args: Any, **kwargs: Any) -> str:
        resolved.append(str(path))
        return real_realpath(path, *args, **kwargs)

    monkeypatch.setattr(os.path, "realpath", counting_realpath)
    assert checked.read(policy).data == PNG
    if Path("/proc/self/fd").is_dir():  # Linux: the kernel names the open file
        assert resolved == []


def test_a_folder_swapped_for_a_symlink_after_the_check_is_refused(
    root: Path, tmp_path: Path
) -> None:
    """The classic race: the path is checked, then a folder on it becomes a link outside."""
    (root / "album").mkdir()
    (root / "album" / "cat.png").write_bytes(PNG)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "cat.png").write_bytes(b"\x89PNG\r\n\x1a\n secret")
    policy = ImagePolicy(image_roots=(root,))
    checked = check_image_source_policy(str(root / "album" / "cat.png"), policy)

    (root / "album").rename(root / "album-old")
    (root / "album").symlink_to(outside)

    with pytest.raises(ImageInputError) as caught:
        checked.read(policy)
    assert caught.value.reason == OUTSIDE


def test_a_file_swapped_for_a_symlink_after_the_check_is_refused(
    root: Path, tmp_path: Path
) -> None:
    policy = ImagePolicy(image_roots=(root,))
    checked = check_image_source_policy(str(root / "cat.png"), policy)
    (root / "cat.png").unlink()
    (root / "cat.png").symlink_to(tmp_path / "secret.png")
    with pytest.raises(ImageInputError) as caught:
        checked.read(policy)
    assert caught.value.reason == "cannot read the file (the path is a symbolic link)"


def test_file_etc_passwd_is_refused(root: Path, no_io: list[str]) -> None:
    assert refusal("file:///etc/passwd").reason.startswith("local file paths given as strings")
    assert no_io == []


def test_file_etc_passwd_is_refused_with_other_roots(root: Path) -> None:
    assert refusal("file:///etc/passwd", image_roots=(root,)).reason == OUTSIDE
    assert refusal("/etc/passwd", image_roots=(root,)).reason == OUTSIDE


def test_a_file_uri_inside_image_roots_is_read(root: Path) -> None:
    assert read((root / "cat.png").as_uri(), image_roots=(root,)).data == PNG


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("file://fileserver/share/cat.png", "no host other than localhost"),
        ("file:///tmp/cat.png?x=1", "query or fragment"),
    ],
)
def test_unusual_file_uris_are_refused(uri: str, reason: str, root: Path) -> None:
    assert reason in refusal(uri, image_roots=(root,)).reason


@pytest.mark.parametrize("as_string", [True, False])
def test_a_missing_path_is_refused(root: Path, as_string: bool) -> None:
    path = root / "missing.png"
    error = refusal(str(path) if as_string else path, image_roots=(root,))
    assert error.reason == "no such file"


@pytest.mark.parametrize("as_string", [True, False])
def test_a_directory_is_refused(root: Path, as_string: bool) -> None:
    error = refusal(str(root) if as_string else root, image_roots=(root,))
    assert error.reason == "the path is a directory, not a file"


def test_a_fifo_is_refused_without_blocking(root: Path) -> None:
    fifo = root / "pipe.png"
    os.mkfifo(fifo)
    assert refusal(str(fifo), image_roots=(root,)).reason == "the path is not a regular file"


def test_an_empty_file_is_refused_by_the_cheap_check(root: Path) -> None:
    (root / "empty.png").write_bytes(b"")
    with pytest.raises(ImageInputError, match="empty"):
        check_image_source_policy(str(root / "empty.png"), ImagePolicy(image_roots=(root,)))


def test_a_file_over_the_byte_cap_is_refused_before_reading(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    real_open = os.open

    def recording_open(*args: Any, **kwargs: Any) -> int:
        opened.append(args)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)
    with pytest.raises(ImageInputError, match="max_source_bytes"):
        check_image_source_policy(root / "cat.png", ImagePolicy(max_source_bytes=10))
    assert opened == []
    assert "max_source_bytes" in refusal(root / "cat.png", max_source_bytes=10).reason


def test_an_unreadable_file_is_refused(root: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    (root / "cat.png").chmod(0)
    assert "permission denied" in refusal(root / "cat.png").reason


def test_a_path_with_a_nul_character_is_refused(root: Path) -> None:
    error = refusal(str(root) + "/cat\x00.png", image_roots=(root,))
    assert error.reason == "the path contains a NUL character"


def test_a_path_never_reaches_the_network_when_it_looks_like_a_host(
    root: Path, no_io: list[str]
) -> None:
    refusal("169.254.169.254/metadata/identity")
    refusal("localhost:8080/cat.png")
    assert no_io == []


# --- remote URLs (the downloads themselves are tested in test_remote_images.py) ------------------


def test_an_http_url_is_refused_while_remote_images_are_off(no_io: list[str]) -> None:
    error = refusal("http://example.com/cat.png?sig=SECRET")

    assert "allow_remote_images=True" in error.reason
    assert error.source == "'http://example.com/cat.png?...'"
    assert "SECRET" not in str(error)
    assert no_io == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "http://10.0.0.8/x.png",
        "http://192.168.1.1/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x.png",
        "http://[::ffff:127.0.0.1]/x.png",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_the_cheap_check_refuses_internal_addresses_written_in_the_url(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket.socket, "connect", lambda *a: pytest.fail("connect attempted"))
    with pytest.raises(ImageInputError, match=r"refused to download|metadata"):
        check_image_source_policy(url, ImagePolicy(allow_remote_images=True))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/cat.png", "unsupported URL scheme 'ftp'"),
        ("s3://bucket/cat.png", "unsupported URL scheme 's3'"),
        ("https://user:pw@example.com/cat.png", "credentials"),
        ("http:///cat.png", "no valid host"),
    ],
)
def test_unsupported_urls_are_refused(url: str, reason: str) -> None:
    assert reason in refusal(url, allow_remote_images=True).reason


# --- file objects and other types ----------------------------------------------------------------


def test_a_binary_file_object_is_read_from_its_position(root: Path) -> None:
    with (root / "cat.png").open("rb") as file:
        source = read(file)
    assert source.data == PNG
    assert "cat.png" in source.description
    assert read(io.BytesIO(PNG)).data == PNG


def test_a_file_object_yielding_short_reads_is_read_in_full() -> None:
    class Trickle:
        def __init__(self) -> None:
            self.buffer = io.BytesIO(PNG)

        def read(self, size: int = -1) -> bytes:
            return self.buffer.read(min(size, 7))

    assert read(Trickle()).data == PNG


def test_a_text_mode_file_object_is_refused(root: Path) -> None:
    with (root / "cat.png").open("r", encoding="latin-1") as file:
        assert "text mode" in refusal(file).reason


def test_a_failing_file_object_is_refused() -> None:
    class Broken:
        def read(self, size: int = -1) -> bytes:
            raise OSError("disk on fire")

    assert "reading the file object failed (OSError)" in refusal(Broken()).reason


def test_a_file_object_returning_something_else_is_refused() -> None:
    class Odd:
        def read(self, size: int = -1) -> object:
            return [1, 2, 3]

    assert "returned list" in refusal(Odd()).reason


def test_a_file_object_over_the_cap_is_refused() -> None:
    assert "max_source_bytes" in refusal(io.BytesIO(PNG), max_source_bytes=16).reason


@pytest.mark.parametrize("value", [42, None, 1.5, ["cat.png"], object()])
def test_other_types_are_refused_by_name(value: object) -> None:
    error = refusal(value)
    assert f"unsupported image input type {type(value).__name__}" in error.reason


def test_an_empty_string_is_refused() -> None:
    assert "empty string" in refusal("").reason


# --- the policy ----------------------------------------------------------------------------------


def test_the_policy_normalises_allowed_hosts() -> None:
    policy = ImagePolicy(allowed_remote_hosts=frozenset({"Images.Example.", "[::1]", "0:0::1"}))
    assert policy.allowed_remote_hosts == {"images.example", "::1"}


@pytest.mark.parametrize("options", [{"max_source_bytes": 0}, {"remote_timeout": 0}])
def test_invalid_policies_are_rejected(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        ImagePolicy(**options)


@pytest.mark.parametrize(
    ("source", "download"),
    [
        ("https://example.com/cat.png", True),
        ({"type": "image", "url": "http://example.com/cat.png"}, True),
        ({"type": "image_url", "image_url": {"url": "https://example.com/c.png"}}, True),
        ({"type": "image", "base64": PNG_B64, "mime_type": "image/png", "url": "https://x"}, False),
        (PNG_URL, False),
        ("photos/cat.png", False),
        (PNG, False),
        (42, False),
    ],
)
def test_is_download_follows_the_classification_without_io(
    source: object, download: bool, no_io: list[str]
) -> None:
    assert is_download(source) is download
    assert no_io == []
