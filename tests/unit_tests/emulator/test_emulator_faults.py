"""The seeded fault plan, the forced-outcome queue and the fault answers."""

from __future__ import annotations

import pytest

from langchain_azure_image_embeddings.emulator import FAULT_KINDS, FaultPlan
from langchain_azure_image_embeddings.emulator.faults import Fault, FaultSchedule, fault_error


def test_plan_is_reproducible_from_its_seed():
    first = [FaultPlan(7, 0.3, FAULT_KINDS).outcome(n) for n in range(500)]
    again = [FaultPlan(7, 0.3, FAULT_KINDS).outcome(n) for n in range(500)]
    other = [FaultPlan(8, 0.3, FAULT_KINDS).outcome(n) for n in range(500)]
    assert first == again
    assert first != other


def test_plan_fails_about_the_given_share_with_every_kind():
    plan = FaultPlan(1, 0.25, ("429", "503", "reset"))
    outcomes = [plan.outcome(n) for n in range(10_000)]
    failed = [o for o in outcomes if o is not None]
    assert 0.23 < len(failed) / len(outcomes) < 0.27
    assert set(failed) == {"429", "503", "reset"}


def test_rate_zero_and_one():
    assert {FaultPlan(3, 0.0).outcome(n) for n in range(200)} == {None}
    assert None not in {FaultPlan(3, 1.0, ("500",)).outcome(n) for n in range(200)}


@pytest.mark.parametrize(
    ("rate", "kinds", "message"),
    [
        (-0.1, ("500",), "between 0 and 1"),
        (1.5, ("500",), "between 0 and 1"),
        (0.5, ("418",), "unknown fault kinds"),
        (0.5, (), "at least one fault kind"),
    ],
)
def test_invalid_plans_raise(rate, kinds, message):
    with pytest.raises(ValueError, match=message):
        FaultPlan(0, rate, kinds)


def test_forced_outcomes_come_first_and_numbering_continues():
    plan = FaultPlan(11, 0.5, ("500", "503"))
    schedule = FaultSchedule(plan)
    schedule.enqueue("413", ("429", {"Retry-After": "3600"}))
    assert schedule.next() == Fault("413")
    assert schedule.next() == Fault("429", {"Retry-After": "3600"})
    rest = [schedule.next() for _ in range(20)]
    expected = [plan.outcome(n) for n in range(2, 22)]
    assert [f.kind if f else None for f in rest] == expected


def test_enqueue_refuses_unknown_kinds():
    with pytest.raises(ValueError, match="unknown fault kinds"):
        FaultSchedule(FaultPlan(0, 0.0)).enqueue("200")


@pytest.mark.parametrize(
    ("kind", "status", "headers"),
    [
        ("429", 429, {"Retry-After": "2"}),
        ("429-no-retry-after", 429, {}),
        ("429-retry-after-ms", 429, {"retry-after-ms": "2000"}),
        ("408", 408, {}),
        ("413", 413, {}),
        ("500", 500, {}),
        ("502", 502, {}),
        ("503", 503, {}),
        ("504", 504, {}),
    ],
)
def test_fault_answers(kind, status, headers):
    error = fault_error(Fault(kind), retry_after=2.0)
    assert error.status == status
    assert error.headers == {"x-ms-error-code": error.code, **headers}
    assert set(error.body) == {"error"}
    assert {"code", "message"} <= set(error.body["error"])


def test_fractional_retry_after_and_header_overrides():
    assert fault_error(Fault("429"), retry_after=0.05).headers["Retry-After"] == "0.05"
    forced = fault_error(Fault("429", {"Retry-After": "3600"}), retry_after=1.0)
    assert forced.headers["Retry-After"] == "3600"
