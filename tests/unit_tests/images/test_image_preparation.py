"""The image corpus through ``prepare_image``: refused with a reason, or prepared to fit."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from langchain_azure_image_embeddings._images.preparation import (
    ImageLimits,
    PreparedImage,
    prepare_image,
    sniff_image_format,
)
from langchain_azure_image_embeddings._images.sources import ImagePolicy
from langchain_azure_image_embeddings.errors import ImageInputError

from .image_corpus import (
    NOT_IMAGES,
    animated_gif,
    cmyk_jpeg,
    encode,
    gif_claiming,
    gray16_png,
    jpeg_claiming,
    oriented_jpeg,
    palette_png_with_transparency,
    photo_like_image,
    png_bomb,
    png_claiming,
    rgb16_png,
    sent_bytes,
    sent_image,
    truncated,
    two_tone,
    webp_claiming,
)

POLICY = ImagePolicy()
LIMITS = ImageLimits()
RED, BLUE = (220, 20, 20), (20, 20, 220)


def prepare(source: object, limits: ImageLimits = LIMITS, **policy: Any) -> PreparedImage:
    return prepare_image(source, policy=ImagePolicy(**policy) if policy else POLICY, limits=limits)


def refusal(source: object, limits: ImageLimits = LIMITS, **policy: Any) -> ImageInputError:
    with pytest.raises(ImageInputError) as caught:
        prepare(source, limits, **policy)
    assert type(caught.value) is ImageInputError
    assert "input (" not in caught.value.reason  # never an error wrapped in another
    return caught.value


def pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def assert_close(actual: object, expected: tuple[int, ...], tolerance: int = 12) -> None:
    assert isinstance(actual, tuple)
    assert all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)), (
        actual,
        expected,
    )


def assert_within_limits(prepared: PreparedImage, limits: ImageLimits = LIMITS) -> None:
    data = sent_bytes(prepared)
    assert len(data) == prepared.byte_size <= limits.max_image_bytes
    assert prepared.width * prepared.height <= limits.max_pixels
    assert hashlib.sha256(data).hexdigest() == prepared.sha256
    assert sniff_image_format(data) == prepared.mime_type.removeprefix("image/").upper()
    assert sent_image(prepared).size == (prepared.width, prepared.height)


# --- sent as given -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "mode"),
    [
        ("PNG", "RGB"),
        ("PNG", "RGBA"),
        ("JPEG", "RGB"),
        ("JPEG", "L"),
        ("WEBP", "RGB"),
        ("GIF", "P"),
    ],
)
def test_an_image_within_limits_is_sent_byte_for_byte(image_format: str, mode: str) -> None:
    data = encode(two_tone((40, 30), RED, BLUE).convert(mode), image_format)

    prepared = prepare(data)

    assert prepared.reencoded is False
    assert sent_bytes(prepared) == data
    assert prepared.mime_type == f"image/{image_format.lower()}"
    assert (prepared.width, prepared.height) == (40, 30)
    assert prepared.sha256 == hashlib.sha256(data).hexdigest()


def test_a_small_png_file_arrives_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "small.png"
    path.write_bytes(encode(two_tone((64, 48), RED, BLUE), "PNG"))

    prepared = prepare(path)

    assert sent_bytes(prepared) == path.read_bytes()
    assert prepared.reencoded is False


def test_a_palette_png_without_transparency_is_sent_as_given() -> None:
    data = encode(two_tone((30, 20), RED, BLUE).convert("P"), "PNG")
    assert sent_bytes(prepare(data)) == data


def test_the_declared_type_of_a_data_url_is_replaced_by_the_real_one() -> None:
    png = encode(two_tone((16, 16), RED, BLUE), "PNG")
    data_url = "data:image/gif;base64," + base64.b64encode(png).decode()

    prepared = prepare(data_url)

    assert prepared.mime_type == "image/png"
    assert prepared.data_url.startswith("data:image/png;base64,")
    assert sent_bytes(prepared) == png


def test_a_content_block_with_the_wrong_mime_type_is_sent_with_the_real_one() -> None:
    jpeg = encode(two_tone((16, 16), RED, BLUE), "JPEG")
    block = {"type": "image", "base64": base64.b64encode(jpeg).decode(), "mime_type": "image/png"}

    assert prepare(block).mime_type == "image/jpeg"


# --- prepared to fit -----------------------------------------------------------------------------


def test_a_12_megapixel_photo_arrives_within_limits_with_its_aspect_ratio(photo_12mp: Path) -> None:
    prepared = prepare(photo_12mp)

    assert prepared.reencoded is True
    assert prepared.mime_type == "image/jpeg"
    assert_within_limits(prepared)
    assert (prepared.width, prepared.height) == (2000, 1500)  # half scale fits the budget
    assert prepared.width * prepared.height > 0.95 * LIMITS.max_pixels


@pytest.fixture
def resamples(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Record every resample (``Image.resize``) as (from, to)."""
    calls: list[tuple[tuple[int, int], tuple[int, int]]] = []
    resize = Image.Image.resize

    def recording(self: Image.Image, size: Any, *args: Any, **kwargs: Any) -> Image.Image:
        calls.append((self.size, tuple(size)))
        return resize(self, size, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "resize", recording)
    return calls


def test_a_12_megapixel_jpeg_is_decoded_at_half_scale_and_not_resampled(
    photo_12mp: Path, resamples: list[Any]
) -> None:
    """What keeps a photo's CPU cost low (measured in benchmarks/w2_cpu.py)."""
    prepared = prepare(photo_12mp)
    assert (prepared.width, prepared.height) == (2000, 1500)
    assert resamples == []


@pytest.mark.parametrize(
    ("max_pixels", "sent", "resampled"),
    [
        (130_000, (400, 300), False),  # 1/2 scale fits and keeps more than half the budget
        (480_000, (800, 600), False),  # fits as it is
        (100_000, (365, 273), True),  # 1/2 is too big, 1/4 keeps too little: 1/2, resampled
        (250_000, (577, 433), True),  # 1/2 keeps too little: full size, resampled
        (1_000, (36, 27), True),  # even 1/8 is too big: 1/8, resampled
    ],
)
def test_jpeg_dct_scaling_is_used_as_is_only_when_it_fits_and_keeps_half_the_budget(
    max_pixels: int, sent: tuple[int, int], resampled: bool, resamples: list[Any]
) -> None:
    photo = encode(photo_like_image(800, 600), "JPEG")
    resamples.clear()  # making the photo resamples; preparing it is what is watched
    prepared = prepare(photo, ImageLimits(max_pixels=max_pixels))
    assert (prepared.width, prepared.height) == sent
    assert prepared.width * prepared.height <= max_pixels
    assert bool(resamples) is resampled
    if resampled:
        source, _ = resamples[0]
        assert source[0] * source[1] >= max_pixels  # never upsampled to reach the budget


def test_an_odd_sized_jpeg_gets_the_scale_libjpeg_rounds_up_to(resamples: list[Any]) -> None:
    photo = encode(photo_like_image(801, 601), "JPEG")
    resamples.clear()
    prepared = prepare(photo, ImageLimits(max_pixels=401 * 301))
    assert (prepared.width, prepared.height) == (401, 301)
    assert resamples == []


def test_a_20_megabyte_png_arrives_within_limits(noise_20mb: Path) -> None:
    assert noise_20mb.stat().st_size > 20 * 1024 * 1024

    prepared = prepare(noise_20mb)

    assert prepared.reencoded is True
    assert_within_limits(prepared)
    width, height = Image.open(noise_20mb).size
    assert prepared.width / prepared.height == pytest.approx(width / height, rel=1e-2)


def test_an_image_over_the_pixel_budget_is_downscaled_keeping_its_aspect_ratio() -> None:
    limits = ImageLimits(max_pixels=100 * 50)
    data = encode(two_tone((400, 200), RED, BLUE), "PNG")

    prepared = prepare(data, limits)

    assert (prepared.width, prepared.height) == (100, 50)
    assert_within_limits(prepared, limits)
    image = sent_image(prepared).convert("RGB")
    assert_close(image.getpixel((50, 5)), RED)
    assert_close(image.getpixel((50, 45)), BLUE)


def test_an_image_over_the_byte_limit_is_reencoded_smaller() -> None:
    photo = encode(photo_like_image(600, 400, noise=30), "PNG")
    limits = ImageLimits(max_image_bytes=20_000)
    assert len(photo) > limits.max_image_bytes

    prepared = prepare(photo, limits)

    assert prepared.mime_type == "image/jpeg"
    assert prepared.byte_size <= 20_000
    assert prepared.width / prepared.height == pytest.approx(1.5, rel=2e-2)


def test_an_image_that_cannot_fit_the_byte_limit_is_refused() -> None:
    error = refusal(encode(photo_like_image(64, 64), "PNG"), ImageLimits(max_image_bytes=100))
    assert "max_image_bytes" in error.reason


def test_the_exif_rotated_photo_arrives_upright() -> None:
    upright = two_tone((60, 90), RED, BLUE)  # portrait: red on top
    data = oriented_jpeg(upright, orientation=6)
    assert Image.open(__import__("io").BytesIO(data)).size == (90, 60)  # stored sideways

    prepared = prepare(data)

    assert prepared.reencoded is True
    assert (prepared.width, prepared.height) == (60, 90)
    image = sent_image(prepared).convert("RGB")
    assert_close(image.getpixel((30, 10)), RED, tolerance=20)
    assert_close(image.getpixel((30, 80)), BLUE, tolerance=20)
    assert image.getexif().get(0x0112) is None


def test_an_exif_rotated_photo_over_the_budget_is_rotated_and_downscaled() -> None:
    data = oriented_jpeg(two_tone((300, 600), RED, BLUE))
    limits = ImageLimits(max_pixels=150 * 300)

    prepared = prepare(data, limits)

    assert (prepared.width, prepared.height) == (150, 300)
    image = sent_image(prepared).convert("RGB")
    assert_close(image.getpixel((75, 20)), RED, tolerance=20)
    assert_close(image.getpixel((75, 280)), BLUE, tolerance=20)


def test_an_animated_gif_sends_its_first_frame() -> None:
    data = animated_gif([(250, 0, 0), (0, 250, 0), (0, 0, 250)])

    prepared = prepare(data)

    assert prepared.reencoded is True
    assert prepared.mime_type == "image/png"
    image = sent_image(prepared)
    assert getattr(image, "n_frames", 1) == 1
    assert_close(image.convert("RGB").getpixel((5, 5)), (250, 0, 0), tolerance=4)


def test_an_animated_webp_sends_its_first_frame() -> None:
    frames = [Image.new("RGB", (20, 20), colour) for colour in ((250, 0, 0), (0, 0, 250))]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)

    prepared = prepare(data)

    assert prepared.reencoded is True
    assert_close(sent_image(prepared).convert("RGB").getpixel((5, 5)), (250, 0, 0), tolerance=4)


def test_a_cmyk_jpeg_is_sent_as_an_rgb_jpeg() -> None:
    prepared = prepare(cmyk_jpeg())

    assert prepared.reencoded is True
    assert prepared.mime_type == "image/jpeg"
    image = sent_image(prepared)
    assert image.mode == "RGB"
    assert_close(image.getpixel((10, 10)), (0, 255, 255), tolerance=16)


def test_a_16_bit_greyscale_png_is_scaled_to_8_bits() -> None:
    prepared = prepare(gray16_png([0, 1000, 40000, 65535]))

    assert prepared.reencoded is True
    image = sent_image(prepared)
    assert image.mode == "L"
    assert [image.getpixel((x, 0)) for x in range(4)] == [0, 4, 156, 255]  # value / 256, rounded


def test_a_16_bit_rgb_png_is_reencoded_to_8_bits() -> None:
    data = rgb16_png(8, 6, (65535, 32768, 0))

    prepared = prepare(data)

    assert prepared.reencoded is True
    assert_close(sent_image(prepared).convert("RGB").getpixel((2, 2)), (255, 128, 0), tolerance=16)


def test_a_palette_png_with_transparency_keeps_its_transparency() -> None:
    prepared = prepare(palette_png_with_transparency())

    assert prepared.mime_type == "image/png"
    image = sent_image(prepared).convert("RGBA")
    assert pixel(image, (2, 5))[3] == 0
    assert image.getpixel((17, 5)) == (255, 0, 0, 255)


def test_transparency_is_flattened_onto_white_when_png_would_not_fit() -> None:
    image = photo_like_image(300, 200, noise=40).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize((300, 200)))
    data = encode(image, "PNG")
    limits = ImageLimits(max_image_bytes=len(data) // 4)

    prepared = prepare(data, limits)

    assert prepared.mime_type == "image/jpeg"
    sent = sent_image(prepared)
    assert sent.mode == "RGB"
    assert min(pixel(sent, (150, 1))) > 230  # fully transparent row: white


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA", "L", "1", "P", "CMYK", "I;16", "I", "F"])
def test_pil_images_of_every_common_mode_are_prepared(mode: str) -> None:
    image = two_tone((32, 24), RED, BLUE).convert(mode if mode not in ("I;16", "I", "F") else "L")
    if mode in ("I;16", "I", "F"):
        image = image.convert(mode)

    prepared = prepare(image)

    assert prepared.reencoded is True
    assert_within_limits(prepared)
    assert prepared.mime_type in ("image/png", "image/jpeg")


def test_a_pil_image_over_the_budget_is_downscaled_and_left_unchanged() -> None:
    image = two_tone((400, 300), RED, BLUE)
    prepared = prepare(image, ImageLimits(max_pixels=40 * 30))
    assert (prepared.width, prepared.height) == (40, 30)
    assert image.size == (400, 300)


# --- refused -------------------------------------------------------------------------------------


def test_a_zero_byte_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    assert "empty" in refusal(path).reason
    assert "0 bytes" in refusal(b"").reason


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "WEBP"])
def test_a_truncated_image_is_refused(tmp_path: Path, image_format: str) -> None:
    data = encode(photo_like_image(200, 150), image_format)
    path = tmp_path / f"cut.{image_format.lower()}"
    path.write_bytes(truncated(data))

    error = refusal(path)

    assert "truncated" in error.reason or "corrupt" in error.reason
    assert "cut." in str(error.source)


@pytest.mark.parametrize("name", sorted(NOT_IMAGES))
def test_text_html_svg_and_pdf_under_image_names_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(NOT_IMAGES[name])

    error = refusal(path)

    expected = {
        "notes.png": "plain text",
        "page.jpg": "HTML",
        "logo.png": "SVG",
        "scan.jpeg": "PDF",
    }
    assert expected[name] in error.reason
    assert "accepted formats: GIF, JPEG, PNG, WEBP" in error.reason


@pytest.mark.parametrize(
    "data",
    [b"BM" + b"\x00" * 60, b"II*\x00" + b"\x00" * 60, b"8BPS" + b"\x00" * 30, b"\x00\x01\x02\x03"],
    ids=["bmp", "tiff", "psd", "unknown"],
)
def test_formats_outside_the_allowlist_never_reach_a_decoder(
    data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(args))

    refusal(data)

    assert opened == []


def test_a_format_can_be_taken_off_the_allowlist() -> None:
    gif = encode(Image.new("P", (4, 4)), "GIF")
    error = refusal(gif, ImageLimits(allowed_formats=frozenset({"PNG", "JPEG"})))
    assert "GIF image, which allowed_formats excludes" in error.reason


def test_a_30000_pixel_square_png_bomb_is_refused_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bomb(30_000))
    assert path.stat().st_size < 200_000
    opened: list[object] = []
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(args))

    error = refusal(path)

    assert "30,000 x 30,000" in error.reason
    assert "decompression bomb" in error.reason
    assert opened == []


@pytest.mark.parametrize(
    ("data", "claimed"),
    [
        (png_claiming(100_000, 100_000), "100,000 x 100,000"),
        (jpeg_claiming(65_000, 65_000), "65,000 x 65,000"),
        (gif_claiming(65_535, 65_535), "65,535 x 65,535"),
        (webp_claiming(16_000, 16_000), "16,000 x 16,000"),
    ],
    ids=["png", "jpeg", "gif", "webp"],
)
def test_headers_claiming_huge_dimensions_are_refused(data: bytes, claimed: str) -> None:
    error = refusal(data)
    assert claimed in error.reason
    assert "max_decode_pixels" in error.reason


def test_the_decode_limit_applies_after_the_header_parse_too() -> None:
    data = encode(Image.new("RGB", (300, 300)), "PNG")
    error = refusal(data, ImageLimits(max_decode_pixels=300 * 299))
    assert "300 x 300" in error.reason


def test_a_pil_image_over_the_decode_limit_is_refused() -> None:
    error = refusal(Image.new("L", (100, 100)), ImageLimits(max_decode_pixels=5_000))
    assert "max_decode_pixels" in error.reason


def test_malformed_base64_is_refused() -> None:
    error = refusal("data:image/png;base64,iVBORw0KGgo***not-base64***")
    assert "malformed base64" in error.reason
    assert "chars>" in str(error.source)


def test_a_corrupt_image_body_gives_a_short_printable_reason() -> None:
    data = bytearray(encode(photo_like_image(64, 64), "PNG"))
    data[60:200] = bytes(range(140))  # clobber the compressed pixels

    error = refusal(bytes(data))

    assert error.reason.isprintable()
    assert len(str(error)) < 300


# --- limits --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"allowed_formats": frozenset({"BMP"})},
        {"max_pixels": 0},
        {"max_image_bytes": -1},
        {"max_decode_pixels": 0},
        {"jpeg_quality": 0},
    ],
)
def test_invalid_limits_are_rejected(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"allowed_formats|must be"):
        ImageLimits(**options)


def test_allowed_formats_are_case_insensitive() -> None:
    assert ImageLimits(allowed_formats=frozenset({"png", "Jpeg"})).allowed_formats == {
        "PNG",
        "JPEG",
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n....", "PNG"),
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (b"GIF89a", "GIF"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WEBP"),
        (b"%PDF-1.4", "PDF"),
        (b"\x00\x00\x00\x1cftypavif", "AVIF"),
        (b"  <svg/>", "SVG"),
        (b"hello", "text"),
        (b"\x00\x01\x02", None),
    ],
)
def test_sniffing_names_formats_from_their_bytes(data: bytes, expected: str | None) -> None:
    assert sniff_image_format(data) == expected
