"""The ICO's personal data breach report (UK GDPR Art. 33; DPA 2018 Part 3, s.67), question by question.

What was read (SOURCES.md has the detail): the online form's introduction, the title of its
part one and its first question (ico.org.uk and cy.ico.org.uk), and the first page of the Word
form "Report a personal data breach" (a scribd copy: the ICO's own .doc was not among the
stored pages) up to the categories of data subjects. Everything after that is
`confirmed=False`: its text is the nearest wording found (a third-party copy of the form, the
ICO's own checklists, issue 19 or shared/DOMAIN.md), named in `note`, never the ICO's wording.

Parts follow the online form's six parts. Only part one's title was read; part two carries
the Word form's heading "About the breach"; parts three to five are named after the online
form's own "Before you start" checklist (the same ICO page), and part six after our report.
Within parts the order is the Word form's where it was read, then shared/DOMAIN.md's.
"""

from __future__ import annotations

from . import Form, Part, Question

ONLINE = ("https://ico.org.uk/for-organisations/report-a-breach/personal-data-breach/"
          "report-a-data-breach-online-form/report-a-personal-data-breach-online-form/")
ONLINE_CY = ("https://cy.ico.org.uk/for-organisations/report-a-breach/personal-data-breach/"
             "report-a-data-breach-online-form/report-a-personal-data-breach-online-form")
ONLINE_START = "https://ico.org.uk/for-organisations/report-a-breach/personal-data-breach/report-a-data-breach-online-form/"
# The Word form, read from a copy; the ICO's own file (named on a third-party page, not read):
# https://ico.org.uk/media/for-organisations/documents/2258298/personal-data-breach-report-form-web-dpa-2018.doc
WORD_COPY = "https://www.scribd.com/document/456704011/personal-data-breach-report-ICO"
THIRD_PARTY_FORM = "https://gydeline.com/?p=20320"
ICO_GLOSSARY = "https://ico.org.uk/action-weve-taken/data-security-incident-trends/glossary-of-terms/"
ICO_PRIVACY_NOTICE = "https://ico.org.uk/global/privacy-notice/report-a-breach-all-controllers/"
ITGOVERNANCE = "https://www.itgovernance.co.uk/blog/how-to-report-a-data-breach-to-the-ico"
ICO_TRENDS = "https://ico.org.uk/action-weve-taken/data-security-incident-trends/"
ISSUE_19 = "breachtracker issue 19 (issues show 19)"
OUR_TEMPLATE = "templates/incidents/_ico_report.html"
DOMAIN = "shared/DOMAIN.md"

FROM_WORD = ("Read from a scribd copy of the ICO's Word form (the ICO's own .doc was not among the stored "
             "pages); the online form's wording of this question was not read.")
NOT_READ = "The ICO's wording was not found in any stored copy of its pages."
ABOUT_YOU_NOTE = (NOT_READ + " Text as our own report words it; a third-party guide (" + ITGOVERNANCE + ") says "
                  "the ICO asks for the names of the data controller, the person making the report and the data "
                  "protection officer or person responsible for data protection, and the registered address.")

PERSONAL_DATA_CATEGORIES = (
    "Data revealing racial or ethnic origin",
    "Political opinions",
    "Religious or philosophical beliefs",
    "Trade union membership",
    "Sex life data",
    "Sexual orientation data",
    "Gender reassignment data",
    "Health data",
    "Basic personal identifiers, eg name, contact details",
    "Identification data, eg usernames, passwords",
    "Economic and financial data, eg credit card numbers, bank details",
    "Official documents, eg driving licences",
    "Location data",
    "Genetic or biometric data",
    "Criminal convictions, offences",
    "Not yet known",
    "Other (please give details below)",
)
DATA_SUBJECT_CATEGORIES = (
    "Employees",
    "Users",
    "Subscribers",
    "Students",
    "Customers or prospective customers",
    "Patients",
    "Children",
    "Vulnerable adults",
    "Not yet known",
    # The copy breaks off at "Other (please give details below": the closing bracket is the
    # personal data categories' wording.
    "Other (please give details below)",
)
YES_NO_DONT_KNOW = ("Yes", "No", "Don't know")


PART_1 = Part(1, "About your report", True, ONLINE, help_text=(
    "This form is for organisations that have experienced a personal data breach. Please do not include any "
    "of the personal data involved in the breach when completing this form - for example, do not provide the "
    "names of data subjects affected by the breach. If we need this information, we will ask for it later. "
    "Questions marked with * are mandatory."), gap=(
    "Which questions the online form marks with * was not read; nor whether the Word form's first three "
    "questions are in this part online."), questions=(
    Question(
        "ico_staff_spoken_to",
        "If you have already spoken to a member of ICO staff about this breach, please give their name:",
        "text", WORD_COPY, True, ("ReportDetails.ico_staff_contact",), "exact", in_word=True, note=FROM_WORD),
    Question(
        "report_type", "Report type", "choice", WORD_COPY, True, ("RegulatorSubmission.kind",), "exact",
        options=("Initial report", "Follow-up report"), in_word=True,
        note="A heading with two tick boxes in the Word form. " + FROM_WORD),
    Question(
        "ico_case_reference", "(Follow-up reports only) ICO case reference:", "text", WORD_COPY, True,
        ("RegulatorSubmission.ico_reference",), "exact", in_word=True, note=FROM_WORD),
    Question(
        "reason_for_reporting", "Why are you reporting the breach to the ICO? (optional)", "choice", ONLINE_CY,
        True, ("Decision.outcome", "Decision.recommended"), "exact", mandatory=False, in_online=True,
        options=("meets the threshold", "below it but informing", "unsure"),
        options_confirmed=False,
        help_text=(
            "If you want to make us aware of an incident that doesn’t meet the threshold to report, the quickest "
            "way to do this is to call our helpline on 0303 123 1113. You may not need to provide all the "
            "information requested in this form.\n\nIf you are unsure whether the incident meets the threshold "
            "to report, call our helpline on 0303 123 1113. It could save you time, as you may not need to "
            "report. We can also provide advice about steps to take following the breach."),
        note=("Question and help text read on the Welsh-site copy of the online form (cy.ico.org.uk); the "
              "English page's stored copy stops at the part's title. The answer options were not read: the "
              "three listed are shared/DOMAIN.md's paraphrase, word for word, not the ICO's wording."),
        status_note=("Answered from the latest report decision and what its assessment recommended "
                     "(ico_report.REPORTING_REASONS, our paraphrase of the three answers).")),
))

PART_2 = Part(2, "About the breach", True, WORD_COPY, gap=(
    "The Word form's heading; the online form's part two title was not read."), questions=(
    Question(
        "what_happened", "What has happened?", "text", WORD_COPY, True, ("Incident.description",), "exact",
        help_text="Tell us as much as you can about what happened, what went wrong and how it happened.",
        in_word=True, note=FROM_WORD),
    Question(
        "cyber_incident", "Was the breach caused by a cyber incident?", "yes_no_dont_know", WORD_COPY, True,
        ("Incident.cause", "ReportDetails.cyber_answer"), "exact", options=YES_NO_DONT_KNOW, in_word=True,
        note=FROM_WORD, status_note="Yes/No from the cause; “Don't know” from ReportDetails.cyber_answer."),
    Question(
        "how_found_out", "How did you find out about the breach?", "text", WORD_COPY, True,
        ("Incident.discovery",), "exact", in_word=True, note=FROM_WORD),
    Question(
        "discovered_at", "When did you discover the breach?", "datetime", WORD_COPY, True,
        ("Incident.discovered_at",), "exact", in_word=True,
        note=("Date and Time boxes. The Word form puts this before “When did the breach happen?” (our "
              "report and shared/DOMAIN.md put it after) and marks it with footnote 1, whose text was not "
              "read. " + FROM_WORD)),
    Question(
        "occurred_at", "When did the breach happen?", "datetime", WORD_COPY, True,
        ("Incident.occurred_from", "Incident.occurred_to", "Incident.occurred_estimated"), "exact",
        in_word=True, note="Date and Time boxes. " + FROM_WORD,
        status_note=("We hold a range and an estimate flag; the Word form has one date and time: copy the "
                     "start, and give the range in “What has happened?”.")),
    Question(
        "delay_reasons", "reasons for any delay in reporting", "text", DOMAIN, False,
        ("RegulatorSubmission.delay_reasons", "ReportDetails.delay_reasons"), "exact",
        note=(NOT_READ + " Text from shared/DOMAIN.md. The Word form's first page goes straight from “When did "
              "the breach happen?” to the categories of personal data, so if it asks this it is elsewhere."),
        status_note="Held twice: the initial submission's reasons win over ReportDetails'."),
))

PART_3 = Part(3, "Details of the data and people affected", False, ONLINE_START, gap=(
    "Title taken from the online form's “Before you start” checklist on the ICO's start page, not read as a "
    "part heading. The Word form asks these under “About the breach”."), questions=(
    Question(
        "personal_data_categories", "Categories of personal data included in the breach (tick all that apply)",
        "multi_choice", WORD_COPY, True, ("IncidentCategory.category", "IncidentCategory.detail"), "exact",
        options=PERSONAL_DATA_CATEGORIES, other_details=True, in_word=True, note=FROM_WORD,
        status_note="Our last category reads “Other (details)” (vocab.DATA_CATEGORY_SEEDS); the others match."),
    Question(
        "number_of_records", "Number of personal data records concerned?", "number", WORD_COPY, True,
        ("Incident.approx_records",), "exact", in_word=True,
        note="A blank box in the Word form; the online form's input was not read. " + FROM_WORD,
        status_note=("Asked on the incident page, never summed; the categories' record counts are a hint in "
                     "the report's gap (fixed on 2026-12-03: the report used to add them up).")),
    Question(
        "number_of_data_subjects", "How many data subjects could be affected?", "number", WORD_COPY, True,
        ("Incident.approx_subjects", "DataSubject"), "exact", in_word=True,
        note=("Marked with footnote 2, whose text was not read. The ICO's incident-trends glossary says "
              "organisations are advised to indicate the maximum number that may be affected. " + FROM_WORD),
        status_note="The larger of the people recorded and the estimate."),
    Question(
        "data_subject_categories", "Categories of data subjects affected (tick all that apply)", "multi_choice",
        WORD_COPY, True, ("DataSubject.roles", "DataSubject.is_child", "DataSubject.is_vulnerable"), "different",
        options=DATA_SUBJECT_CATEGORIES, other_details=True, in_word=True,
        note="The copy breaks off inside the last option. " + FROM_WORD,
        status_note=("“Subscribers” is ticked for people with the Subscriber role (added 2026-12-03); “Other” is "
                     "ticked for victims, witnesses, suspects and complainants, and the report lists our roles "
                     "behind it, but not in the form's details box as such.")),
    Question(
        "potential_consequences", "Potential consequences of the breach?", "text", THIRD_PARTY_FORM, False,
        ("NotificationPlan.consequences", "ReportDetails.consequences"), "exact",
        note=NOT_READ + " Text from a third-party form derived from the ICO's (gydeline.com).",
        status_note=("The notification plan's likely consequences when it says them (not asked again), else "
                     "the report's own answer (ico_report.one_source).")),
    Question(
        "likelihood", "What is the likelihood that data subjects will experience significant consequences?",
        "choice", THIRD_PARTY_FORM, False, ("ReportDetails.likelihood",), "exact",
        options=("Very Likely", "Likely", "Neutral", "Unlikely", "Very unlikely"), options_confirmed=False,
        note=(NOT_READ + " Question and options from a third-party form derived from the ICO's "
              "(gydeline.com); shared/DOMAIN.md gives the same five options with “Very likely”."),
        status_note="The assessment engine's own answer (Assessment.likelihood) is shown beside the DPO's."),
    Question(
        "cyber_cia_affected",
        "Has confidentiality, integrity or availablity of your information systems been affected?",
        "yes_no_dont_know", THIRD_PARTY_FORM, False,
        ("ReportDetails.systems_affected", "Incident.breach_confidentiality", "Incident.breach_integrity",
         "Incident.breach_availability"),
        "exact", options=YES_NO_DONT_KNOW, options_confirmed=False,
        note=(NOT_READ + " Text (its spelling kept) and options from a third-party form derived from the "
              "ICO's (gydeline.com). shared/DOMAIN.md says the form asks which of the three: whether it asks "
              "yes/no/don't know, which ones, or both was not read. Cyber incidents only."),
        status_note=("Asked as Yes / No / Don't know about the information systems (ReportDetails); the "
                     "incident's three booleans about the data say which, beside it.")),
    Question(
        "cyber_impact", "What is the impact to your organisation?", "choice", THIRD_PARTY_FORM, False,
        ("ReportDetails.cyber_impact",), "different",
        options=("High - Lost all ability to deliver critical services",
                 "Medium - Lost ability to provide critical service to some users",
                 "Low - No, or low, loss of efficiency ; still provide critical services",
                 "Not yet known"), options_confirmed=False,
        note=NOT_READ + " Question and options from a third-party form derived from the ICO's (gydeline.com). "
                        "Cyber incidents only.",
        status_note="Our options are shortened to “High”, “Medium”, “Low”, “Not yet known”, without their "
                    "meanings."),
    Question(
        "cyber_recovery_time", "What recovery time do you estimate?", "choice", THIRD_PARTY_FORM, False,
        ("ReportDetails.recovery_time",), "different",
        options=("Regular - predictable with existing resources",
                 "Supplemented - predictable with more resources",
                 "Extended - Not predictable, need extra resources",
                 "Not recoverable", "Already recovered", "Not yet known"), options_confirmed=False,
        note=(NOT_READ + " Question and options from a third-party form derived from the ICO's (gydeline.com), "
              "whose copy breaks off at “Not”: the last option is shared/DOMAIN.md's “Not yet known”. Cyber "
              "incidents only."),
        status_note="Our options are shortened to their first words (“Regular”, “Supplemented”...)."),
))

PART_4 = Part(4, "Details of staff members", False, ONLINE_START, gap=(
    "Title taken from the online form's “Before you start” checklist (“was a specific member of staff involved "
    "and what data protection training they’ve had”), not read as a part heading."), questions=(
    Question(
        "staff_involved", "was a specific member of staff involved", "unknown", ONLINE_START, False,
        ("ReportDetails.staff_involved",), "exact",
        note=(NOT_READ + " Text from the start page's checklist; whether the form asks yes/no or for details "
              "was not read."),
        status_note="Free text (roles, never names); fits either way."),
    Question(
        "staff_training",
        "whether the staff member involved in the breach had received data protection training in the last two "
        "years", "unknown", ITGOVERNANCE, False, ("ReportDetails.staff_trained",), "exact",
        options_confirmed=False,
        note=(NOT_READ + " Text from a third-party guide (itgovernance.co.uk); its answer options were not "
              "read."),
        status_note="Ours adds “Some of them” and “No staff were involved”."),
    Question(
        "training_details", "what data protection training they’ve had", "text", ONLINE_START, False,
        ("ReportDetails.training_details",), "exact",
        note=NOT_READ + " Text from the start page's checklist; whether it is its own question was not read."),
    Question(
        "staff_instructions", "specific instructions or guidance given to the staff member", "text", ISSUE_19,
        False, ("ReportDetails.staff_instructions",), "exact", note=NOT_READ + " Text from issue 19."),
))

PART_5 = Part(5, "Your efforts to contain the breach", False, ONLINE_START, gap=(
    "Title taken from the online form's “Before you start” checklist (“what preventative measures were in place "
    "beforehand, what actions you’ve taken to stop it happening again and what other organisations you have "
    "told, or need to tell about the breach”), not read as a part heading."), questions=(
    Question(
        "actions_taken", "Describe the actions you took or propose to take as a result of the breach.",
        "text", ITGOVERNANCE, False, ("NotificationPlan.measures", "ReportDetails.actions_taken"), "exact",
        note=NOT_READ + " Text from a third-party guide (itgovernance.co.uk).",
        status_note=("The notification plan's “what we have done” when it says it (not asked again), else the "
                     "report's own answer (ico_report.one_source).")),
    Question(
        "measures_before", "what preventative measures were in place beforehand", "text", ONLINE_START, False,
        ("ReportDetails.measures_before",), "exact",
        note=NOT_READ + " Text from the start page's checklist."),
    Question(
        "prevent_recurrence", "what actions you’ve taken to stop it happening again", "text", ONLINE_START, False,
        ("ReportDetails.prevent_recurrence", "ReportDetails.prevent_recurrence_by"), "exact",
        note=(NOT_READ + " Text from the start page's checklist; issue 19 says the form also asks when the "
              "steps are expected to be completed (not read)."),
        status_note="With the expected completion date (asked once steps are given)."),
    Question(
        "told_data_subjects", "Have you told data subjects?", "choice", ISSUE_19, False,
        ("Decision.outcome", "Decision.exemption", "Notification.status", "ReportDetails.told_answer"), "exact",
        options=("Yes, told", "About to, or in the process", "No, already aware", "No, but planning to",
                 "No, decided not to", "Not decided yet", "Something else"),
        options_confirmed=False, other_details=True,
        note=(NOT_READ + " Question from issue 19; options are shared/DOMAIN.md's short forms (issue 19 quotes "
              "two as “No, they're already aware” and “Something else”), not the ICO's wording."),
        status_note=("Derived from the tell decision and the letters' states; “No, they're already aware” and "
                     "“Something else” (with details) are the DPO's answer while nobody is told or being told.")),
    Question(
        "other_organisations", "Have you told, or are you planning to tell any other organisations?",
        "yes_no_dont_know", ISSUE_19, False,
        ("ReportDetails.other_organisations_told", "ReportDetails.other_organisations"), "exact",
        options=YES_NO_DONT_KNOW, options_confirmed=False, other_details=True,
        note=(NOT_READ + " Question and its Yes / No / Don't know with details from issue 19; the start page "
              "asks for “what other organisations you have told, or need to tell about the breach”."),
        status_note="Yes / No / Don't know, with which organisations and when (asked when Yes)."),
))

PART_6 = Part(6, "About you", False, DOMAIN, gap=(
    "Title from shared/DOMAIN.md and our report; the online form's part six title was not read."), questions=(
    Question(
        "controller_name", "Organisation (data controller) name", "text", OUR_TEMPLATE, False,
        ("Organisation.controller_name",), "exact", note=ABOUT_YOU_NOTE),
    Question(
        "registered_address", "Registered organisation address", "text", OUR_TEMPLATE, False,
        ("Organisation.registered_address",), "exact", note=ABOUT_YOU_NOTE),
    Question(
        "person_reporting", "Person making this report", "contact", OUR_TEMPLATE, False,
        ("ReportDetails.reporter_name", "ReportDetails.reporter_email", "ReportDetails.reporter_phone"), "exact",
        note=(ABOUT_YOU_NOTE + " The ICO's privacy notice for breach reports (" + ICO_PRIVACY_NOTICE + ") says "
              "it asks for “your name, email address and contact phone number, and the name and details of "
              "the person we should contact about the matter (if this isn’t you)”: whether that is one question "
              "or two was not read."),
        status_note="Job title kept too; a separate contact person (when not the reporter) is not."),
    Question(
        "dpo", "Data protection officer", "contact", OUR_TEMPLATE, False,
        ("Organisation.dpo_name", "Organisation.dpo_email", "Organisation.dpo_phone"), "exact",
        note=ABOUT_YOU_NOTE),
    Question(
        "sector", "the organisation's sector", "unknown", ISSUE_19, False, (), "missing",
        note=(NOT_READ + " Named as missing by issue 19; no stored page shows the form asking it, and the ICO's "
              "incident-trends page (" + ICO_TRENDS + ") says the sector is allocated by the ICO as a best fit. "
              "Its answer type and options (if any) were not read."),
        status_note="Nothing records the organisation's sector."),
    Question(
        "organisation_size", "the organisation's size", "unknown", ISSUE_19, False, (), "missing",
        note=NOT_READ + " Named as missing by issue 19; no stored page shows the form asking it or its options.",
        status_note="Nothing records the organisation's size."),
))

FORM = Form(
    key="uk_gdpr",
    title="Report a personal data breach (UK GDPR / DPA 2018 Part 3)",
    url=ONLINE,
    parts=(PART_1, PART_2, PART_3, PART_4, PART_5, PART_6),
    help_text="Online form in six parts (“Part one of six”); a Word version “Report a personal data breach” exists.",
    sources=(ONLINE, ONLINE_CY, ONLINE_START, WORD_COPY, THIRD_PARTY_FORM, ICO_GLOSSARY, ICO_TRENDS,
             ICO_PRIVACY_NOTICE, ITGOVERNANCE),
)
