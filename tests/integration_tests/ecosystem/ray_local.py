"""A local Ray cluster for the tests: loopback only, nothing sent elsewhere, started once.

Ray is bound to 127.0.0.1 with no dashboard and no usage statistics. Its `uv run` hook is
turned off (under `make test` pytest runs inside `uv run`; the hook would ship the work tree to
the workers). Worker processes compile the modules they import: with `PYTHONDONTWRITEBYTECODE`
set, as on the CI machine, every worker would compile Ray from source again, so the workers may
write bytecode, into a temporary `PYTHONPYCACHEPREFIX`, never into the work tree or the venv.

Starting Ray takes seconds, so one cluster serves every test of the session that needs it (the
Ray test and the docs example of docs/distributed.md); Ray shuts it down when the process exits.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

RAY_INIT_KWARGS: dict[str, Any] = {
    "num_cpus": 2,
    "include_dashboard": False,
    "_node_ip_address": "127.0.0.1",
    "log_to_driver": False,
}


def ray_environment(monkeypatch: pytest.MonkeyPatch, pycache: Path) -> None:
    """Set the variables Ray and its workers read at `ray.init`."""
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.setenv("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(pycache))


def local_ray(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """Return `ray`, connected to the session's local cluster (started on first use)."""
    import ray

    if not ray.is_initialized():
        pycache = tmp_path_factory.getbasetemp() / "ray-pycache"
        pycache.mkdir(exist_ok=True)
        with (
            pytest.MonkeyPatch.context() as patch
        ):  # the cluster keeps the environment it started with
            ray_environment(patch, pycache)
            ray.init(**RAY_INIT_KWARGS)
    return ray


def share_local_ray(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Make code that calls `ray.init(...)` / `ray.shutdown()` use the session's cluster.

    The arguments given to `ray.init` must match the session's own (local mode on 127.0.0.1,
    no dashboard), so the code is checked to start Ray the way the tests do.
    """
    ray = local_ray(tmp_path_factory)

    def init(*args: Any, **kwargs: Any) -> None:
        assert not args, "ray.init(address) would leave this machine"
        for name, value in kwargs.items():
            if name in RAY_INIT_KWARGS:
                assert RAY_INIT_KWARGS[name] == value, f"ray.init({name}={value!r})"
        assert kwargs.get("_node_ip_address") == "127.0.0.1"
        assert kwargs.get("include_dashboard") is False

    monkeypatch.setattr(ray, "init", init)
    monkeypatch.setattr(ray, "shutdown", lambda *args, **kwargs: None)
