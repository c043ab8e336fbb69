"""Builders for the files the disclosure tests check: each trap, clean files, bad input.

openpyxl writes the workbooks; what it cannot write (pivot caches with records, threaded
comments, connections) is patched into the zip package here.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from incidents.disclosure import Limits, Report, check_file

STAFF = [
    ("Name", "Rank", "Email"),
    ("John Smith", "Constable", "john.smith@police.example.org"),
    ("Aisha Khan", "Sergeant", "aisha.khan@police.example.org"),
    ("Peter Jones", "Inspector", "peter.jones@police.example.org"),
]
VICTIMS = [
    ("Crime ref", "Victim name", "DOB", "Postcode", "Offence"),
    ("CR/012345/21", "Mary Brown", "1984-03-02", "SW1A 1AA", "Assault by partner at home address"),
    ("CR/012346/21", "David Wilson", "1990-11-23", "M1 1AE", "Harassment and threats by neighbour"),
    ("CR/012347/21", "Sarah Taylor", "1975-06-14", "LS1 4AP", "Sexual assault reported by victim"),
]


def save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def summary_workbook() -> Workbook:
    """A clean FOI answer: counts by month, no people."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.append(["Month", "Burglaries", "Thefts"])
    for month, a, b in (("January", 12, 30), ("February", 9, 27), ("March", 14, 31)):
        ws.append([month, a, b])
    wb.properties.creator = ""
    wb.properties.lastModifiedBy = ""
    return wb


def clean_xlsx() -> bytes:
    return save(summary_workbook())


def hidden_sheet_xlsx(state: str = "hidden") -> bytes:
    wb = summary_workbook()
    staff = wb.create_sheet("Staff")
    for row in STAFF:
        staff.append(list(row))
    staff.sheet_state = state
    return save(wb)


def hidden_columns_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Incidents"
    ws.append(["Month", "Offence type", "Victim name", "Count"])
    ws.append(["January", "Assault", "Mary Brown", 1])
    ws.append(["February", "Theft", "David Wilson", 1])
    ws.column_dimensions["C"].hidden = True
    return save(wb)


def hidden_rows_xlsx() -> bytes:
    wb = summary_workbook()
    ws = wb.active
    ws.append(["Note", "Victim: Mary Brown", "SW1A 1AA"])
    ws.row_dimensions[5].hidden = True
    return save(wb)


def print_area_xlsx() -> bytes:
    wb = summary_workbook()
    ws = wb.active
    ws.print_area = "A1:C4"
    ws["H20"] = "Mary Brown, 1 High Street"
    return save(wb)


def comments_xlsx() -> bytes:
    wb = summary_workbook()
    ws = wb.active
    ws["B2"].comment = Comment("Checked with John Smith, call 07700 900123", "Jane Doe")
    return save(wb)


def author_xlsx() -> bytes:
    wb = summary_workbook()
    wb.properties.creator = "Jane Doe"
    wb.properties.lastModifiedBy = "J.Bloggs"
    return save(wb)


def hidden_name_xlsx() -> bytes:
    wb = hidden_sheet_xlsx_workbook()
    wb.defined_names["StaffList"] = DefinedName("StaffList", attr_text="Staff!$A$1:$C$4", hidden=True)
    return save(wb)


def hidden_sheet_xlsx_workbook() -> Workbook:
    wb = summary_workbook()
    staff = wb.create_sheet("Staff")
    for row in STAFF:
        staff.append(list(row))
    staff.sheet_state = "hidden"
    return wb


# --- patching the package --------------------------------------------------------------------

def patch(data: bytes, *, add: dict[str, bytes | str] | None = None,
          edit: dict[str, tuple[str, str]] | None = None) -> bytes:
    """Copy a package, adding parts and replacing one string in others (old → new)."""
    add = add or {}
    edit = edit or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in add:
                continue
            body = src.read(info.filename)
            if info.filename in edit:
                old, new = edit[info.filename]
                text = body.decode()
                assert old in text, f"{old!r} not in {info.filename}"
                body = text.replace(old, new, 1).encode()
            dst.writestr(info.filename, body)
        for name, body in add.items():
            dst.writestr(name, body.encode() if isinstance(body, str) else body)
    return out.getvalue()


def _content_type(part: str, kind: str) -> tuple[str, str]:
    return ("[Content_Types].xml", ("</Types>", f'<Override PartName="/{part}" ContentType="{kind}"/></Types>'))


REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _rels(*entries: tuple[str, str, str]) -> str:
    body = "".join(f'<Relationship Id="{i}" Type="{REL}/{t}" Target="{target}"/>' for i, t, target in entries)
    return f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{body}</Relationships>'


def pivot_xlsx(with_records: bool = True, table: list[tuple[str, ...]] | None = None) -> bytes:
    """The first leak: the visible sheet shows counts; the pivot cache keeps every raw record.

    `table` is a header row and records (VICTIMS by default); its 2nd and 5th fields are
    stored as shared items indexed by <x>, the others inline: both forms occur in real files.
    """
    table = table or VICTIMS
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.append(["Offence", "Count"])
    ws.append(["Assault", 1])
    ws.append(["Harassment", 1])
    ws.append(["Sexual offence", 1])
    base = save(wb)
    fields = table[0]
    records = table[1:]
    shared_fields = {1, 4}
    cache_fields = []
    for i, name in enumerate(fields):
        if i in shared_fields:
            items = "".join(f"<s v={quoteattr(r[i])}/>" for r in records)
            cache_fields.append(f'<cacheField name={quoteattr(name)} numFmtId="0"><sharedItems count="{len(records)}">{items}</sharedItems></cacheField>')
        else:
            cache_fields.append(f'<cacheField name={quoteattr(name)} numFmtId="0"><sharedItems/></cacheField>')
    definition = (
        f'<?xml version="1.0" encoding="UTF-8"?><pivotCacheDefinition xmlns="{SS}" xmlns:r="{REL}" '
        f'{"r:id=" + chr(34) + "rId1" + chr(34) if with_records else ""} refreshOnLoad="1" recordCount="{len(records)}">'
        f'<cacheSource type="worksheet"><worksheetSource ref="A1:E4" sheet="Raw data"/></cacheSource>'
        f'<cacheFields count="{len(fields)}">{"".join(cache_fields)}</cacheFields></pivotCacheDefinition>'
    )
    rows = []
    for n, r in enumerate(records):
        cells = "".join(f'<x v="{n}"/>' if i in shared_fields else f"<s v={quoteattr(r[i])}/>" for i in range(len(fields)))
        rows.append(f"<r>{cells}</r>")
    records_xml = f'<?xml version="1.0" encoding="UTF-8"?><pivotCacheRecords xmlns="{SS}" count="{len(records)}">{"".join(rows)}</pivotCacheRecords>'
    table = (
        f'<?xml version="1.0" encoding="UTF-8"?><pivotTableDefinition xmlns="{SS}" name="PivotTable1" cacheId="1" '
        f'dataCaption="Values"><location ref="A1:B4" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/></pivotTableDefinition>'
    )
    add: dict[str, bytes | str] = {
        "xl/pivotCache/pivotCacheDefinition1.xml": definition,
        "xl/pivotTables/pivotTable1.xml": table,
        "xl/pivotTables/_rels/pivotTable1.xml.rels": _rels(("rId1", "pivotCacheDefinition", "../pivotCache/pivotCacheDefinition1.xml")),
        "xl/worksheets/_rels/sheet1.xml.rels": _rels(("rId1", "pivotTable", "../pivotTables/pivotTable1.xml")),
    }
    if with_records:
        add["xl/pivotCache/pivotCacheRecords1.xml"] = records_xml
        add["xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels"] = _rels(("rId1", "pivotCacheRecords", "pivotCacheRecords1.xml"))
    return patch(base, add=add, edit=dict([
        _content_type("xl/pivotCache/pivotCacheDefinition1.xml",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml"),
    ]) | {"xl/workbook.xml": ("</workbook>", '<pivotCaches><pivotCache cacheId="1" r:id="rIdPivot1"/></pivotCaches></workbook>'),
          "xl/_rels/workbook.xml.rels": ("</Relationships>", f'<Relationship Id="rIdPivot1" Type="{REL}/pivotCacheDefinition" Target="pivotCache/pivotCacheDefinition1.xml"/></Relationships>')})


def threaded_comments_xlsx() -> bytes:
    base = clean_xlsx()
    thread = (
        '<?xml version="1.0" encoding="UTF-8"?><ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
        '<threadedComment ref="B3" dT="2021-05-01T10:00:00.00" personId="{P1}" id="{C1}"><text>Remove Mary Brown before this goes out</text></threadedComment>'
        '</ThreadedComments>'
    )
    persons = (
        '<?xml version="1.0" encoding="UTF-8"?><personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
        '<person displayName="Jane Doe" id="{P1}" userId="jane.doe@police.example.org" providerId="AD"/></personList>'
    )
    return patch(base, add={
        "xl/threadedComments/threadedComment1.xml": thread,
        "xl/persons/person.xml": persons,
        "xl/worksheets/_rels/sheet1.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2017/10/relationships/threadedComment" Target="../threadedComments/threadedComment1.xml"/></Relationships>',
    }, edit={"xl/_rels/workbook.xml.rels": ("</Relationships>", '<Relationship Id="rIdPerson" Type="http://schemas.microsoft.com/office/2017/10/relationships/person" Target="persons/person.xml"/></Relationships>')})


def connection_xlsx() -> bytes:
    conn = (
        f'<?xml version="1.0" encoding="UTF-8"?><connections xmlns="{SS}"><connection id="1" name="Crime system" type="1" refreshedVersion="6">'
        '<dbPr connection="Provider=SQLOLEDB;Data Source=crimedb01;User ID=foi;Password=hunter2" command="SELECT * FROM crimes"/></connection></connections>'
    )
    return patch(clean_xlsx(), add={"xl/connections.xml": conn})


def macro_xlsm() -> bytes:
    return patch(clean_xlsx(), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not a real VBA project"})


# --- Word ------------------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(body: str, *, comments: str = "", creator: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("word/document.xml", f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>')
        rels = []
        if comments:
            z.writestr("word/comments.xml", f'<?xml version="1.0"?><w:comments xmlns:w="{W}">{comments}</w:comments>')
            rels.append(("rId1", "comments", "comments.xml"))
        z.writestr("word/_rels/document.xml.rels", _rels(*rels))
        if creator:
            z.writestr("docProps/core.xml", '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                       f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{creator}</dc:creator></cp:coreProperties>')
    return out.getvalue()


def para(text: str, *, props: str = "") -> str:
    return f"<w:p><w:r>{f'<w:rPr>{props}</w:rPr>' if props else ''}<w:t>{text}</w:t></w:r></w:p>"


# --- bad input -------------------------------------------------------------------------------

def encrypted_office() -> bytes:
    """The start of an encrypted OOXML file: an OLE compound file with an EncryptionInfo stream."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 512


def zip_bomb(size_mb: int = 20) -> bytes:
    """A package whose one part expands about 1,000 times: a few KB on disk, 20 MB inflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as part:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(size_mb):
                part.write(chunk)
    return out.getvalue()


def many_parts(count: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for i in range(count):
            z.writestr(f"xl/p{i}.xml", b"")
    return out.getvalue()


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def check(data: bytes, name: str = "response.xlsx", limits: Limits | None = None) -> Report:
    """Write the bytes to a temporary file and check it."""
    with tempfile.TemporaryDirectory() as tmp:
        return check_file(write(Path(tmp), name, data), limits=limits)


def invisible_cells_xlsx(how: str) -> bytes:
    """A name in a cell that looks empty: white text, or the number format ;;;."""
    from openpyxl.styles import Font

    wb = summary_workbook()
    ws = wb.active
    ws["E2"] = "Mary Brown, SW1A 1AA"
    if how == "white":
        ws["E2"].font = Font(color="FFFFFFFF")
    else:
        ws["E2"].number_format = ";;;"
    return save(wb)


def chart_xlsx() -> bytes:
    """A chart whose label cache still names people from a hidden sheet."""
    wb = hidden_sheet_xlsx_workbook()
    base = save(wb)
    c = "http://schemas.openxmlformats.org/drawingml/2006/chart"
    chart = (
        f'<?xml version="1.0" encoding="UTF-8"?><c:chartSpace xmlns:c="{c}"><c:chart><c:plotArea><c:barChart><c:ser>'
        "<c:cat><c:strRef><c:f>Staff!$A$2:$A$3</c:f><c:strCache><c:ptCount val=\"2\"/>"
        "<c:pt idx=\"0\"><c:v>John Smith</c:v></c:pt><c:pt idx=\"1\"><c:v>Aisha Khan</c:v></c:pt></c:strCache></c:strRef></c:cat>"
        "</c:ser></c:barChart></c:plotArea></c:chart></c:chartSpace>"
    )
    return patch(base, add={"xl/charts/chart1.xml": chart})
