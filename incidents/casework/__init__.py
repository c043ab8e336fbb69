"""After the letters (issue 20): what the people told ask of us — complaints, subject access and
other rights requests, compensation claims — each with its deadline, owner and status."""
