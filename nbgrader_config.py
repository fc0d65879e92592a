# nbgrader configuration of the course: solutions/ is the source, exercises/ the release, and
# grading/ holds submissions, autograded copies, feedback and the SQLite gradebook.
# The `nncourse` command uses the same settings (nncourse/grading/nbgrader_setup.py).
from nncourse.grading.nbgrader_setup import course_config

c = get_config()  # noqa: F821 - provided by nbgrader
c.merge(course_config())
