"""The image-input corpus through the public class, against the emulator on 127.0.0.1.

Each bad input ends in ``ImageInputError`` with no request sent (the emulator's
stats show it); each good one arrives within the model's limits with the MIME
type of its real bytes. Remote images come from a test server on 127.0.0.1;
every connect is guarded so that nothing can leave loopback.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from langchain_azure_image_embeddings import AzureAIImageEmbeddings, ImageInput, ImageInputError
from langchain_azure_image_embeddings._images.preparation import ImageLimits, prepare_image
from langchain_azure_image_embeddings._images.sources import ImagePolicy
from langchain_azure_image_embeddings.emulator import FoundryEmulator, expected_image_vector

from ..conftest import MODEL, make_embeddings
from ..unit_tests.images.image_corpus import (
    NOT_IMAGES,
    animated_gif,
    cmyk_jpeg,
    encode,
    gray16_png,
    jpeg_claiming,
    noise_png,
    oriented_jpeg,
    palette_png_with_transparency,
    photo_like_image,
    photo_like_jpeg,
    png_bomb,
    png_claiming,
    truncated,
    two_tone,
)
from ..unit_tests.images.image_server import Server, guard_connections, serve

RED, BLUE = (220, 20, 20), (20, 20, 220)
SMALL_PNG = encode(two_tone((40, 30), RED, BLUE), "PNG")
LIMITS = ImageLimits()


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    return guard_connections(monkeypatch)


@pytest.fixture(scope="module")
def image_server() -> Iterator[Server]:
    yield from serve()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus as files in ``corpus/images`` (the root), with a secret beside it."""
    base = tmp_path_factory.mktemp("corpus")
    root = base / "images"
    root.mkdir()
    (base / "secret.png").write_bytes(SMALL_PNG)
    files = {
        "small.png": SMALL_PNG,
        "empty.png": b"",
        "cut.png": truncated(encode(photo_like_image(200, 150), "PNG")),
        "cut.jpg": truncated(encode(photo_like_image(200, 150), "JPEG")),
        "bomb.png": png_bomb(30_000),
        "huge-header.jpg": jpeg_claiming(65_000, 65_000),
        "huge-header.png": png_claiming(100_000, 100_000),
        "animated.gif": animated_gif([(250, 0, 0), (0, 250, 0)]),
        "cmyk.jpg": cmyk_jpeg(),
        "sixteen.png": gray16_png([0, 20000, 40000, 65535] * 4, size=(4, 4)),
        "palette.png": palette_png_with_transparency(),
        "rotated.jpg": oriented_jpeg(two_tone((60, 90), RED, BLUE)),
        "photo-12mp.jpg": photo_like_jpeg(),
        "noise-20mb.png": noise_png(),
        **NOT_IMAGES,
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    (root / "escape.png").symlink_to(base / "secret.png")
    (root / "folder.png").mkdir()
    return root


def embeddings(emulator: FoundryEmulator, root: Path | None = None, **options: Any) -> Any:
    return make_embeddings(emulator, image_roots=[root] if root else None, **options)


def assert_nothing_sent(emulator: FoundryEmulator) -> None:
    assert emulator.stats()["requests"]["/images/embeddings"] == 0
    assert emulator.received_images == []


def assert_sent_as_real_type(emulator: FoundryEmulator) -> dict[str, Any]:
    (record,) = emulator.received_images
    assert record["declared_mime"] == f"image/{record['sniffed_format']}"
    assert record["byte_size"] <= LIMITS.max_image_bytes
    assert record["width"] * record["height"] <= LIMITS.max_pixels
    return record


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


# --- refused before anything is sent -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.png", "empty"),
        ("cut.png", "truncated"),
        ("cut.jpg", "truncated"),
        ("notes.png", "plain text"),
        ("page.jpg", "HTML"),
        ("logo.png", "SVG"),
        ("scan.jpeg", "PDF"),
        ("bomb.png", "decompression bomb"),
        ("huge-header.jpg", "max_decode_pixels"),
        ("huge-header.png", "max_decode_pixels"),
        ("missing.png", "no such file"),
        ("folder.png", "directory"),
        ("escape.png", "outside image_roots"),
        ("../secret.png", "outside image_roots"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_sent(
    name: str, reason: str, corpus: Path, emulator: FoundryEmulator
) -> None:
    with pytest.raises(ImageInputError) as caught:
        embeddings(emulator, corpus).embed_image(uris=[str(corpus / name)])

    assert reason in str(caught.value)
    assert caught.value.position == 0
    assert_nothing_sent(emulator)


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("file:///etc/passwd", "image_roots=[...]"),
        ("/etc/passwd", "image_roots=[...]"),
        ("http://images.example/cat.png", "allow_remote_images=True"),
        ("data:image/png;base64,iVBORw0KGgo***", "malformed base64"),
    ],
)
def test_strings_are_refused_under_the_default_policy(
    uri: str, reason: str, emulator: FoundryEmulator, connections: list[Any]
) -> None:
    with pytest.raises(ImageInputError, match="input 0") as caught:
        embeddings(emulator).embed_image(uris=[uri])

    assert reason in str(caught.value)
    assert_nothing_sent(emulator)
    assert connections == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/latest",
        "http://10.1.2.3/x.png",
        "http://192.168.0.10/x.png",
        "http://169.254.10.10/x.png",
        "http://169.254.169.254/metadata/identity/oauth2/token",
        "http://[::1]/x.png",
        "http://[::ffff:127.0.0.1]/x.png",
    ],
)
def test_internal_addresses_are_refused_without_connecting(
    url: str, emulator: FoundryEmulator, connections: list[Any]
) -> None:
    model = embeddings(emulator, allow_remote_images=True)

    with pytest.raises(ImageInputError, match="refused to download"):
        model.embed_image(uris=[url])

    assert connections == []
    assert_nothing_sent(emulator)


def test_a_redirect_to_a_metadata_address_is_refused(
    image_server: Server, emulator: FoundryEmulator, connections: list[Any]
) -> None:
    model = embeddings(emulator, allow_remote_images=True, allowed_remote_hosts=["127.0.0.1"])
    url = image_server.url("/redirect?to=http://169.254.169.254/metadata/instance")

    with pytest.raises(ImageInputError, match="metadata"):
        model.embed_image(uris=[url])

    assert connections == [("127.0.0.1", image_server.port)]
    assert_nothing_sent(emulator)


@pytest.mark.parametrize(("path", "reason"), [("/big-stream", "cut off"), ("/stall", "timed out")])
def test_oversized_and_silent_downloads_are_bounded(
    path: str,
    reason: str,
    image_server: Server,
    emulator: FoundryEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = embeddings(
        emulator,
        allow_remote_images=True,
        allowed_remote_hosts=["127.0.0.1"],
        max_source_bytes=1024 * 1024,  # small bounds keep the test fast
        remote_image_timeout=0.5,
    )

    with pytest.raises(ImageInputError, match=reason):
        model.embed_image(uris=[image_server.url(path)])

    assert_nothing_sent(emulator)


def test_one_bad_input_fails_alone(corpus: Path, emulator: FoundryEmulator) -> None:
    model = embeddings(emulator, corpus)

    outcomes = model.embed_images(
        [corpus / "small.png", corpus / "notes.png", corpus / "cmyk.jpg"], errors="return"
    )

    assert isinstance(outcomes[1], ImageInputError)
    assert not isinstance(outcomes[0], Exception)
    assert not isinstance(outcomes[2], Exception)
    assert len(emulator.received_images) == 2


# --- prepared and sent ---------------------------------------------------------------------------


def test_a_small_png_arrives_byte_identical(corpus: Path, emulator: FoundryEmulator) -> None:
    (vector,) = embeddings(emulator, corpus).embed_image(uris=[str(corpus / "small.png")])

    record = assert_sent_as_real_type(emulator)
    assert record["sha256"] == hashlib.sha256(SMALL_PNG).hexdigest()
    assert vector == expected_image_vector(SMALL_PNG, model=MODEL, input_type="document")


@pytest.mark.parametrize(
    ("name", "sent_format"),
    [
        ("animated.gif", "png"),
        ("cmyk.jpg", "jpeg"),
        ("sixteen.png", "jpeg"),
        ("palette.png", "png"),
        ("photo-12mp.jpg", "jpeg"),
        ("noise-20mb.png", "jpeg"),
    ],
)
def test_awkward_images_arrive_within_limits_as_their_real_type(
    name: str, sent_format: str, corpus: Path, emulator: FoundryEmulator
) -> None:
    path = corpus / name
    (vector,) = embeddings(emulator, corpus).embed_images([path])

    record = assert_sent_as_real_type(emulator)
    assert record["sniffed_format"] == sent_format
    prepared = prepare_image(path, policy=ImagePolicy(), limits=LIMITS)
    assert record["sha256"] == prepared.sha256
    assert vector == expected_image_vector(prepared.data_url, model=MODEL, input_type="document")


def test_the_12_megapixel_photo_keeps_its_aspect_ratio(
    corpus: Path, emulator: FoundryEmulator
) -> None:
    embeddings(emulator, corpus).embed_image(uris=[(corpus / "photo-12mp.jpg").as_uri()])

    record = assert_sent_as_real_type(emulator)
    assert (record["width"], record["height"]) == (2000, 1500)  # DCT-scaled to half size


def test_the_exif_rotated_photo_arrives_upright(corpus: Path, emulator: FoundryEmulator) -> None:
    (vector,) = embeddings(emulator, corpus).embed_images([corpus / "rotated.jpg"])

    record = assert_sent_as_real_type(emulator)
    assert (record["width"], record["height"]) == (60, 90)
    upright = encode(two_tone((60, 90), RED, BLUE), "PNG")
    sideways = encode(two_tone((60, 90), RED, BLUE).transpose(Image.Transpose.ROTATE_90), "PNG")
    prepared = prepare_image(corpus / "rotated.jpg", policy=ImagePolicy(), limits=LIMITS)
    assert vector == expected_image_vector(prepared.data_url, model=MODEL, input_type="document")
    # The same as the upright original, up to JPEG's losses; far from the sideways pixels.
    expected = expected_image_vector(upright, model=MODEL, input_type="document")
    assert vector == pytest.approx(expected, abs=0.01)
    assert cosine(vector, expected) > 0.99
    assert cosine(vector, expected_image_vector(sideways, model=MODEL, input_type="document")) < 0.9


def test_a_data_url_with_the_wrong_declared_type_is_sent_as_its_real_type(
    emulator: FoundryEmulator,
) -> None:
    data_url = "data:image/jpeg;base64," + base64.b64encode(SMALL_PNG).decode()

    (vector,) = embeddings(emulator).embed_documents([data_url])

    record = assert_sent_as_real_type(emulator)
    assert record["declared_mime"] == "image/png"
    assert record["sha256"] == hashlib.sha256(SMALL_PNG).hexdigest()
    assert vector == expected_image_vector(SMALL_PNG, model=MODEL, input_type="document")


def test_every_accepted_form_reaches_the_emulator(
    corpus: Path, image_server: Server, emulator: FoundryEmulator
) -> None:
    image_server.files["small.png"] = SMALL_PNG
    b64 = base64.b64encode(SMALL_PNG).decode()
    inputs: list[Any] = [
        f"data:image/png;base64,{b64}",
        str(corpus / "small.png"),
        (corpus / "small.png").as_uri(),
        image_server.url("/file?name=small.png&type=image/png"),
        corpus / "small.png",
        SMALL_PNG,
        bytearray(SMALL_PNG),
        memoryview(SMALL_PNG),
        io.BytesIO(SMALL_PNG),
        {"type": "image", "base64": b64, "mime_type": "image/png"},
        {"type": "image", "url": f"data:image/png;base64,{b64}"},
        {"type": "image", "source_type": "base64", "data": b64, "mime_type": "image/png"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64}"}},
        ImageInput(image=corpus / "small.png"),
    ]
    model = embeddings(
        emulator, corpus, allow_remote_images=True, allowed_remote_hosts=["127.0.0.1"]
    )

    vectors = model.embed_images(inputs)

    expected = expected_image_vector(SMALL_PNG, model=MODEL, input_type="document")
    assert all(vector == expected for vector in vectors)
    digests = {record["sha256"] for record in emulator.received_images}
    assert digests == {hashlib.sha256(SMALL_PNG).hexdigest()}
    assert len(emulator.received_images) == len(inputs)


def test_a_pil_image_is_encoded_and_sent(emulator: FoundryEmulator) -> None:
    image = two_tone((40, 30), RED, BLUE).convert("RGBA")

    (vector,) = embeddings(emulator).embed_images([image])

    record = assert_sent_as_real_type(emulator)
    prepared = prepare_image(image, policy=ImagePolicy(), limits=LIMITS)
    assert record["sha256"] == prepared.sha256
    assert vector == expected_image_vector(prepared.data_url, model=MODEL, input_type="document")


def test_a_model_with_smaller_limits_gets_smaller_images(
    corpus: Path, emulator: FoundryEmulator
) -> None:
    model: AzureAIImageEmbeddings = embeddings(
        emulator, corpus, max_image_bytes=200_000, max_image_pixels=640 * 480
    )

    model.embed_images([corpus / "photo-12mp.jpg"])

    (record,) = emulator.received_images
    assert record["byte_size"] <= 200_000
    assert record["width"] * record["height"] <= 640 * 480
