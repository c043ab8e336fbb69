"""Version 1 of the letter for each audience, in plain language, with what Art. 34 requires.

The DPO edits them in the app (each edit is a new version). Placeholders: see
notifications/letters.py PLACEHOLDERS.
"""

from __future__ import annotations

from django.db import migrations

COMMON_TOP = """<p>Dear {{ person.full_name }},</p>
<h1>We have made a mistake with your personal information</h1>
<p>We are writing to tell you that some of your personal information was exposed. We are sorry. This letter explains what happened, what of yours was involved, what it may mean for you and what you can do.</p>
<h2>What happened</h2>
<p>{{ incident.what_happened|linebreaksbr }}</p>
{% if incident.occurred %}<p>This happened {{ incident.occurred }}. We found out on {{ incident.discovered }}.</p>{% endif %}
<h2>Your information that was involved</h2>
{% if person.categories %}<p>The information about you that was exposed was:</p>
<ul>{% for category in person.categories %}<li>{{ category }}</li>{% endfor %}</ul>
{% else %}<p>We are still working out exactly which information about you was involved, and will write again when we know.</p>{% endif %}
"""

COMMON_BOTTOM = """<h2>What this could mean for you</h2>
<p>{{ plan.consequences|default:"We do not think most people will be harmed, but we cannot rule it out."|linebreaksbr }}</p>
<h2>What we have done</h2>
<p>{{ plan.measures|default:"We have removed the information and are checking how this happened so that it does not happen again."|linebreaksbr }}</p>
<h2>What you can do</h2>
<p>{{ plan.advice|default:"Be careful of unexpected calls, letters or emails that mention this. If anything worries you, contact us."|linebreaksbr }}</p>
<h2>Support</h2>
<p>{{ plan.support|default:"If you would like to talk to someone about this, please contact us using the details below."|linebreaksbr }}</p>
<h2>Contact us</h2>
<p>Our Data Protection Officer{% if dpo.name %}, {{ dpo.name }},{% endif %} can answer your questions. Please quote {{ incident.reference }}.</p>
<ul>{% if dpo.phone %}<li>Phone: {{ dpo.phone }}</li>{% endif %}{% if dpo.email %}<li>Email: {{ dpo.email }}</li>{% endif %}{% if dpo.address_lines %}<li>Post: {{ dpo.address_lines|join:", " }}</li>{% endif %}</ul>
<p>You have the right to complain to the Information Commissioner's Office (ico.org.uk, 0303 123 1113).</p>
<p>Yours sincerely,</p>
<p>{{ dpo.name|default:"Data Protection Officer" }}<br>Data Protection Officer, {{ organisation.name }}</p>
"""

AUDIENCE_MIDDLE = {
    "victim": """<p>We know this may be upsetting, especially as it relates to something that happened to you. You do not have to do anything, but you may want to read the support section below. If it is not safe for you to receive post at this address, please tell us and we will contact you another way.</p>
""",
    "witness": """<p>You are receiving this letter because you gave information to us as a witness. Your information was exposed, not because you have done anything wrong.</p>
""",
    "suspect": """<p>You are receiving this letter because information about you was held in connection with an investigation. This letter does not change the status of that investigation; it is about the exposure of your information.</p>
""",
    "staff": """<p>You are receiving this letter because your information as a member of staff or officer was exposed. If you are concerned for your safety or that of your family, please speak to your line manager or contact us straight away.</p>
""",
    "general": "",
}

SUBJECT = "Important: your personal information ({{ incident.reference }})"


def seed(apps, schema_editor):
    LetterTemplate = apps.get_model("notifications", "LetterTemplate")
    for audience, middle in AUDIENCE_MIDDLE.items():
        LetterTemplate.objects.get_or_create(
            audience=audience, version=1,
            defaults={"email_subject": SUBJECT, "body": COMMON_TOP + middle + COMMON_BOTTOM},
        )


def unseed(apps, schema_editor):
    apps.get_model("notifications", "LetterTemplate").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
