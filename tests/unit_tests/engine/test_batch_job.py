"""One batch's life as the plan decides it: steps only, no threads, sockets or event loop."""

from __future__ import annotations

import contextlib
import json

from langchain_core.stores import InMemoryByteStore

from langchain_azure_image_embeddings import AzureAIImageEmbeddings, EmbeddingServiceError
from langchain_azure_image_embeddings._engine.batching import Batch
from langchain_azure_image_embeddings._engine.exchange import Send, Sleep
from langchain_azure_image_embeddings._engine.plan import CallPlan, Prepare, Remember
from langchain_azure_image_embeddings._engine.results import CallResults
from langchain_azure_image_embeddings._images.inputs import TextItem
from langchain_azure_image_embeddings._transport.outcomes import HttpOutcome


def _plan(**fields: object) -> CallPlan:
    embeddings = AzureAIImageEmbeddings(
        endpoint="https://res.services.ai.azure.com/providers/cohere",
        credential="k",
        model="embed-v-4-0",
        retry_backoff=0.01,
        **fields,
    )
    return embeddings._plan("document", None)


def _batch(*texts: str) -> Batch:
    return Batch("texts", list(range(len(texts))), [TextItem(text) for text in texts])


def _answer(vectors: list[list[float]]) -> HttpOutcome:
    body = {"id": "x", "embeddings": {"float": vectors}, "meta": {"billed_units": {}}}
    return HttpOutcome(200, {}, json.dumps(body).encode())


def _play(
    plan: CallPlan, batch: Batch, outcomes: list[HttpOutcome]
) -> tuple[list[str], CallResults]:
    """Answer the job's steps as a driver would; return the kinds of step it asked for."""
    results = CallResults()
    results.expect(len(batch))
    asked: list[str] = []
    steps = plan.job(batch, results)
    reply: object = None
    with contextlib.suppress(StopIteration):
        while True:
            step = steps.send(reply)  # type: ignore[arg-type]
            asked.append(type(step).__name__)
            if isinstance(step, Prepare):
                reply = plan.prepare(step)
            elif isinstance(step, Send):
                reply = outcomes.pop(0)
            elif isinstance(step, Remember):
                plan.remember(step)
                reply = None
            else:
                reply = None
    return asked, results


def test_a_batch_is_prepared_sent_retried_and_recorded():
    asked, results = _play(
        _plan(), _batch("a", "b"), [HttpOutcome(503), _answer([[1.0, 0.0], [0.0, 1.0]])]
    )
    assert asked == ["Prepare", "Send", "Sleep", "Send"]
    assert results.vectors_or_raise() == [[1.0, 0.0], [0.0, 1.0]]


def test_with_a_cache_the_answers_are_remembered_and_found_again():
    plan = _plan(cache=InMemoryByteStore())
    asked, _ = _play(plan, _batch("a"), [_answer([[0.5, 0.5]])])
    assert asked == ["Prepare", "Send", "Remember"]
    asked, results = _play(plan, _batch("a"), [])
    assert asked == ["Prepare"]  # prepared from the cache: nothing to send
    assert results.vectors_or_raise() == [[0.5, 0.5]]


def test_an_error_thrown_in_by_the_driver_is_recorded_for_the_batch():
    plan = _plan(deadline=30)
    results = CallResults()
    results.expect(2)
    steps = plan.job(_batch("a", "b"), results)
    prepare = next(steps)
    assert isinstance(prepare, Prepare)
    assert isinstance(steps.send(plan.prepare(prepare)), Send)
    with contextlib.suppress(StopIteration):
        steps.throw(plan.deadline_error())
    outcomes = results.in_order()
    assert all(isinstance(outcome, EmbeddingServiceError) for outcome in outcomes)
    assert "deadline of 30 s" in str(outcomes[0])


def test_a_batch_after_the_deadline_is_not_prepared():
    plan = _plan(deadline=30)
    plan.deadline = 0.0  # long past
    asked, results = _play(plan, _batch("a"), [])
    assert asked == []
    assert isinstance(results.in_order()[0], EmbeddingServiceError)


def test_a_retry_wait_is_a_step_of_its_own():
    plan = _plan()
    results = CallResults()
    results.expect(1)
    steps = plan.job(_batch("a"), results)
    steps.send(plan.prepare(next(steps)))  # type: ignore[arg-type]
    wait = steps.send(HttpOutcome(429, {"retry-after": "2"}))
    assert isinstance(wait, Sleep) and wait.seconds == 2 and wait.throttled
