"""The ICO's PECR security breach notification (PECR reg. 5A), as far as it could be read.

One online form for public electronic communications service providers, with a branch for
each thing they send: the monthly breach log (or a nil return by email), the initial
notification, the second notification and the follow-up notification, then "About you (the
service provider)". The stored copy of the form's page gives its headings, help texts and
three questions; the initial notification's minimum content comes from the ICO's Guide to
PECR (`confirmed=False`: the guide's words, not the form's). The second notification's
questions and the breach log template's columns were not found anywhere (`gap`).

Timing: the form still says "within 24 hours" and "within three days"; the Data (Use and
Access) Act 2025 made the first 72 hours from 20 August 2025 (incidents/vocab.py, PECR_72_HOURS;
a third-party copy of the ICO's guide carries the ICO's update note). Whether the second
notification's three days changed too was not read.
"""

from __future__ import annotations

from . import Form, Part, Question

# As stored: the canonical address is https://ico.org.uk/for-organisations/report-a-breach/
# data-security-breach-pecr/report-a-data-security-breach/
FORM_PAGE = "http://ico.org.uk:80/for-organisations/report-a-breach/data-security-breach-pecr/report-a-data-security-breach/"
START = "https://ico.org.uk/for-organisations/report-a-breach/data-security-breach-pecr/"
GUIDE = ("https://ico.org.uk/for-organisations/direct-marketing-and-privacy-and-electronic-communications/"
         "guide-to-pecr/communications-networks-and-services/security-breaches/")
OLD_GUIDE = ("http://www.ico.gov.uk/for_organisations/privacy_and_electronic_communications/the_guide/"
             "security_breaches.aspx")
GUIDE_72H_COPY = "https://threatcluster.io/article/personal-data-breaches-a-guide-ef54fc0d"

FROM_GUIDE = ("The form's wording was not read: this is the ICO's Guide to PECR listing what an initial "
              "notification must include at least (“your name and contact details; the date and time of the "
              "breach (or an estimate); the date and time you detected it; basic information about the type of "
              "breach; and basic information about the personal data concerned”).")
NO_PECR_LAYOUT = "PECR incidents get the UK GDPR report's layout; "

PART_1 = Part(1, "Which notification you are sending", False, START, gap=(
    "Title is ours: the start page says the form is “to report a breach of security or send their completed "
    "monthly breach log to the ICO”, and the form's page has a branch per notification (parts 2 to 6); the "
    "question that picks the branch was not read."), questions=(
    Question(
        "pecr_submission_type", "to report a breach of security or send their completed monthly breach log",
        "choice", START, False, ("RegulatorSubmission.kind",), "exact",
        options=("Monthly log", "Initial notification of a security breach",
                 "Second notification of a security breach (providing further detail)",
                 "Follow up notification with any outstanding details"), options_confirmed=False,
        note=("The options are the form's four branch headings, read on its page; the question's own wording "
              "and whether it is a choice were not read."),
        status_note=("Initial, second (within three days of the initial one) and follow-up notifications are "
                     "RegulatorSubmission kinds for a PECR incident; the monthly log is the PECR log page.")),
))

PART_2 = Part(2, "Monthly log", True, FORM_PAGE, help_text=(
    "If there have not been any personal data breaches during this month, you can email a 'nil return' to "
    "[the ICO's address, hidden in the stored copy]. As nil returns do not need to be sent securely, you do not "
    "need to use this form."), questions=(
    Question(
        "pecr_monthly_log_file",
        "If there have been personal data breaches, please attach your completed breach log below.", "file",
        FORM_PAGE, True, ("Incident.regime", "Incident.aware_at"), "exact",
        help_text=("We accept Excel, Word and Open Office spreadsheet and document files, CSVs and text-based "
                   "files. Maximum of 3 MB."),
        note="The nil return's address is hidden (“[email protected]”) in the stored copy.",
        status_note=("The month's log from the register (reporting/pecr_log.py: reg. 5A(8)'s facts, effects "
                     "and remedial action; the ICO template's own headings were not read), or the nil return "
                     "to email for a month with none.")),
))

PART_3 = Part(3, "Initial notification of a security breach", True, FORM_PAGE, help_text=(
    "Use this form for the first notification within 24 hours of detecting a breach."), gap=(
    "Only “When did this breach occur?” was read on the form; the other questions are the guide's minimum "
    "content. The 24 hours are out of date since 20 August 2025 (72 hours)."), questions=(
    Question(
        "pecr_initial_occurred_at", "When did this breach occur?", "datetime", FORM_PAGE, True,
        ("Incident.occurred_from", "Incident.occurred_to", "Incident.occurred_estimated"), "exact",
        note="Its input boxes were not read; the guide asks for “the date and time of the breach (or an "
             "estimate)”.", status_note=NO_PECR_LAYOUT + "the answer is held."),
    Question(
        "pecr_initial_detected_at", "the date and time you detected it", "datetime", GUIDE, False,
        ("Incident.discovered_at",), "exact", note=FROM_GUIDE, status_note=NO_PECR_LAYOUT + "the answer is held."),
    Question(
        "pecr_initial_breach_type", "basic information about the type of breach", "unknown", GUIDE, False,
        ("Incident.cause", "Incident.breach_confidentiality", "Incident.breach_integrity",
         "Incident.breach_availability"), "exact", note=FROM_GUIDE,
        status_note=NO_PECR_LAYOUT + "our causes and the three breach types answer it; the form's options "
                                     "(if any) were not read."),
    Question(
        "pecr_initial_personal_data", "basic information about the personal data concerned", "unknown", GUIDE,
        False, ("IncidentCategory.category", "Incident.approx_records"), "exact", note=FROM_GUIDE,
        status_note=NO_PECR_LAYOUT + "the answer is held."),
))

PART_4 = Part(4, "Information to provide now if possible", True, FORM_PAGE, help_text=(
    "You should provide the following information now, if possible. If not, you must send a second "
    "notification form within three days."), gap=(
    "A heading inside the initial notification; the questions under it were not in the stored copy. The ICO's "
    "guide (“If possible, you should also include …”) breaks off in its stored copy too."))

PART_5 = Part(5, "Second notification of a security breach (providing further detail)", True, FORM_PAGE, help_text=(
    "You should have already sent an initial notification with as much information as possible. Please now "
    "provide further detail. For each question, please add any further details since your initial notification. "
    "Please tell us if any details have changed. If you cannot provide any of the information we ask for now, "
    "you should explain why, and send a follow up form as soon as possible."), gap=(
    "None of its questions were in the stored copy of the form's page."))

PART_6 = Part(6, "Follow up notification with any outstanding details", True, FORM_PAGE, help_text=(
    "You should have already sent an initial notification and second notification with as much information as "
    "possible. Please now provide any further remaining details."), gap=(
    "Only the question below and an upload box were read; other questions, if any, were not."), questions=(
    Question(
        "pecr_followup_occurred_at", "When did this incident occur?", "datetime", FORM_PAGE, True,
        ("Incident.occurred_from", "Incident.occurred_to", "Incident.occurred_estimated"), "exact",
        note="Its input boxes were not read.", status_note=NO_PECR_LAYOUT + "the answer is held."),
    Question(
        "pecr_followup_attachments", "You can attach documents to the form if necessary.", "file", GUIDE, False,
        ("ReportPdf.pdf",), "different",
        help_text=("We accept Word, Excel and other MS Office and Open Office files, image files, and text files. "
                   "Up to 2 MB per file"),
        note=("The upload box's help text was read on the form's page, after “When did this incident occur?”; "
              "its label was not: the text is the guide's."),
        status_note="The PDF we make is the UK GDPR report's layout, not the PECR notification's."),
))

PART_7 = Part(7, "About you (the service provider)", True, FORM_PAGE, gap=(
    "The boxes under “Who should we contact?” (name, email, phone…) were not read."), questions=(
    Question(
        "pecr_provider", "your name and contact details", "contact", GUIDE, False,
        ("Organisation.controller_name", "Organisation.registered_address"), "exact", note=FROM_GUIDE),
    Question(
        "pecr_contact", "Who should we contact?", "contact", FORM_PAGE, True,
        ("ReportDetails.reporter_name", "ReportDetails.reporter_email", "ReportDetails.reporter_phone"), "exact",
        note="Read as a heading; the boxes under it were not read."),
))

# The breach log the monthly return attaches. The ICO's template log was not read: these are the
# contents PECR requires (the ICO's old guide: “It must contain: the facts surrounding the
# breach; the effects of that breach; and remedial action taken.”), not the template's headings.
LOG_COLUMNS = (
    Question(
        "pecr_log_facts", "the facts surrounding the breach", "text", OLD_GUIDE, False,
        ("Incident.description", "Incident.occurred_from", "Incident.discovered_at", "Incident.cause"), "exact",
        note="The template's column headings were not read.",
        status_note="Held; no monthly log is generated from it (pecr_monthly_log_file)."),
    Question(
        "pecr_log_effects", "the effects of that breach", "text", OLD_GUIDE, False,
        ("ReportDetails.consequences", "DataSubject"), "exact", note="The template's column headings were not read.",
        status_note="Held; no monthly log is generated from it (pecr_monthly_log_file)."),
    Question(
        "pecr_log_remedial_action", "remedial action taken", "text", OLD_GUIDE, False,
        ("ReportDetails.actions_taken",), "exact", note="The template's column headings were not read.",
        status_note="Held; no monthly log is generated from it (pecr_monthly_log_file)."),
)

FORM = Form(
    key="pecr",
    title="Report a security breach (PECR service providers)",
    url=FORM_PAGE,
    parts=(PART_1, PART_2, PART_3, PART_4, PART_5, PART_6, PART_7),
    help_text=(
        "This form is for public electronic communications service providers to report a breach of security or "
        "send their completed monthly breach log to the ICO."),
    sources=(FORM_PAGE, START, GUIDE, OLD_GUIDE, GUIDE_72H_COPY),
)
