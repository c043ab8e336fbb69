"""recommend(): the severity arithmetic against hand-worked examples, and each rule.

Pure function, no database: plain unittest cases.
"""

from __future__ import annotations

from decimal import Decimal
from unittest import TestCase

from incidents.assessment import HIGH_RISK, RISK, UNLIKELY, Facts, contradictions, recommend


def facts(**values: object) -> Facts:
    base: dict[str, object] = {"regime": "uk_gdpr", "dpc_base": 1, "identification": "maximum"}
    base.update(values)
    return Facts(**base)  # type: ignore[arg-type]


class SeverityArithmeticTests(TestCase):
    def test_the_enisa_undercover_officers_list_scores_4_though_it_holds_only_names(self) -> None:
        # Names only (DPC 1), context +3 (who they are) -> DPC 4; EI maximum 1; published +0.5.
        # 4 x 1 + 0.5 = 4.5: very high.
        result = recommend(facts(dpc_base=1, dpc_adjustment=3, dpc_adjustment_reason="A list of undercover officers",
                                 published_or_unknown_recipients=True, number_of_people=9483))
        self.assertEqual(result.dpc, 4)
        self.assertEqual(result.score, Decimal("4.5"))
        self.assertEqual(result.band, "very_high")
        self.assertEqual(result.risk, HIGH_RISK)

    def test_the_same_names_without_the_context_adjustment_score_low(self) -> None:
        # 1 x 1 + 0.5 = 1.5: low.
        result = recommend(facts(dpc_base=1, published_or_unknown_recipients=True))
        self.assertEqual(result.score, Decimal("1.5"))
        self.assertEqual(result.band, "low")

    def test_the_working_names_the_adjustment_and_its_reason(self) -> None:
        result = recommend(facts(dpc_base=1, dpc_adjustment=3, dpc_adjustment_reason="Undercover officers",
                                 published_or_unknown_recipients=True))
        lines = [(line.part, line.input, line.value) for line in result.working]
        self.assertIn(("DPC", "Context adjustment +3: Undercover officers", Decimal(3)), lines)
        self.assertIn(("EI", "Ease of identification: maximum", Decimal(1)), lines)
        self.assertIn(("CB", "Confidentiality: published or unknown recipients", Decimal("0.5")), lines)

    def test_ransomware_on_financial_data_adds_every_circumstance(self) -> None:
        # DPC 3 x EI 0.75 = 2.25; CB exfiltrated 0.5 + unavailable temporarily 0.25 + malicious
        # 0.5 = 1.25; total 3.5: high.
        result = recommend(facts(dpc_base=3, identification="significant", exfiltrated=True,
                                 availability="temporary", malicious=True))
        self.assertEqual(result.cb, Decimal("1.25"))
        self.assertEqual(result.score, Decimal("3.5"))
        self.assertEqual(result.band, "high")

    def test_known_recipients_add_a_quarter(self) -> None:
        # 1 x 0.5 + 0.25 = 0.75.
        result = recommend(facts(identification="limited", disclosed_known_recipients_only=True))
        self.assertEqual(result.score, Decimal("0.75"))

    def test_integrity_and_availability_loss_that_cannot_be_undone_add_a_half_each(self) -> None:
        # 2 x 0.25 + 0.5 + 0.5 = 1.5.
        result = recommend(facts(dpc_base=2, identification="negligible", integrity="not_recoverable",
                                 availability="permanent"))
        self.assertEqual(result.score, Decimal("1.5"))

    def test_a_score_of_exactly_2_is_medium(self) -> None:
        # 2 x 0.75 + 0.5 (unknown recipients) = 2.0
        result = recommend(facts(dpc_base=2, identification="significant", published_or_unknown_recipients=True))
        self.assertEqual(result.score, Decimal("2.0"))
        self.assertEqual(result.band, "medium")

    def test_a_score_just_under_2_is_low(self) -> None:
        # 2 x 0.75 + 0.25 (known recipients) = 1.75
        result = recommend(facts(dpc_base=2, identification="significant", disclosed_known_recipients_only=True))
        self.assertEqual(result.band, "low")

    def test_a_score_of_exactly_3_is_high_and_4_is_very_high(self) -> None:
        self.assertEqual(recommend(facts(dpc_base=3, availability="temporary", identification="significant",
                                         malicious=True)).band, "high")  # 2.25 + 0.75 = 3.0
        self.assertEqual(recommend(facts(dpc_base=4, integrity="recoverable", identification="significant",
                                         malicious=True, availability="temporary")).band, "very_high")  # 3 + 1 = 4

    def test_the_context_adjustment_stays_within_1_to_4(self) -> None:
        self.assertEqual(recommend(facts(dpc_base=4, dpc_adjustment=2, dpc_adjustment_reason="x",
                                         availability="temporary")).dpc, 4)
        self.assertEqual(recommend(facts(dpc_base=1, dpc_adjustment=-3, dpc_adjustment_reason="already public",
                                         availability="temporary")).dpc, 1)


class RiskAndRecommendationTests(TestCase):
    def test_a_known_recipient_who_deleted_a_contact_list_is_unlikely_to_result_in_risk(self) -> None:
        result = recommend(facts(disclosed_known_recipients_only=True, recipient_trusted_and_deleted=True))
        self.assertEqual(result.likelihood, "remote")
        self.assertEqual(result.risk, UNLIKELY)
        self.assertFalse(result.report)
        self.assertFalse(result.tell)
        self.assertTrue(any("No need to report" in r for r in result.reasons))

    def test_a_risk_is_reported_but_people_are_not_told(self) -> None:
        # 1.5 low, published -> likely: risk.
        result = recommend(facts(published_or_unknown_recipients=True))
        self.assertEqual(result.risk, RISK)
        self.assertTrue(result.report)
        self.assertFalse(result.tell)

    def test_a_high_risk_is_reported_and_people_are_told(self) -> None:
        result = recommend(facts(dpc_base=4, published_or_unknown_recipients=True, vulnerable_people=True))
        self.assertEqual(result.risk, HIGH_RISK)
        self.assertTrue(result.report)
        self.assertTrue(result.tell)
        self.assertTrue(any("Tell the people without undue delay (Art. 34)" in r for r in result.reasons))

    def test_vulnerable_people_raise_the_data_context_one_step(self) -> None:
        self.assertEqual(recommend(facts(availability="temporary")).dpc, 1)
        result = recommend(facts(availability="temporary", vulnerable_people=True))
        self.assertEqual(result.dpc, 2)
        self.assertIn("Children or vulnerable people among those affected: one step up",
                      [line.input for line in result.working])

    def test_a_large_number_of_people_raises_the_severity_one_band(self) -> None:
        # 1 x 1 + 0.5 = 1.5: low for 999 people, medium for 1,000.
        self.assertEqual(recommend(facts(published_or_unknown_recipients=True, number_of_people=999)).band, "low")
        self.assertEqual(recommend(facts(published_or_unknown_recipients=True, number_of_people=1000)).band, "medium")

    def test_the_number_of_people_counts_even_when_harm_is_already_likely(self) -> None:
        # Official documents (DPC 3) x EI 0.25 + 0.5 published = 1.25 low; likely x low is a
        # risk for 100 people, but the same breach for 100,000 is high: tell them.
        small = recommend(facts(categories=frozenset({"official_documents"}), identification="negligible",
                                published_or_unknown_recipients=True, number_of_people=100))
        large = recommend(facts(categories=frozenset({"official_documents"}), identification="negligible",
                                published_or_unknown_recipients=True, number_of_people=100_000))
        self.assertEqual((small.risk, small.tell), (RISK, False))
        self.assertEqual((large.risk, large.tell), (HIGH_RISK, True))

    def test_a_quick_restore_with_nothing_taken_is_recorded_not_reported(self) -> None:
        result = recommend(facts(dpc_base=4, availability="temporary", backup_recovery_hours=4))
        self.assertEqual(result.risk, UNLIKELY)
        self.assertFalse(result.report)
        self.assertIn("Access was restored within 4 hours", result.deciding_factor)

    def test_a_quick_restore_after_an_attack_is_reported_unless_nothing_was_taken(self) -> None:
        attacked = facts(dpc_base=3, availability="temporary", backup_recovery_hours=4, malicious=True)
        self.assertTrue(recommend(attacked).report)
        self.assertFalse(recommend(facts(dpc_base=3, availability="temporary", backup_recovery_hours=4,
                                         malicious=True, nothing_taken=True)).report)

    def test_a_restore_does_not_help_when_the_data_was_also_disclosed(self) -> None:
        result = recommend(facts(availability="temporary", backup_recovery_hours=4, exfiltrated=True))
        self.assertEqual(result.likelihood, "likely")

    def test_a_long_loss_of_access_is_reported_but_not_told_when_it_harmed_nobody(self) -> None:
        result = recommend(facts(dpc_base=4, availability="temporary", backup_recovery_hours=72))
        self.assertEqual((result.report, result.tell), (True, False))

    def test_a_loss_of_access_that_harmed_people_is_told(self) -> None:
        result = recommend(facts(dpc_base=4, availability="temporary", backup_recovery_hours=30,
                                 harm_from_unavailability=True))
        self.assertEqual((result.report, result.tell), (True, True))
        self.assertEqual(result.deciding_factor, "Losing access to the data harmed people or put them at risk.")

    def test_physical_danger_makes_names_alone_very_high(self) -> None:
        result = recommend(facts(dpc_base=1, disclosed_known_recipients_only=True, physical_safety=True))
        self.assertEqual(result.band, "very_high")
        self.assertEqual((result.report, result.tell), (True, True))
        self.assertIn("violence, intimidation or reprisal", result.deciding_factor)

    def test_identity_documents_reaching_strangers_are_told(self) -> None:
        result = recommend(facts(categories=frozenset({"official_documents", "basic_identifiers"}),
                                 disclosed_known_recipients_only=True, number_of_people=5000))
        self.assertEqual((result.report, result.tell), (True, True))
        self.assertIn("fraud", result.deciding_factor)

    def test_every_recommendation_names_its_deciding_factor_and_guidance(self) -> None:
        result = recommend(facts(published_or_unknown_recipients=True))
        self.assertTrue(result.deciding_factor)
        self.assertTrue(all(source for source in result.sources))
        self.assertIn(result.deciding_factor, result.summary)

    def test_part_3_high_risk_mentions_the_power_to_restrict(self) -> None:
        result = recommend(facts(regime="dpa_part3", dpc_base=4, published_or_unknown_recipients=True,
                                 vulnerable_people=True))
        self.assertTrue(result.tell)
        self.assertTrue(any("s.68(7)" in r for r in result.reasons))


class ExemptionTests(TestCase):
    HIGH = {"dpc_base": 4, "published_or_unknown_recipients": True, "malicious": True}

    def test_exemption_a_unintelligible_data_is_recorded_not_reported_or_told(self) -> None:
        # 4 x 1 + 0 (confidentiality not lost) + 0.5 malicious = 4.5; but nobody could read it.
        result = recommend(facts(**self.HIGH, unintelligible=True))
        self.assertEqual(result.risk, UNLIKELY)
        self.assertFalse(result.report)
        self.assertFalse(result.tell)
        self.assertEqual(result.exemptions, ("a",))
        self.assertTrue(any("(a) the data was unintelligible" in r for r in result.reasons))

    def test_exemption_a_never_covers_a_loss_of_availability(self) -> None:
        # Encrypted health records, stolen and the only copy: the people lose their records.
        result = recommend(facts(dpc_base=4, published_or_unknown_recipients=True, unintelligible=True,
                                 availability="permanent", harm_from_unavailability=True))
        self.assertTrue(result.tell)
        self.assertNotIn("a", result.exemptions)

    def test_exemption_a_never_covers_altered_data(self) -> None:
        result = recommend(facts(dpc_base=4, exfiltrated=True, unintelligible=True,
                                 integrity="not_recoverable", malicious=True))
        self.assertTrue(result.report)
        self.assertTrue(result.tell)
        self.assertNotIn("a", result.exemptions)

    def test_exemption_b_later_measures_mean_people_need_not_be_told(self) -> None:
        result = recommend(facts(**self.HIGH, measures_remove_high_risk=True))
        self.assertFalse(result.tell)
        self.assertEqual(result.exemptions, ("b",))
        self.assertFalse(result.public_communication)

    def test_exemption_c_disproportionate_effort_needs_a_public_communication(self) -> None:
        result = recommend(facts(**self.HIGH, disproportionate_effort=True))
        self.assertFalse(result.tell)
        self.assertTrue(result.public_communication)
        self.assertEqual(result.exemptions, ("c",))
        self.assertTrue(any("public communication" in r for r in result.reasons))

    def test_no_exemption_is_listed_when_people_need_not_be_told_anyway(self) -> None:
        result = recommend(facts(availability="temporary", disproportionate_effort=True))
        self.assertEqual(result.exemptions, ())


class RegimeTests(TestCase):
    def test_pecr_reports_every_breach_whatever_the_risk(self) -> None:
        result = recommend(facts(regime="pecr", disclosed_known_recipients_only=True, recipient_trusted_and_deleted=True))
        self.assertEqual(result.risk, UNLIKELY)
        self.assertTrue(result.report)
        self.assertTrue(any("every personal data breach is reported" in r for r in result.reasons))

    def test_pecr_tells_subscribers_at_a_risk_not_only_a_high_risk(self) -> None:
        self.assertTrue(recommend(facts(regime="pecr", published_or_unknown_recipients=True)).tell)
        self.assertFalse(recommend(facts(regime="uk_gdpr", published_or_unknown_recipients=True)).tell)

    def test_pecr_has_no_later_measures_exemption(self) -> None:
        result = recommend(facts(regime="pecr", dpc_base=4, published_or_unknown_recipients=True,
                                 measures_remove_high_risk=True))
        self.assertTrue(result.tell)
        self.assertEqual(result.exemptions, ())


class ContradictionTests(TestCase):
    def test_published_and_known_recipients_only_contradict_each_other(self) -> None:
        problems = contradictions(facts(disclosed_known_recipients_only=True, published_or_unknown_recipients=True))
        self.assertIn("disclosed_known_recipients_only", problems)
        with self.assertRaises(ValueError):
            recommend(facts(disclosed_known_recipients_only=True, published_or_unknown_recipients=True))

    def test_exfiltrated_and_known_recipients_only_contradict_each_other(self) -> None:
        self.assertIn("disclosed_known_recipients_only",
                      contradictions(facts(disclosed_known_recipients_only=True, exfiltrated=True)))

    def test_a_trusted_recipient_cannot_have_deleted_published_data(self) -> None:
        self.assertIn("recipient_trusted_and_deleted",
                      contradictions(facts(published_or_unknown_recipients=True, recipient_trusted_and_deleted=True)))

    def test_a_permanent_loss_cannot_have_been_restored_from_backup(self) -> None:
        self.assertIn("backup_recovery_hours", contradictions(facts(availability="permanent", backup_recovery_hours=3)))

    def test_a_context_adjustment_needs_a_reason(self) -> None:
        self.assertIn("dpc_adjustment_reason", contradictions(facts(availability="temporary", dpc_adjustment=1)))

    def test_a_breach_must_affect_the_data_somehow(self) -> None:
        self.assertIn("__all__", contradictions(facts()))

    def test_nothing_taken_and_published_are_refused_naming_both_answers(self) -> None:
        problems = contradictions(facts(nothing_taken=True, published_or_unknown_recipients=True))
        self.assertEqual(
            problems["nothing_taken"],
            "“Evidence shows nobody saw or copied the data” and “Published, or reached unknown recipients” "
            "cannot both be true: change one of them.",
        )

    def test_harm_from_a_loss_of_access_needs_a_loss_of_access(self) -> None:
        self.assertIn("harm_from_unavailability",
                      contradictions(facts(exfiltrated=True, harm_from_unavailability=True)))

    def test_unknown_values_are_refused(self) -> None:
        problems = contradictions(facts(availability="sometimes", integrity="x", identification="y",
                                        categories=frozenset({"shoe_size"}), regime="gdpr_eu"))
        self.assertEqual(set(problems), {"availability", "integrity", "identification", "categories", "regime"})
