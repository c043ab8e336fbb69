"""recommend() is monotonic: an extra aggravating fact never lowers the recommendation, an
extra mitigating fact never raises it (issue 12). Property-based, with Hypothesis.

The strategy draws every field of `Facts` (contradictory combinations are discarded), then
changes one fact by one step. The outcome compared is the risk (unlikely < risk < high risk),
the report recommendation (no < yes) and how people are told (not at all < public
communication < each person individually). Derandomised so that CI always runs the same
examples, with no deadline: a loaded machine must not fail the run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from incidents.assessment import (
    AVAILABILITY_VALUES,
    CATEGORY_DPC,
    IDENTIFICATION,
    INTEGRITY_VALUES,
    RISK_ORDER,
    Facts,
    contradictions,
    recommend,
)
from incidents.vocab import REGIMES

PROPERTY = settings(max_examples=400, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
IDENTIFICATION_ORDER = tuple(IDENTIFICATION)

hours = st.one_of(st.none(), st.integers(min_value=0, max_value=200))


@st.composite
def consistent_facts(draw: Any) -> Facts:
    disclosure = draw(st.sampled_from(["none", "known", "published", "exfiltrated", "both"]))
    adjustment = draw(st.integers(min_value=-3, max_value=3))
    facts = Facts(
        regime=draw(st.sampled_from(sorted(REGIMES))),
        dpc_base=draw(st.integers(min_value=1, max_value=4)),
        dpc_adjustment=adjustment,
        dpc_adjustment_reason="context" if adjustment else "",
        identification=draw(st.sampled_from(IDENTIFICATION_ORDER)),
        categories=frozenset(draw(st.sets(st.sampled_from(sorted(CATEGORY_DPC)), max_size=4))),
        disclosed_known_recipients_only=disclosure == "known",
        published_or_unknown_recipients=disclosure in ("published", "both"),
        exfiltrated=disclosure in ("exfiltrated", "both"),
        nothing_taken=disclosure == "none" and draw(st.booleans()),
        integrity=draw(st.sampled_from(INTEGRITY_VALUES)),
        availability=draw(st.sampled_from(AVAILABILITY_VALUES)),
        harm_from_unavailability=draw(st.booleans()),
        malicious=draw(st.booleans()),
        unintelligible=draw(st.booleans()),
        backup_recovery_hours=draw(hours),
        recipient_trusted_and_deleted=disclosure == "known" and draw(st.booleans()),
        vulnerable_people=draw(st.booleans()),
        physical_safety=draw(st.booleans()),
        number_of_people=draw(st.one_of(st.none(), st.integers(min_value=0, max_value=500_000))),
        measures_remove_high_risk=draw(st.booleans()),
        disproportionate_effort=draw(st.booleans()),
    )
    assume(not contradictions(facts))
    return facts


def outcome(facts: Facts) -> tuple[int, int, int]:
    result = recommend(facts)
    told = 2 if result.tell else 1 if result.public_communication else 0
    return RISK_ORDER.index(result.risk), int(result.report), told


def at_least(worse: Facts, better: Facts) -> None:
    """The recommendation for `worse` is at least that for `better`, part by part."""
    high, low = outcome(worse), outcome(better)
    for part, a, b in zip(("risk", "report", "tell"), high, low, strict=True):
        assert a >= b, f"{part} fell from {b} to {a}:\n  before {better}\n  after  {worse}"


def worse_facts(facts: Facts, which: int) -> list[Facts]:
    """Every way to add one aggravating fact (or go one step up an ordinal)."""
    changes: list[dict[str, Any]] = []
    if not facts.confidentiality:
        changes.append({"disclosed_known_recipients_only": True, "nothing_taken": False})
    if not facts.published_or_unknown_recipients:
        changes.append({"published_or_unknown_recipients": True, "disclosed_known_recipients_only": False,
                        "recipient_trusted_and_deleted": False, "nothing_taken": False})
    if not facts.exfiltrated:
        changes.append({"exfiltrated": True, "disclosed_known_recipients_only": False,
                        "recipient_trusted_and_deleted": False, "nothing_taken": False})
    if INTEGRITY_VALUES.index(facts.integrity) < 2:
        changes.append({"integrity": INTEGRITY_VALUES[INTEGRITY_VALUES.index(facts.integrity) + 1]})
    if AVAILABILITY_VALUES.index(facts.availability) < 2:
        up = AVAILABILITY_VALUES[AVAILABILITY_VALUES.index(facts.availability) + 1]
        changes.append({"availability": up, **({"backup_recovery_hours": None} if up == "permanent" else {})})
    for flag in ("malicious", "vulnerable_people", "physical_safety"):
        if not getattr(facts, flag):
            changes.append({flag: True})
    if not facts.harm_from_unavailability and facts.availability != "none":
        changes.append({"harm_from_unavailability": True})
    if facts.dpc_base < 4:
        changes.append({"dpc_base": facts.dpc_base + 1})
    if facts.dpc_adjustment < 3:
        changes.append({"dpc_adjustment": facts.dpc_adjustment + 1, "dpc_adjustment_reason": "context"})
    if IDENTIFICATION_ORDER.index(facts.identification) < 3:
        changes.append({"identification": IDENTIFICATION_ORDER[IDENTIFICATION_ORDER.index(facts.identification) + 1]})
    missing = sorted(set(CATEGORY_DPC) - facts.categories)
    if missing:
        changes.append({"categories": facts.categories | {missing[which % len(missing)]}})
    changes.append({"number_of_people": (facts.number_of_people or 0) * 10 + 1000})
    if facts.backup_recovery_hours is not None:
        changes.append({"backup_recovery_hours": facts.backup_recovery_hours + 24})
        changes.append({"backup_recovery_hours": None})
    return [replace(facts, **change) for change in changes]


def better_facts(facts: Facts) -> list[Facts]:
    """Every way to add one mitigating fact."""
    changes: list[dict[str, Any]] = []
    for flag in ("unintelligible", "measures_remove_high_risk", "disproportionate_effort"):
        if not getattr(facts, flag):
            changes.append({flag: True})
    if facts.disclosed_known_recipients_only and not facts.recipient_trusted_and_deleted:
        changes.append({"recipient_trusted_and_deleted": True})
    if not facts.confidentiality and not facts.nothing_taken:
        changes.append({"nothing_taken": True})
    if facts.availability == "temporary":
        current = facts.backup_recovery_hours
        changes.append({"backup_recovery_hours": 0 if current is None else max(0, current - 24)})
    return [replace(facts, **change) for change in changes]


@PROPERTY
@given(consistent_facts(), st.integers(min_value=0, max_value=10_000))
def test_an_aggravating_fact_never_lowers_the_recommendation(facts: Facts, which: int) -> None:
    for worse in worse_facts(facts, which):
        if not contradictions(worse):
            at_least(worse, facts)


@PROPERTY
@given(consistent_facts())
def test_a_mitigating_fact_never_raises_the_recommendation(facts: Facts) -> None:
    for better in better_facts(facts):
        if not contradictions(better):
            at_least(facts, better)


@PROPERTY
@given(consistent_facts(), st.integers(min_value=0, max_value=1_000_000))
def test_more_people_never_lowers_the_recommendation(facts: Facts, extra: int) -> None:
    fewer = replace(facts, number_of_people=100)
    more = replace(facts, number_of_people=100 + extra)
    at_least(more, fewer)


@PROPERTY
@given(consistent_facts())
def test_exemption_a_is_only_ever_given_for_confidentiality(facts: Facts) -> None:
    result = recommend(facts)
    if "a" in result.exemptions:
        assert facts.unintelligible and facts.confidentiality
        non_confidentiality = [e for e in result.effects if e.name != "Confidentiality"]
        threshold = REGIMES[facts.regime].tell_threshold
        assert all(RISK_ORDER.index(e.risk) < RISK_ORDER.index(threshold) for e in non_confidentiality)


@PROPERTY
@given(consistent_facts())
def test_every_recommendation_names_a_deciding_factor_and_its_guidance(facts: Facts) -> None:
    result = recommend(facts)
    assert result.deciding_factor.strip()
    assert result.sources and all(source.strip() for source in result.sources)
