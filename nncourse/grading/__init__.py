"""Grading machinery: run a notebook with student code in a guarded kernel and the tests in a
separate referee namespace, plug that into nbgrader, and grade a class in parallel."""
