"""nbgrader configuration for this course, shared by ``nbgrader_config.py`` and ``nncourse``."""
from __future__ import annotations

from pathlib import Path

from traitlets.config import Config

from ..course import DEFAULT_WORK_DIR, EXERCISES, ROOT, SOLUTIONS


COURSE_ID = "nncourse"


def alembic_head() -> str:
    """The newest revision of nbgrader's database schema, read from its migration scripts.

    nbgrader stamps a new gradebook with this revision and finds it by running the ``alembic
    heads`` executable: a second Python start-up (3 s here) on every new gradebook, and an error
    when the environment's ``bin/`` is not on PATH. Reading the scripts in-process gives the same
    answer in milliseconds."""
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR
    head = ScriptDirectory(ALEMBIC_DIR).get_current_head()
    if not head:
        raise RuntimeError(f"no alembic revision found in {ALEMBIC_DIR}")
    return head


def use_in_process_alembic_head() -> None:
    """Make nbgrader's new-gradebook path call ``alembic_head`` instead of a subprocess."""
    import nbgrader.api
    if getattr(nbgrader.api, "get_alembic_version", None) is not alembic_head:
        nbgrader.api.get_alembic_version = alembic_head


class _CompiledSchemaValidation:
    """Stands in for the ``jsonschema`` module inside nbgrader's metadata checks.

    nbgrader checks each cell's nbgrader metadata with ``jsonschema.validate(metadata, schema)``,
    which first checks the schema itself and builds a new validator: once per cell, 74 times for
    module 1, about 0.1 s of every autograde and of every module's registration. Here the schema
    is checked and its validator built once; each cell gets the same error as before (jsonschema's
    ``best_match`` of the same errors)."""

    def __init__(self, jsonschema_module):
        self._jsonschema = jsonschema_module
        self._schema: dict | None = None
        self._validator = None

    def validate(self, instance, schema):
        # nbgrader loads the schema afresh for each notebook: compared by value, one kept.
        if self._validator is None or schema != self._schema:
            cls = self._jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            self._schema, self._validator = schema, cls(schema)
        error = self._jsonschema.exceptions.best_match(self._validator.iter_errors(instance))
        if error is not None:
            raise error

    def __getattr__(self, name):  # everything else is jsonschema's own
        return getattr(self._jsonschema, name)


def use_compiled_metadata_schema() -> None:
    """Make nbgrader's cell metadata checks build their schema validator once per process."""
    from nbgrader.nbgraderformat import common
    if not isinstance(common.jsonschema, _CompiledSchemaValidation):
        common.jsonschema = _CompiledSchemaValidation(common.jsonschema)


def open_gradebook(db_url: str):
    """nbgrader's Gradebook for this course (creates the course row on first use)."""
    use_in_process_alembic_head()
    from nbgrader.api import Gradebook
    return Gradebook(db_url, course_id=COURSE_ID)


def prepare_gradebook(db_url: str, students=()) -> None:
    """Create what parallel workers would otherwise race to insert: the tables, this course's
    row, nbgrader's ``default_course`` row (its SaveCells, OverwriteCells and SaveAutoGrades steps
    open the gradebook without a course id, which inserts that row on first use) and the
    students."""
    use_in_process_alembic_head()
    from nbgrader.api import Gradebook
    with open_gradebook(db_url) as gb:
        for student in students:
            gb.update_or_create_student(student)
    with Gradebook(db_url):
        pass


def course_config(root: Path = ROOT, work_dir: str | Path | None = None, db_url: str | None = None,
                  cell_timeout: float = 30.0, release_dir: str | Path | None = None,
                  sandbox: bool = True) -> Config:
    """Config with ``solutions/`` as source, ``exercises/`` as release and a work folder for
    submissions, autograded copies, feedback and the SQLite gradebook."""
    use_in_process_alembic_head()  # nbgrader's apps create the gradebook too
    use_compiled_metadata_schema()
    root = Path(root).resolve()
    work = Path(work_dir) if work_dir is not None else root / DEFAULT_WORK_DIR
    work = work if work.is_absolute() else root / work
    c = Config()
    c.CourseDirectory.root = str(root)
    # A course row in the gradebook: PostgreSQL enforces the assignment -> course foreign key
    # (SQLite does not), so nbgrader's default empty course id fails there.
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = SOLUTIONS
    c.CourseDirectory.release_directory = str(release_dir) if release_dir else EXERCISES
    c.CourseDirectory.submitted_directory = str(work / "submitted")
    c.CourseDirectory.autograded_directory = str(work / "autograded")
    c.CourseDirectory.feedback_directory = str(work / "feedback")
    c.CourseDirectory.db_url = db_url or f"sqlite:///{work / 'gradebook.db'}"
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, ClearHiddenTests, IgnorePattern, LimitOutput,
                                        SaveAutoGrades)
    from .preprocessor import RefereeExecute

    # nbgrader's autograde pass, with our executor; its CheckCellMetadata is left out: the
    # sanitize pass just before has validated every cell's nbgrader metadata (restored from the
    # release), and none of these steps changes it (the check costs 0.14 s a notebook).
    c.Autograde.autograde_preprocessors = [RefereeExecute, IgnorePattern, ClearMetadataPreprocessor,
                                           LimitOutput, SaveAutoGrades, AssignLatePenalties]
    c.RefereeExecute.timeout = int(cell_timeout)
    c.RefereeExecute.sandbox = sandbox
    # Feedback shows results and messages, never the source of hidden tests; each test is named by
    # its task; math is typeset by the local MathJax copy in WORK/feedback/mathjax (no CDN).
    from nbgrader.server_extensions.formgrader import __file__ as formgrader_file
    from .feedback import MATHJAX_URL, TEMPLATE_DIR, TEMPLATE_NAME, GetGradesWithStatus, LabelGradedCells
    c.GenerateFeedback.preprocessors = [GetGradesWithStatus, LabelGradedCells, ClearHiddenTests,
                                        CSSHTMLHeaderPreprocessor]
    c.HTMLExporter.template_name = TEMPLATE_NAME
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATE_DIR),
                                              str(Path(formgrader_file).parent / "templates")]
    c.HTMLExporter.mathjax_url = MATHJAX_URL
    return c
