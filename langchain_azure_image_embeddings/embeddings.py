"""`AzureAIImageEmbeddings`: the LangChain embeddings class."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, overload
from urllib.parse import urlsplit

from azure.core.credentials import AzureKeyCredential, SupportsTokenInfo, TokenCredential
from azure.core.credentials_async import AsyncSupportsTokenInfo, AsyncTokenCredential
from langchain_core.embeddings import Embeddings
from langchain_core.stores import ByteStore
from langchain_core.utils import from_env, secret_from_env
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from typing_extensions import Self

from langchain_azure_image_embeddings._engine.batch_preparation import RequestOptions
from langchain_azure_image_embeddings._engine.cache import EmbeddingCache
from langchain_azure_image_embeddings._engine.call_config import CallConfig
from langchain_azure_image_embeddings._engine.drivers import run_async, run_sync
from langchain_azure_image_embeddings._engine.exchange import ExchangePolicy
from langchain_azure_image_embeddings._engine.plan import CallPlan, classify_lazily
from langchain_azure_image_embeddings._engine.precomputed import take_precomputed
from langchain_azure_image_embeddings._engine.progress import call_progress, require_tqdm
from langchain_azure_image_embeddings._engine.results import CallResults, Outcome
from langchain_azure_image_embeddings._engine.runtime import Runtime
from langchain_azure_image_embeddings._engine.settings_checks import (
    check_call_argument,
    check_settings,
    image_root_entries,
)
from langchain_azure_image_embeddings._images.inputs import ImageItem, Item, classify
from langchain_azure_image_embeddings._images.preparation import ImageLimits
from langchain_azure_image_embeddings._images.remote import check_allowed_host
from langchain_azure_image_embeddings._images.sources import ImagePolicy, check_image_source_policy
from langchain_azure_image_embeddings._protocols import (
    ResolvedEndpoint,
    protocol_for,
    resolve_endpoint,
)
from langchain_azure_image_embeddings._transport.clients import TransportSettings
from langchain_azure_image_embeddings._transport.retry import RetrySettings
from langchain_azure_image_embeddings.usage import UsageTotals, active_trackers, track

__all__ = ["AzureAIImageEmbeddings"]

_ENDPOINT_ENV = ("AZURE_INFERENCE_ENDPOINT", "AZURE_AI_INFERENCE_ENDPOINT")
_CREDENTIAL_ENV = ("AZURE_INFERENCE_CREDENTIAL", "AZURE_AI_INFERENCE_CREDENTIAL")
_DEFAULT_LIMITS = ImageLimits()
_DEFAULT_POLICY = ImagePolicy()

InputTypeChoice = Literal["document", "query"] | str | None
Credential = (
    str
    | SecretStr
    | AzureKeyCredential
    | TokenCredential
    | SupportsTokenInfo
    | AsyncTokenCredential
    | AsyncSupportsTokenInfo
)
"""What ``credential`` accepts: a key, or an Entra ID token credential (sync or async)."""


class AzureAIImageEmbeddings(BaseModel, Embeddings):
    """Embeddings for images, image+text pairs and text on Azure AI Foundry models.

    Texts, images and image+text pairs go to a Cohere deployment's Target URI
    (Cohere's v2 embed API, ``POST <Target URI>/v2/embed``) and land in one
    vector space, so text queries can search images (Cohere-embed-v3-english/
    multilingual, Cohere embed-v-4-0 and later). The retired Azure AI Model
    Inference API (``/models``: ``POST /images/embeddings`` and
    ``POST /embeddings``) is spoken to an endpoint ending in ``/models``.
    ``embed_documents`` and ``embed_query`` send the ``document`` and
    ``query`` input types (``search_document`` / ``search_query`` on Cohere's
    route); ``embed_image(uris)`` is what Chroma's ``add_images`` and
    ``similarity_search_by_image`` call.

    Setup:
        Install the package and point it at a deployment's Target URI, shown
        on its page in the Foundry portal (or at the bundled emulator's
        ``cohere endpoint``, ``python -m langchain_azure_image_embeddings.emulator``):

        .. code-block:: bash

            pip install -U langchain-azure-image-embeddings
            export AZURE_INFERENCE_ENDPOINT="https://<resource>.services.ai.azure.com/providers/cohere"
            # serverless: https://<name>.<region>.models.ai.azure.com
            export AZURE_INFERENCE_CREDENTIAL="<key>"   # or leave unset for Entra ID

    Key init args — embedding params:
        model: str | None
            Deployment name, e.g. ``"Cohere-embed-v3-english"`` (required on
            Cohere's route).
        model_family: "auto" | "cohere-v3" | "cohere-v4"
            Cohere v3 (one image per request) or embed v4 and later (96 per
            request); ``"auto"`` reads it from the deployment name.
        dimensions: int | None
            Output dimensions (embed-v-4-0: 256, 512, 1024 or 1536).
        document_input_type / query_input_type: str | None
            ``input_type`` sent for documents and queries (``None``: not sent;
            refused on Cohere's route, which requires one).
        model_kwargs: dict
            Extra body fields (e.g. ``truncate`` on Cohere's route).

    Key init args — client params:
        endpoint: str
            The deployment's Target URI; defaults to ``AZURE_INFERENCE_ENDPOINT``.
        api: "auto" | "cohere" | "model-inference"
            The wire protocol; ``"auto"`` chooses it from the endpoint's shape.
        credential: str | SecretStr | AzureKeyCredential | TokenCredential | None
            Defaults to ``AZURE_INFERENCE_CREDENTIAL``, else ``DefaultAzureCredential``.
        max_concurrency: int
            Requests in flight at most (sync and async).
        max_retries: int
            Retries of 408, 429, 5xx, dropped connections and timeouts.
        timeout: float
            Read timeout in seconds.
        requests_per_minute / tokens_per_minute: int | None
            An optional client-side rate limit, for a deployment's known quota.
        cache: ByteStore | None
            Vectors kept by content (any LangChain ``ByteStore``): re-embedding
            unchanged images or texts sends nothing.

    Key init args — image params:
        image_roots: list[Path] | None
            Folders from which image paths given as strings may be read.
        allow_remote_images: bool
            Whether ``http(s)`` image URLs may be fetched (SSRF-checked).
        max_image_bytes / max_image_pixels: int
            What is sent is downscaled and re-encoded to fit these.

    Instantiate:
        .. code-block:: python

            from langchain_azure_image_embeddings import AzureAIImageEmbeddings

            embeddings = AzureAIImageEmbeddings(
                endpoint="https://<resource>.services.ai.azure.com/providers/cohere",
                model="Cohere-embed-v3-english",  # the deployment name
                image_roots=["./photos"],
            )

    Embed single text:
        .. code-block:: python

            vector = embeddings.embed_query("a cat on a sofa")
            vector[:3]

        .. code-block:: python

            [0.0123, -0.0456, 0.0789]

    Embed multiple texts:
        .. code-block:: python

            vectors = embeddings.embed_documents(["a caption", "another caption"])
            len(vectors), len(vectors[0])

        .. code-block:: python

            (2, 1024)

    Embed images:
        .. code-block:: python

            from pathlib import Path
            from langchain_azure_image_embeddings import ImageInput

            vectors = embeddings.embed_image(uris=["./photos/cat.jpg"])
            pairs = embeddings.embed_images(
                [ImageInput(image=Path("photos/dog.png"), text="a dog")]
            )

    Async:
        .. code-block:: python

            vector = await embeddings.aembed_query("a cat")
            vectors = await embeddings.aembed_image(uris=["./photos/cat.jpg"])

    Moving from the retired ``/models`` endpoint: the same class, methods and
    vectors at the Target URI; see ``docs/migration.md``.
    """

    model_config = ConfigDict(
        arbitrary_types_allowed=True,
        validate_assignment=True,  # a value assigned later is checked as at construction
        extra="forbid",
        # A model validator's error would otherwise print every setting given, the key too.
        hide_input_in_errors=True,
        populate_by_name=True,
        protected_namespaces=(),
        use_attribute_docstrings=True,
    )

    endpoint: str | None = Field(default_factory=from_env(list(_ENDPOINT_ENV), default=None))
    """The endpoint, e.g. ``https://<resource>.services.ai.azure.com/models``.

    Defaults to ``AZURE_INFERENCE_ENDPOINT``, else ``AZURE_AI_INFERENCE_ENDPOINT``."""
    credential: Credential | None = Field(
        default_factory=secret_from_env(list(_CREDENTIAL_ENV), default=None)
    )
    """A key (``str``, ``SecretStr``, ``AzureKeyCredential``) or a ``TokenCredential``
    (sync or async). Defaults to ``AZURE_INFERENCE_CREDENTIAL``, else
    ``AZURE_AI_INFERENCE_CREDENTIAL``, else ``DefaultAzureCredential`` (created lazily)."""
    model: str | None = None
    """Deployment name, sent as ``model`` in every request body (required by ``api="cohere"``)."""
    api: Literal["auto", "model-inference", "cohere"] = "auto"
    """The wire protocol. ``"cohere"``: Cohere's v2 embed API as Azure serves it (the
    deployment's Target URI, ``https://<resource>.services.ai.azure.com/providers/cohere``,
    or a serverless ``https://<name>.<region>.models.ai.azure.com``), the live route for
    images; ``"model-inference"``: the Azure AI Model Inference API (``.../models``),
    retired by Azure on 2026-08-26; ``"auto"``: chosen from the endpoint's shape."""
    model_family: Literal["auto", "cohere-v3", "cohere-v4"] = "auto"
    """Which Cohere rules the deployment follows on ``api="cohere"``: v3 (one image per
    request, images sent with ``input_type="image"``) or v4 and later (96 images or
    image+text pairs per request, 20 MB at most). ``"auto"`` reads it from the deployment
    name (``embed-v-4-0``: v4); a name without a version is taken as v3."""
    api_version: str = "2025-04-01"
    """The API version (the GA ``2025-04-01``; the SDK's own default is deprecated)."""
    credential_scopes: list[str] | None = None
    """Entra ID scopes; by default chosen by host (see the docs)."""
    dimensions: PositiveInt | None = None
    """Output dimensions, passed through (a model that refuses answers 422)."""
    encoding_format: Literal["float", "base64"] = "float"
    """How vectors travel: ``"float"``, JSON numbers (every model), or ``"base64"``,
    little-endian float32 decoded here: a 4x smaller response and about half the
    client CPU, for models that accept it (a model that does not answers 422).
    See ``docs/performance.md`` for the measurements."""
    document_input_type: str | None = "document"
    """``input_type`` sent by ``embed_documents``, ``embed_image`` and ``embed_images``."""
    query_input_type: str | None = "query"
    """``input_type`` sent by ``embed_query``."""
    input_type_fallback: bool = True
    """On a 422 naming ``input_type``: retry once without it, remember, and warn."""
    images_per_request: PositiveInt | None = None
    """Images (or image+text pairs) per request at most; ``None``: as many as the model
    takes (Cohere v3: 1; embed v4 and later on ``api="cohere"``: 96 within 20 MB; the
    model-inference API: 1). A value above the model's own limit is lowered to it."""
    texts_per_request: PositiveInt = 96
    """Texts per request (Cohere's route takes 96 at most)."""
    max_concurrency: PositiveInt = 8
    """Requests in flight at most, in sync and async code alike."""
    image_roots: Sequence[str | os.PathLike[str]] | None = None
    """Folders from which image paths given as strings may be read (symlinks resolved):
    ``str`` or path-like items (one folder alone is accepted too); kept as ``Path`` objects."""
    allow_remote_images: bool = False
    """Whether ``http(s)`` image URLs may be fetched (SSRF-checked)."""
    allowed_remote_hosts: list[str] = Field(default_factory=list)
    """Hosts that may be fetched even when they resolve to private or loopback addresses."""
    max_image_bytes: PositiveInt = _DEFAULT_LIMITS.max_image_bytes
    """Largest image sent, in bytes; larger images are downscaled and re-encoded."""
    max_image_pixels: PositiveInt = _DEFAULT_LIMITS.max_pixels
    """Pixel budget of an image sent; larger images are downscaled."""
    max_decode_bytes: PositiveInt | None = None
    """Memory one image's decoding may take; an image that would take more is refused
    before decoding. ``None``: 16 bytes per pixel of ``max_image_pixels``, at least 64 MiB
    (a 16 MP PNG, a 4 MP WebP, a progressive JPEG of about 4000 x 4000, any baseline JPEG).
    Raise it for large WebP photos (a 12 MP WebP takes about 192 MB: ``200 * 2**20``)."""
    max_source_bytes: PositiveInt = _DEFAULT_POLICY.max_source_bytes
    """Most bytes read from any image source (file, download, data URL) before decoding."""
    remote_image_timeout: PositiveFloat = _DEFAULT_POLICY.remote_timeout
    """Seconds allowed for one whole image download, redirects included."""
    max_retries: NonNegativeInt = 6
    """Retries after the first attempt of a request."""
    max_retry_after: NonNegativeFloat = 60.0
    """Longest wait the service may ask for with ``Retry-After``; longer fails at once."""
    retry_backoff: NonNegativeFloat = 0.5
    """Seconds before the first retry when the service names no wait; doubled at
    each further retry, with jitter, up to ``retry_backoff_max``."""
    retry_backoff_max: NonNegativeFloat = 20.0
    """The longest computed wait between two attempts."""
    timeout: PositiveFloat = 60.0
    """Read timeout in seconds."""
    deadline: PositiveFloat | None = None
    """Seconds a whole call may take, waits and retries included; when it passes, the
    inputs not yet embedded fail with an :class:`EmbeddingServiceError` saying so (the
    vectors obtained are kept) and no request of the call is left in flight. ``None``
    (the default): no bound beyond the retries' (``(max_retries + 1) x timeout`` per
    request); an agent tool wants a few seconds."""
    connect_timeout: PositiveFloat = 10.0
    """Connect timeout in seconds."""
    requests_per_minute: PositiveInt | None = None
    """Client-side limit of requests (every attempt) per minute, shared by the calls of
    this instance; ``None``: none (the client still slows down on 429)."""
    tokens_per_minute: PositiveInt | None = None
    """Client-side limit of estimated tokens per minute (1,000 per image, one per
    four characters of text), shared by the calls of this instance; ``None``: none."""
    show_progress_bar: bool = False
    """Show a tqdm progress bar (install the ``progress`` extra)."""
    cache: ByteStore | None = None
    """A LangChain ``ByteStore`` (``InMemoryByteStore``, ``LocalFileStore``, ...) keeping
    vectors by content: the prepared image bytes (or the text), the paired text, the
    endpoint, model, input type, dimensions, encoding and ``model_kwargs``. Inputs found
    there are not sent; ``embed_image`` and every other method keep working (unlike
    ``CacheBackedEmbeddings``, which hides ``embed_image``). ``None``: no cache."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra model parameters, sent in the body with ``extra-parameters: pass-through``."""
    client_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra keyword arguments for the SDK clients (e.g. ``connection_verify``)."""

    _runtime: Runtime = PrivateAttr(default_factory=Runtime)

    @field_validator("credential", mode="before")
    @classmethod
    def _key_as_secret(cls, value: Any) -> Any:
        return SecretStr(value) if isinstance(value, str) else value

    @field_validator("image_roots", mode="before")
    @classmethod
    def _roots_as_list(cls, value: Any) -> Any:
        value = image_root_entries(value)  # no empty root: it would mean the working directory
        if isinstance(value, (str, os.PathLike)):
            return [value]
        return value

    @field_validator("image_roots")
    @classmethod
    def _roots_as_paths(cls, value: Sequence[str | os.PathLike[str]] | None) -> list[Path] | None:
        return None if value is None else [Path(root) for root in value]

    @field_validator("show_progress_bar")
    @classmethod
    def _tqdm_installed(cls, value: bool) -> bool:
        if value:
            require_tqdm()  # a missing tqdm is reported now, not at the first call
        return value

    @field_validator("allowed_remote_hosts")
    @classmethod
    def _canonical_hosts(cls, value: list[str]) -> list[str]:
        return [check_allowed_host(host) for host in value]

    @model_validator(mode="after")
    def _check_settings(self) -> Self:
        check_settings(
            credential=self.credential,
            endpoint=self.endpoint,
            model_kwargs=self.model_kwargs,
            client_kwargs=self.client_kwargs,
            image_roots=None if self.image_roots is None else [Path(r) for r in self.image_roots],
            texts={
                "model": self.model,
                "document_input_type": self.document_input_type,
                "query_input_type": self.query_input_type,
            },
        )
        return self

    @model_validator(mode="after")
    def _check_endpoint(self) -> Self:
        if not self.endpoint:
            raise ValueError(
                "no endpoint: pass endpoint=... or set AZURE_INFERENCE_ENDPOINT, e.g. "
                "https://<resource>.services.ai.azure.com/models (or the emulator's endpoint)"
            )
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"endpoint {self.endpoint!r} is not an http(s) URL; expected e.g. "
                "https://<resource>.services.ai.azure.com/providers/cohere"
            )
        if resolve_endpoint(self.endpoint, self.api).api == "cohere":
            if not self.model:
                raise ValueError(
                    "model is required on Cohere's route: pass the deployment name, "
                    "e.g. model='embed-v-4-0'"
                )
            if self.document_input_type is None or self.query_input_type is None:
                raise ValueError(
                    "Cohere's route requires an input type: leave document_input_type and "
                    "query_input_type at their defaults ('document' and 'query', sent as "
                    "search_document and search_query)"
                )
        return self

    def __copy__(self) -> Self:
        """A copy (``model_copy``) with its own clients, counters and settings cache."""
        copied = super().__copy__()
        copied._runtime = Runtime()
        return copied

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in type(self).model_fields:
            super().__setattr__(name, value)
            return
        previous = self.__dict__.get(name)
        try:
            super().__setattr__(name, value)  # validated as at construction
        except ValidationError:
            self.__dict__[name] = previous  # a refused value leaves the instance as it was
            raise
        self._runtime.forget_config()  # the next call builds its settings again

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Map of the secret fields to the environment variables that hold them."""
        return {"credential": "AZURE_INFERENCE_CREDENTIAL"}

    # ------------------------------------------------------------------ usage

    @property
    def usage(self) -> UsageTotals:
        """Token usage reported by the service over this instance's life."""
        return self._runtime.usage

    @staticmethod
    def track_usage() -> contextlib.AbstractContextManager[UsageTotals]:
        """Count the usage of the calls made inside a ``with`` block.

        Returns:
            A context manager yielding :class:`UsageTotals` for the block.

        Example:
            .. code-block:: python

                with embeddings.track_usage() as usage:
                    embeddings.embed_documents(["a", "b"])
                print(usage.total_tokens)
        """
        return track()

    # -------------------------------------------------------- LangChain API

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents: texts, image data URLs, ``ImageInput`` pairs and other images.

        A plain string is text (never a file path or URL); image data URLs and
        non-string image inputs (``ImageInput``, bytes, ``Path``, PIL images,
        content blocks) are images. Sends ``input_type="document"``.

        Args:
            texts: The inputs, in any mix of text and image forms.

        Returns:
            One vector per input, in input order.
        """
        check_call_argument(texts, "embed_documents")
        precomputed = take_precomputed(texts)
        if precomputed is not None:
            return precomputed
        return self._embed(texts, strings_are_images=False, input_type=self.document_input_type)

    def embed_query(self, text: str) -> list[float]:
        """Embed a query: text (never read as a path or URL) or an image.

        Sends ``input_type="query"``.

        Args:
            text: The query text, an image data URL, or any non-string image input.

        Returns:
            The query's vector.
        """
        return self._embed([text], strings_are_images=False, input_type=self.query_input_type)[0]

    def embed_image(self, uris: list[str]) -> list[list[float]]:
        """Embed images given as references, as Chroma's ``add_images`` calls it.

        Args:
            uris: Image references: data URLs, local paths or ``file://`` URIs
                (inside ``image_roots``), ``http(s)`` URLs (with
                ``allow_remote_images``), or any non-string image input.

        Returns:
            One vector per image, in input order.
        """
        check_call_argument(uris, "embed_image")
        return self._embed(uris, strings_are_images=True, input_type=self.document_input_type)

    @overload
    def embed_images(
        self,
        inputs: Iterable[Any],
        *,
        input_type: InputTypeChoice = ...,
        errors: Literal["raise"] = ...,
    ) -> list[list[float]]: ...

    @overload
    def embed_images(
        self,
        inputs: Iterable[Any],
        *,
        input_type: InputTypeChoice = ...,
        errors: Literal["return"],
    ) -> list[Outcome]: ...

    def embed_images(
        self,
        inputs: Iterable[Any],
        *,
        input_type: InputTypeChoice = "document",
        errors: Literal["raise", "return"] = "raise",
    ) -> list[list[float]] | list[Outcome]:
        """Embed images and image+text pairs, from any iterable (consumed lazily).

        Args:
            inputs: Images in any accepted form (strings are image references),
                and ``ImageInput`` pairs. Generators are consumed as the work
                proceeds, so memory stays bounded.
            input_type: ``"document"`` or ``"query"`` (mapped through
                ``document_input_type`` / ``query_input_type``), another value
                sent as given, or ``None`` to send none.
            errors: ``"raise"`` (default) raises after the call if any input
                failed, with every vector obtained attached to the error;
                ``"return"`` returns, in input order, each vector or the
                :class:`ImageInputError` / :class:`EmbeddingServiceError` of
                the input that failed.

        Returns:
            One vector (or, with ``errors="return"``, one outcome) per input.
        """
        check_call_argument(inputs, "embed_images")
        results = self._run_sync(inputs, True, self._input_type(input_type))
        return results.in_order() if errors == "return" else results.vectors_or_raise()

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async :meth:`embed_documents`, on the SDK's async client."""
        check_call_argument(texts, "aembed_documents")
        precomputed = take_precomputed(texts)
        if precomputed is not None:
            return precomputed
        results = await self._run_async(texts, False, self.document_input_type)
        return results.vectors_or_raise()

    async def aembed_query(self, text: str) -> list[float]:
        """Async :meth:`embed_query`, on the SDK's async client."""
        results = await self._run_async([text], False, self.query_input_type)
        return results.vectors_or_raise()[0]

    async def aembed_image(self, uris: list[str]) -> list[list[float]]:
        """Async :meth:`embed_image`, on the SDK's async client."""
        check_call_argument(uris, "aembed_image")
        results = await self._run_async(uris, True, self.document_input_type)
        return results.vectors_or_raise()

    @overload
    async def aembed_images(
        self,
        inputs: Iterable[Any],
        *,
        input_type: InputTypeChoice = ...,
        errors: Literal["raise"] = ...,
    ) -> list[list[float]]: ...

    @overload
    async def aembed_images(
        self,
        inputs: Iterable[Any],
        *,
        input_type: InputTypeChoice = ...,
        errors: Literal["return"],
    ) -> list[Outcome]: ...

    async def aembed_images(
        self,
        inputs: Iterable[Any],
        *,
        input_type: InputTypeChoice = "document",
        errors: Literal["raise", "return"] = "raise",
    ) -> list[list[float]] | list[Outcome]:
        """Async :meth:`embed_images`, on the SDK's async client."""
        check_call_argument(inputs, "aembed_images")
        results = await self._run_async(inputs, True, self._input_type(input_type))
        return results.in_order() if errors == "return" else results.vectors_or_raise()

    # ------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close the sync client and any credential this instance created.

        The instance stays usable: a new client is created on the next call.
        """
        self._runtime.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        """Use the instance in a block; its clients are closed when the block ends."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close this event loop's async client (and its default credential), and the sync client.

        Async calls share one client per event loop; without ``aclose`` it is
        closed when the loop shuts down (the end of ``asyncio.run``).
        """
        await self._runtime.aclose()
        self.close()

    # ------------------------------------------------------------- internals

    def _input_type(self, choice: InputTypeChoice) -> str | None:
        if choice == "document":
            return self.document_input_type
        if choice == "query":
            return self.query_input_type
        if choice is None and self._endpoint().api == "cohere":
            raise ValueError("Cohere's route requires an input type; input_type=None is not sent")
        return choice

    def _endpoint(self) -> ResolvedEndpoint:
        return self._config().endpoint

    def _config(self) -> CallConfig:
        """The settings objects every call uses, built again after a field changed."""
        return self._runtime.config(self, self._build_config)

    def _build_config(self) -> CallConfig:
        assert self.endpoint is not None
        resolved = resolve_endpoint(self.endpoint, self.api)
        protocol = protocol_for(resolved.api, self.model_family)
        scopes = self.credential_scopes
        if scopes is None:
            scopes = protocol.default_scopes(resolved.base_url)
        roots = None
        if self.image_roots is not None:  # ImagePolicy resolves them to real paths
            roots = tuple(Path(root).expanduser() for root in self.image_roots)
        return CallConfig(
            endpoint=resolved,
            protocol=protocol,
            limits=protocol.limits(self.model),
            transport=TransportSettings(
                endpoint=resolved.base_url,
                api=resolved.api,
                query_params={**dict(resolved.query), **protocol.query_params(self.api_version)},
                api_version=self.api_version,
                pool_size=self.max_concurrency,
                connect_timeout=self.connect_timeout,
                read_timeout=self.timeout,
                credential_scopes=scopes,
                client_kwargs=self.client_kwargs,
            ),
            image_policy=ImagePolicy(
                image_roots=roots,
                allow_remote_images=self.allow_remote_images,
                allowed_remote_hosts=frozenset(self.allowed_remote_hosts),
                max_source_bytes=self.max_source_bytes,
                remote_timeout=self.remote_image_timeout,
            ),
            image_limits=ImageLimits(
                max_image_bytes=self.max_image_bytes,
                max_pixels=self.max_image_pixels,
                max_decode_bytes=self.max_decode_bytes,
            ),
            retry=RetrySettings(
                max_retries=self.max_retries,
                backoff_base=self.retry_backoff,
                backoff_max=self.retry_backoff_max,
                max_retry_after=self.max_retry_after,
            ),
            model_kwargs=dict(self.model_kwargs),  # a snapshot: the body and the cache agree
            cache_scope={
                "endpoint": f"{resolved.api}:{resolved.base_url}",
                "model": self.model,
                "dimensions": self.dimensions,
                "encoding_format": self.encoding_format,
                "model_kwargs": dict(self.model_kwargs),
            },
        )

    def _transport_settings(self) -> TransportSettings:
        return self._config().transport

    def _plan(self, input_type: str | None, on_progress: Callable[[int], None] | None) -> CallPlan:
        runtime = self._runtime  # a private attribute: read once (pydantic's __getattr__)
        config = runtime.config(self, self._build_config)
        options = RequestOptions(
            model=self.model,
            input_type=input_type,
            dimensions=self.dimensions,
            encoding_format=self.encoding_format,
            model_kwargs=config.model_kwargs,
            protocol=config.protocol,
            image_policy=config.image_policy,
            image_limits=config.image_limits,
        )
        policy = ExchangePolicy(
            retry=config.retry,
            input_type_fallback=self.input_type_fallback,
            memory=runtime.memory,
            model=self.model,
            protocol=config.protocol,
            max_request_bytes=config.limits.max_request_bytes,
            rng=config.rng,
        )
        return CallPlan(
            options=options,
            policy=policy,
            max_concurrency=self.max_concurrency,
            images_per_request=config.limits.images_cap(self.images_per_request),
            texts_per_request=config.limits.texts_cap(self.texts_per_request),
            on_progress=on_progress,
            rate_limit=runtime.rate_limit(self.requests_per_minute, self.tokens_per_minute),
            pressure=runtime.pressure(self.max_concurrency),
            deadline=None if self.deadline is None else time.monotonic() + self.deadline,
            deadline_seconds=self.deadline,
            cache=None
            if self.cache is None
            else EmbeddingCache(self.cache, config.scope(input_type)),
        )

    def _classifier(self, strings_are_images: bool, policy: ImagePolicy) -> Callable[[Any], Item]:
        def classify_one(value: Any) -> Item:
            item = classify(value, strings_are_images=strings_are_images)
            if isinstance(item, ImageItem):
                checked = check_image_source_policy(item.source, policy)
                return ImageItem(item.source, item.text, checked)
            return item

        return classify_one

    @contextlib.contextmanager
    def _call(
        self, inputs: Iterable[Any], strings_are_images: bool, input_type: str | None
    ) -> Iterator[tuple[CallPlan, Iterable[tuple[int, Item]], bool, CallResults]]:
        """Set up one call: its plan, its inputs classified lazily, its results, and usage.

        The flag says whether to classify every input before the first request
        (a ``Sequence``: every policy error is then found before anything is
        sent); a lazy iterable is classified as it is read.
        """
        trackers = active_trackers()
        results = CallResults()
        description = "Embedding images" if strings_are_images else "Embedding documents"
        with call_progress(self.show_progress_bar, inputs, description) as on_progress:
            plan = self._plan(input_type, on_progress)
            classify_one = self._classifier(strings_are_images, plan.options.image_policy)
            items = classify_lazily(inputs, classify_one, results)
            yield plan, items, isinstance(inputs, Sequence), results
        for totals in (self._runtime.usage, *trackers):
            totals.add(results.usage)

    def _run_sync(
        self, inputs: Iterable[Any], strings_are_images: bool, input_type: str | None
    ) -> CallResults:
        with self._call(inputs, strings_are_images, input_type) as (plan, items, first, results):
            if first:
                items = list(items)
            runtime = self._runtime
            transport = runtime.sync_transport(
                runtime.config(self, self._build_config).transport, self.credential
            )
            run_sync(plan, items, results, transport)
        return results

    async def _run_async(
        self, inputs: Iterable[Any], strings_are_images: bool, input_type: str | None
    ) -> CallResults:
        with self._call(inputs, strings_are_images, input_type) as (plan, items, first, results):
            preparer = ThreadPoolExecutor(plan.max_concurrency, "azure-image-prep")
            try:
                if first:  # checking paths is file-system I/O: off the event loop
                    items = await asyncio.get_running_loop().run_in_executor(preparer, list, items)
                transport = await self._runtime.async_transport(
                    self._transport_settings(), self.credential
                )
                await run_async(plan, items, results, transport, preparer)
            finally:
                preparer.shutdown(wait=False, cancel_futures=True)
        return results

    def _embed(
        self, inputs: Sequence[Any], *, strings_are_images: bool, input_type: str | None
    ) -> list[list[float]]:
        return self._run_sync(inputs, strings_are_images, input_type).vectors_or_raise()
