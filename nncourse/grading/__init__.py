"""Grading machinery: run a notebook with student code in a guarded kernel and the tests in a
separate referee namespace, plug that into nbgrader, and grade a class in parallel."""
import sys as _sys

# rfc3987-syntax (jsonschema's optional "format-nongpl" extra, installed for jupyter-events)
# builds an Earley parser of RFC 3987's grammar when it is imported: 1.1 s of the start of every
# grading process (the grader and each worker). jsonschema imports it only to offer the "iri"
# format checks, which nothing here uses: nbformat and nbgrader validate without format checking.
# Blocked before jsonschema's first import (where it was imported already, it stays).
_sys.modules.setdefault("rfc3987_syntax", None)
