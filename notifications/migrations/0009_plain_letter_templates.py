"""A new version of each audience's letter: plain words (reading age 9), an opening that fits
the cause, the right addressee (a child's parent or guardian, an adult's representative), and
no stand-in text: every answer comes from the notification plan, which must be complete
before a batch starts.

Added as the next version of each audience (version 1 and any DPO edits stay, so every
letter already made still shows exactly what was sent). Placeholders: see
notifications/letters.py PLACEHOLDERS.
"""

from __future__ import annotations

from django.db import migrations
from django.db.models import Max

GREETING = """{% if addressee.kind == "parent" %}<p>To the parent or guardian of {{ person.full_name }}</p>
<p>We are writing to you because {{ person.full_name }} is under 18. This letter is about their personal information. Please read it, and share it with them if you think it is right.</p>
{% elif addressee.kind == "representative" %}<p>Dear {{ addressee.name }}</p>
<p>We are writing to you because you act for {{ person.full_name }}. This letter is about their personal information.</p>
{% else %}<p>Dear {{ person.full_name }}</p>{% endif %}
"""

OPENING = """{% if incident.cause == "attack" %}<h1>Someone got into our systems</h1>
<p>Someone got into our computer systems without our permission. They may have seen some of {{ addressee.your }} personal information. We are very sorry.</p>
{% elif incident.cause == "theft_or_loss" %}<h1>Some of {{ addressee.your }} information was lost or stolen</h1>
<p>Papers or a device with some of {{ addressee.your }} personal information were lost or stolen. We are very sorry.</p>
{% elif incident.cause == "error" %}<h1>We made a mistake with {{ addressee.your }} information</h1>
<p>We made a mistake. Some of {{ addressee.your }} personal information was seen by people who should not have seen it. We are very sorry.</p>
{% else %}<h1>We did not keep {{ addressee.your }} information safe</h1>
<p>Some of {{ addressee.your }} personal information was not kept safe. We are very sorry.</p>{% endif %}
<p>This letter tells you what happened and what you can do.</p>
"""

WHAT = """<h2>What happened</h2>
<p>{{ plan.what_happened|linebreaksbr }}</p>
{% if incident.occurred %}<p>This happened {{ incident.occurred }}. We found out on {{ incident.discovered }}.</p>{% endif %}
<h2>What information it was</h2>
{% if person.categories %}<p>The information was:</p>
<ul>{% for category in person.categories %}<li>{{ category }}</li>{% endfor %}</ul>
{% else %}<p>We are still checking which information it was. We will write to you again when we know.</p>{% endif %}
"""

BOTTOM = """<h2>What this could mean for you</h2>
<p>{{ plan.consequences|linebreaksbr }}</p>
<h2>What we have done</h2>
<p>{{ plan.measures|linebreaksbr }}</p>
<h2>What you can do</h2>
<p>{{ plan.advice|linebreaksbr }}</p>
<h2>Help and support</h2>
<p>{{ plan.support|linebreaksbr }}</p>
<h2>Contact us</h2>
<p>You can ask {{ dpo.name }} about this. They look after personal data for us. Please give our reference, {{ incident.reference }}.</p>
<ul>{% if dpo.phone %}<li>Phone: {{ dpo.phone }}</li>{% endif %}{% if dpo.email %}<li>Email: {{ dpo.email }}</li>{% endif %}{% if dpo.address_lines %}<li>Post: {{ dpo.address_lines|join:", " }}</li>{% endif %}</ul>
<p>If you are not happy with what we do, you can complain to the ICO. The ICO checks how data is used. Their website is ico.org.uk. Their phone number is 0303 123 1113.</p>
<p>Yours sincerely</p>
<p>{{ dpo.name }}<br>Data Protection Officer, {{ organisation.name }}</p>
"""

MIDDLE = {
    "victim": """<p>We know this may be upsetting. You do not have to do anything. But please read the part on help and support. If it is not safe for you to get post here, please tell us. We will get in touch in another way.</p>
""",
    "witness": """<p>You are getting this letter because you told us what you saw or heard. You have not done anything wrong.</p>
""",
    "suspect": """<p>We had this information because of a police case. This letter does not change that case. It is only about who saw the information.</p>
""",
    "staff": """<p>You are getting this letter because you work for us, or used to. If you are worried about your safety or your family, tell your manager or call us straight away.</p>
""",
    "general": "",
}

SUBJECT = "Important: your personal information ({{ incident.reference }})"


def body(audience: str) -> str:
    return GREETING + OPENING + MIDDLE[audience] + WHAT + BOTTOM


def add_versions(LetterTemplate) -> None:  # noqa: N803 - the historical model
    """Add this text as the next version of each audience's letter (idempotent)."""
    for audience in MIDDLE:
        text = body(audience)
        if LetterTemplate.objects.filter(audience=audience, body=text).exists():
            continue
        last = LetterTemplate.objects.filter(audience=audience).aggregate(v=Max("version"))["v"] or 0
        LetterTemplate.objects.create(audience=audience, version=last + 1, email_subject=SUBJECT, body=text)


def seed(apps, schema_editor):
    add_versions(apps.get_model("notifications", "LetterTemplate"))


def unseed(apps, schema_editor):
    LetterTemplate = apps.get_model("notifications", "LetterTemplate")
    used = apps.get_model("notifications", "Notification").objects.exclude(template=None).values("template_id")
    for audience in MIDDLE:
        LetterTemplate.objects.filter(audience=audience, body=body(audience)).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0008_plan_public_wording")]
    operations = [migrations.RunPython(seed, unseed)]
