"""Course tooling: the ``nncourse`` command (release, self-check, grading, feedback) and the
test helpers used by the exercise notebooks. The NumPy reference code is in ``reference_impl``."""
__version__ = "0.1.0"
