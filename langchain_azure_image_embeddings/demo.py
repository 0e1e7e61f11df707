"""The main job: embed a small photo collection into a vector store, then search it.

``python -m langchain_azure_image_embeddings.demo`` (or ``make demo``):

* with ``AZURE_INFERENCE_ENDPOINT`` (and ``AZURE_INFERENCE_CREDENTIAL``, or an
  Entra ID login) set, it runs against that Azure deployment
  (``AZURE_INFERENCE_MODEL``, default ``Cohere-embed-v3-english``), through the
  protocol the endpoint's shape names: a deployment's Target URI
  (``https://<resource>.services.ai.azure.com/providers/cohere``, or a
  serverless ``https://<name>.<region>.models.ai.azure.com``) is Cohere's v2
  embed API, an endpoint ending in ``/models`` the retired model-inference API;
* otherwise it starts the bundled emulator on 127.0.0.1 and runs against its
  Cohere route (``emulator.cohere_endpoint``), then prints the requests the
  emulator served, by route.

It indexes the photos (public-domain and CC0 photographs shipped inside the
scikit-image wheel when it is installed, else generated scenes) into an
``InMemoryVectorStore`` with their path and caption as metadata, searches by
image (a resized, recompressed copy of three photos) and by text, prints the
results, and writes a contact sheet PNG.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.vectorstores import InMemoryVectorStore
from PIL import Image, ImageDraw

from langchain_azure_image_embeddings._images.contact_sheet import SheetRow, render_contact_sheet
from langchain_azure_image_embeddings._protocols import resolve_endpoint
from langchain_azure_image_embeddings.embeddings import AzureAIImageEmbeddings
from langchain_azure_image_embeddings.indexing import add_image_folder

__all__ = ["Photo", "demo_photos", "main"]

DEFAULT_MODEL = "Cohere-embed-v3-english"


@dataclass(frozen=True)
class Photo:
    """A demo photo: its file name, caption and licence."""

    file: str
    caption: str
    licence: str


# Photographs shipped in scikit-image's wheel (skimage/data); licences as its docstrings state.
SKIMAGE_PHOTOS = (
    Photo("chelsea.png", "a tabby cat", "CC0, Stefan van der Walt"),
    Photo("coffee.png", "a cup of coffee", "CC0, Rachel Michetti"),
    Photo("camera.png", "a man with a camera on a tripod", "CC0, Lav Varshney"),
    Photo("rocket.jpg", "a rocket on its launch pad", "public domain, SpaceX"),
    Photo("astronaut.png", "an astronaut portrait", "public domain, NASA"),
    Photo("hubble_deep_field.jpg", "galaxies in deep space", "public domain, NASA"),
    Photo("retina.jpg", "a human retina", "CC0, Mikael Häggström"),
    Photo("coins.png", "old coins on a table", "no known copyright restrictions"),
)
QUERY_FILES = ("chelsea.png", "rocket.jpg", "coffee.png")
TEXT_QUERY = "a cat"


def demo_photos(folder: Path) -> list[Photo]:
    """Put the demo photos in ``folder`` and return them.

    Copies scikit-image's photographs byte for byte when the package is
    installed; otherwise draws simple generated scenes.

    Args:
        folder: Where the images go (created if missing).

    Returns:
        The photos written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import skimage.data
    except ImportError:
        return _generated_photos(folder)
    source = Path(skimage.data.__file__).parent
    photos = [photo for photo in SKIMAGE_PHOTOS if (source / photo.file).is_file()]
    for photo in photos:
        shutil.copyfile(source / photo.file, folder / photo.file)
    return photos or _generated_photos(folder)


def _generated_photos(folder: Path) -> list[Photo]:
    scenes = (
        ("sunset.png", "a sunset over the sea", ((255, 140, 60), (40, 60, 140))),
        ("forest.png", "a green forest", ((30, 120, 40), (90, 200, 90))),
        ("snow.png", "a snowy mountain", ((240, 240, 255), (120, 140, 170))),
        ("desert.png", "a sand desert", ((230, 190, 120), (250, 230, 180))),
    )
    photos = []
    for index, (name, caption, (sky, ground)) in enumerate(scenes):
        image = Image.new("RGB", (320, 240), sky)
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 150 - index * 10, 320, 240), fill=ground)
        draw.ellipse((40 + index * 50, 30, 100 + index * 50, 90), fill=(250, 220, 80))
        image.save(folder / name)
        photos.append(Photo(name, caption, "generated"))
    return photos


def _query_copy(path: Path) -> Image.Image:
    """A resized, recompressed copy: what a user might search with."""
    with Image.open(path) as original:
        image = original.convert("RGB")
    image = image.resize((max(1, image.width // 2), max(1, image.height // 2)))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=75)
    return Image.open(io.BytesIO(buffer.getvalue()))


_ROUTES = {
    "cohere": "Cohere's v2 embed API",
    "model-inference": "the Azure AI Model Inference API, retired by Azure on 2026-08-26",
}


@dataclass(frozen=True)
class _Target:
    """Where the demo sends its requests."""

    endpoint: str
    key: str | None
    where: str
    served: Callable[[], dict[str, int]] | None = None
    """The emulator's request counts by route (``None`` against Azure)."""


def _route(endpoint: str) -> str:
    return _ROUTES[resolve_endpoint(endpoint).api]


@contextlib.contextmanager
def _endpoint(model: str) -> Iterator[_Target]:
    endpoint = os.environ.get("AZURE_INFERENCE_ENDPOINT") or os.environ.get(
        "AZURE_AI_INFERENCE_ENDPOINT"
    )
    if endpoint:
        yield _Target(endpoint, None, f"{endpoint} ({_route(endpoint)})")
        return
    from langchain_azure_image_embeddings.emulator import FoundryEmulator

    with FoundryEmulator(model=model, key="demo-key") as emulator:
        endpoint = emulator.cohere_endpoint
        yield _Target(
            endpoint,
            emulator.key,
            f"the local emulator's Cohere route {endpoint} ({_route(endpoint)})",
            served=lambda: dict(emulator.stats()["requests"]),
        )


def main(argv: list[str] | None = None) -> int:
    """Run the demo and return the exit status.

    Args:
        argv: Command-line arguments (``--out DIR``, ``--top K``).

    Returns:
        ``0`` on success.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    parser.add_argument("--top", type=int, default=3, help="results per query")
    args = parser.parse_args(argv)
    model = os.environ.get("AZURE_INFERENCE_MODEL", DEFAULT_MODEL)
    folder = args.out / "images"
    photos = demo_photos(folder)
    captions = {photo.file: photo.caption for photo in photos}
    with _endpoint(model) as target:
        where = target.where
        print(f"Embedding {len(photos)} photos with {model} on {where}")
        settings: dict[str, object] = {
            "endpoint": target.endpoint,
            "model": model,
            "image_roots": [folder],
        }
        if target.key is not None:
            settings["credential"] = target.key
        with AzureAIImageEmbeddings.model_validate(settings) as embeddings:
            store = InMemoryVectorStore(embedding=embeddings)
            ids = add_image_folder(store, folder, captions=captions)
            print(f"Indexed {len(ids)} images into an InMemoryVectorStore")
            rows = [
                _search_by_image(store, embeddings, folder / name, args.top)
                for name in QUERY_FILES
                if name in captions
            ]
            rows.append(_search_by_text(store, folder, TEXT_QUERY, args.top))
            print(f"Tokens reported by the service: {embeddings.usage.total_tokens}")
        if target.served is not None:
            counts = ", ".join(f"{route} {n}" for route, n in target.served().items() if n)
            print(f"Requests the emulator served, by route: {counts}")
    sheet = render_contact_sheet(rows, args.out / "contact_sheet.png", title=f"{model} via {where}")
    print(f"Contact sheet: {sheet}")
    for photo in photos:
        print(f"  {photo.file}: {photo.licence}")
    return 0


def _search_by_image(
    store: InMemoryVectorStore, embeddings: AzureAIImageEmbeddings, path: Path, top: int
) -> SheetRow:
    query = _query_copy(path)
    vector = embeddings.embed_images([query], input_type="query")[0]
    hits = store.similarity_search_with_score_by_vector(vector, k=top)
    print(f"\nSearch by image (a half-size JPEG copy of {path.name}):")
    return _report(store, path.parent, f"{path.name} (copy)", query, hits)


def _search_by_text(store: InMemoryVectorStore, folder: Path, text: str, top: int) -> SheetRow:
    hits = store.similarity_search_with_score(text, k=top)
    print(f"\nSearch by text {text!r} (embedded as text):")
    return _report(store, folder, repr(text), None, hits)


def _report(
    store: InMemoryVectorStore,
    folder: Path,
    label: str,
    query: Image.Image | None,
    hits: list[tuple[Document, float]],
) -> SheetRow:
    results = []
    for rank, (document, score) in enumerate(hits, start=1):
        source = Path(document.metadata["source"])
        caption = document.metadata.get("caption", "")
        print(f"  {rank}. {source.name:<24} score {score:.4f}  {caption}")
        with Image.open(folder / source.name) as image:
            results.append((image.convert("RGB"), source.name, score))
    return SheetRow(label, query, results)


if __name__ == "__main__":
    raise SystemExit(main())
