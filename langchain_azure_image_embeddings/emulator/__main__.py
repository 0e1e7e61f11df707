"""Command line of the emulator.

Run as `python -m langchain_azure_image_embeddings.emulator` or `azure-image-embeddings-emulator`.

Prints `endpoint: <url>`, then `cohere endpoint: <url>` (and `ca-cert: <path>` with `--tls`) once
serving, then serves until
SIGINT or SIGTERM, and exits 0.
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence
from types import FrameType

from langchain_azure_image_embeddings.emulator.connections import (
    DEFAULT_BODY_TIMEOUT_S,
    DEFAULT_HEADER_TIMEOUT_S,
)
from langchain_azure_image_embeddings.emulator.faults import (
    DEFAULT_FAULTS,
    FAULT_KINDS,
    check_kinds,
)
from langchain_azure_image_embeddings.emulator.profiles import MODEL_PROFILES
from langchain_azure_image_embeddings.emulator.server import FoundryEmulator
from langchain_azure_image_embeddings.emulator.workers import check_workers


def _fault_kinds(value: str) -> tuple[str, ...]:
    kinds = tuple(kind.strip() for kind in value.split(",") if kind.strip())
    try:
        check_kinds(kinds)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return kinds


def _workers(value: str) -> int:
    workers = int(value)
    try:
        check_workers(workers)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return workers


def _positive(value: str) -> float:
    seconds = float(value)
    if not seconds > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return seconds


def _count(value: str) -> int:
    count = int(value)
    if count < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return count


def _rate(value: str) -> float:
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return rate


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="python -m langchain_azure_image_embeddings.emulator",
        description="A local Azure AI Foundry model-inference endpoint for embeddings.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument("--key", default="emulator-key", help="API key to accept")
    parser.add_argument(
        "--model", default="Cohere-embed-v3-english", choices=sorted(MODEL_PROFILES)
    )
    parser.add_argument(
        "--token", action="append", default=[], help="bearer token to accept (repeatable)"
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every answer")
    parser.add_argument("--fault-rate", type=_rate, default=0.0, help="share of failing requests")
    parser.add_argument(
        "--faults",
        type=_fault_kinds,
        default=DEFAULT_FAULTS,
        help=f"comma list of {','.join(FAULT_KINDS)} (default {','.join(DEFAULT_FAULTS)})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault plan")
    parser.add_argument(
        "--retry-after", type=float, default=1.0, help="Retry-After seconds sent with 429"
    )
    parser.add_argument("--rpm", type=int, default=None, help="requests per minute limit")
    parser.add_argument(
        "--reject-input-type", action="store_true", help="answer 422 whenever input_type is sent"
    )
    parser.add_argument(
        "--tls", action="store_true", help="serve HTTPS with a certificate generated at start"
    )
    parser.add_argument(
        "--header-timeout",
        type=_positive,
        default=DEFAULT_HEADER_TIMEOUT_S,
        help="seconds a connection has to send a request's headers (default %(default)s)",
    )
    parser.add_argument(
        "--body-timeout",
        type=_positive,
        default=DEFAULT_BODY_TIMEOUT_S,
        help="seconds a request has to send its body (default %(default)s)",
    )
    parser.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="processes computing the answers; counters, faults and rpm stay global (default 1)",
    )
    parser.add_argument(
        "--max-connections",
        type=_count,
        default=None,
        help="connections open at once; more get 503 (default: half the descriptor limit)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until SIGINT or SIGTERM.

    Args:
        argv: Arguments (default: `sys.argv[1:]`).

    Returns:
        The exit status, 0.
    """
    args = build_parser().parse_args(argv)
    emulator = FoundryEmulator(
        model=args.model,
        key=args.key,
        host=args.host,
        port=args.port,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        faults=args.faults,
        seed=args.seed,
        retry_after=args.retry_after,
        rpm=args.rpm,
        reject_input_type=args.reject_input_type,
        tls=args.tls,
        tokens=args.token,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        max_connections=args.max_connections,
        workers=args.workers,
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, request_stop) for signum in handled}
    try:
        with emulator:
            print(f"endpoint: {emulator.endpoint}", flush=True)
            print(f"cohere endpoint: {emulator.cohere_endpoint}", flush=True)
            if emulator.ca_cert_path is not None:
                print(f"ca-cert: {emulator.ca_cert_path}", flush=True)
            stop.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
