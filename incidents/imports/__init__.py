"""Affected people from a spreadsheet: `files.py` opens CSV and XLSX safely, `reader.py` maps,
validates and de-duplicates rows, `services.py` is the user's side (upload, mapping, confirm,
cancel), `process.py` the worker's (check and import passes, sweep), `forms.py`/`views.py`
the pages."""
