#!/usr/bin/env python3
"""Prints the README's table of every function in include/psjob.h, grouped
by handle, each with the first sentence of its header comment."""
import re
import sys

header = open(sys.argv[1] if len(sys.argv) > 1 else "include/psjob.h").read()
groups = [
    ("library", ("psjob_version", "psjob_result_name", "psjob_last_error", "psjob_last_http_status", "psjob_state_")),
    ("psjob_config", ("psjob_config_",)),
    ("psjob_client", ("psjob_client_",)),
    ("psjob_wait_options", ("psjob_wait_options_",)),
    ("psjob_cancel", ("psjob_cancel_",)),
    ("psjob_status", ("psjob_status_",)),
    ("psjob_output", ("psjob_output_",)),
    ("psjob_rendition", ("psjob_rendition_",)),
    ("psjob_job_error", ("psjob_job_error_",)),
]
rows = {name: [] for name, _ in groups}
for doc, name in re.findall(r"/\*\*(.*?)\*/\s*\n[^;{]*?\b(psjob_\w+)\(", header, re.S):
    text = " ".join(line.strip(" *") for line in doc.splitlines()).strip()
    text = text.replace("e.g.", "e.g,")
    first = re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0]
    for group, prefixes in groups:
        if name.startswith(prefixes):
            rows[group].append((name, first))
            break
print("| handle | function | what it does |")
print("|---|---|---|")
for group, _ in groups:
    for name, first in rows[group]:
        print(f"| {group} | `{name}` | {first.replace('|', '/')} |")
