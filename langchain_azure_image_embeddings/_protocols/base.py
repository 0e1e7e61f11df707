"""What a wire protocol decides: its bodies, its answers, its limits and its vocabulary (pure)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from langchain_azure_image_embeddings._protocols.wire import EmbeddingsBody, ParsedEmbeddings

__all__ = ["ApiName", "Entry", "RequestLimits", "RequestSpec", "WireProtocol"]

ApiName = Literal["model-inference", "cohere"]

Entry = str | dict[str, str]
"""One prepared input as every protocol receives it: a text, or
``{"image": data_url, "text"?: str}`` for an image or an image+text pair."""


@dataclass(frozen=True, slots=True)
class RequestLimits:
    """How many inputs a request may carry for one model on one protocol.

    Attributes:
        images_per_request: Images (or pairs) per request when the user sets no cap.
        max_images_per_request: The model's own limit, which no setting can raise
            (``None``: unknown, the user's setting is trusted).
        max_texts_per_request: The most texts per request (``None``: unknown, the
            user's ``texts_per_request`` is trusted).
        max_request_bytes: The largest request body the model takes (``None``:
            unknown; a 413 answer still splits a request).
    """

    images_per_request: int
    max_images_per_request: int | None
    max_texts_per_request: int | None
    max_request_bytes: int | None

    def images_cap(self, setting: int | None) -> int:
        """Images per request given the user's ``images_per_request`` (``None``: the default)."""
        wanted = self.images_per_request if setting is None else setting
        if self.max_images_per_request is None:
            return wanted
        return min(wanted, self.max_images_per_request)

    def texts_cap(self, setting: int) -> int:
        """Texts per request given the user's ``texts_per_request``."""
        if self.max_texts_per_request is None:
            return setting
        return min(setting, self.max_texts_per_request)


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """Everything a request carries besides its inputs, in the package's own terms.

    Attributes:
        model: The deployment name.
        input_type: ``"document"``, ``"query"``, another value sent as given,
            or ``None`` (not sent, where the protocol allows it).
        dimensions: Output dimensions, when set.
        encoding_format: ``"float"`` or ``"base64"``.
        model_kwargs: Extra body fields (never one the protocol sets itself).
    """

    model: str | None
    input_type: str | None
    dimensions: int | None
    encoding_format: str
    model_kwargs: Mapping[str, Any]


class WireProtocol(ABC):
    """One wire protocol: how inputs become a request and an answer becomes vectors."""

    name: ApiName
    reserved_fields: frozenset[str]
    """Body fields the protocol sets itself; ``model_kwargs`` may not name them."""
    input_type_fallback: bool
    """Whether a 422 naming ``input_type`` may be answered by sending none."""
    status_hints: ClassVar[Mapping[int, str]]
    """What to do about an error status, where it differs between protocols."""

    @abstractmethod
    def query_params(self, api_version: str) -> dict[str, str]:
        """The query parameters of every request."""

    @abstractmethod
    def limits(self, model: str | None) -> RequestLimits:
        """The request limits of a deployment."""

    @abstractmethod
    def default_scopes(self, endpoint: str) -> list[str] | None:
        """The Entra ID scopes to request for an endpoint (``None``: the SDK's default)."""

    @abstractmethod
    def build(self, entries: Sequence[Entry], *, images: bool, spec: RequestSpec) -> EmbeddingsBody:
        """Build the request carrying ``entries`` (all images, or all texts).

        Args:
            entries: The prepared inputs, in request order.
            images: Whether they are images (or image+text pairs).
            spec: Model, input type and options.

        Returns:
            The request.
        """

    @abstractmethod
    def parse(self, raw: bytes, request: EmbeddingsBody) -> ParsedEmbeddings:
        """Read a 200 answer: one vector per input sent, in request order, and usage.

        Raises:
            ResponseFormatError: The answer is not a complete, valid result.
        """
