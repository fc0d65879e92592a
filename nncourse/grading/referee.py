"""The referee runs test cells in the grader's own process, away from student code.

Names a test cell uses that the referee does not define (the student's functions and variables)
are fetched from the kernel: plain data by value, everything else as a :class:`RemoteObject`
whose calls, attributes and operators are forwarded to the kernel. Tampering in the kernel
(patched NumPy, input transformers, replaced test helpers) therefore cannot change what the
tests compute here; at worst it breaks the student's own answers.
"""
from __future__ import annotations

import builtins
import contextlib
import io
import traceback
import types

from . import wire
from .kernel_session import CellTimeout, KernelDied, KernelSession

MAX_TEST_OUTPUT = 20_000


class _SendByName(Exception):
    pass


class StudentCodeError(Exception):
    """Student code raised; the message names the exception and where it happened."""


class RemoteObject:
    """A handle on an object living in the student kernel."""

    __slots__ = ("_referee", "_handle", "_type_name")

    def __init__(self, referee: "Referee", handle: int, type_name: str):
        object.__setattr__(self, "_referee", referee)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_type_name", type_name)

    def _ask(self, op, **fields):
        return self._referee.request({"op": op, "handle": self._handle, **fields})

    def __call__(self, *args, **kwargs):
        enc = self._referee.encode
        return self._ask("call", args=enc(list(args)), kwargs=enc(dict(kwargs)))

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._ask("getattr", name=name)

    def __setattr__(self, name, value):
        self._ask("setattr", name=name, value=self._referee.encode(value))

    def __getitem__(self, key):
        return self._ask("getitem", key=self._referee.encode(key))

    def __setitem__(self, key, value):
        self._ask("setitem", key=self._referee.encode(key), value=self._referee.encode(value))

    def _binop(self, name, other, reflected=False):
        return self._ask("binop", name=name, other=self._referee.encode(other), reflected=reflected)

    def __len__(self):
        return self._ask("unary", name="len")

    def __bool__(self):
        return self._ask("unary", name="bool")

    def __iter__(self):
        return iter(self._ask("unary", name="iter"))

    def __float__(self):
        return self._ask("unary", name="float")

    def __int__(self):
        return self._ask("unary", name="int")

    def __repr__(self):
        try:
            return self._ask("unary", name="repr")
        except Exception:
            return f"<student {self._type_name}>"

    def __str__(self):
        try:
            return self._ask("unary", name="str")
        except Exception:
            return f"<student {self._type_name}>"

    def __hash__(self):
        return hash((id(self._referee), self._handle))

    def __neg__(self):
        return self._ask("unary", name="neg")

    def __pos__(self):
        return self._ask("unary", name="pos")

    def __abs__(self):
        return self._ask("unary", name="abs")


def _add_binary(name, dunder):
    setattr(RemoteObject, f"__{dunder}__", lambda self, other: self._binop(name, other))
    if dunder not in ("eq", "ne", "lt", "le", "gt", "ge"):
        setattr(RemoteObject, f"__r{dunder}__", lambda self, other: self._binop(name, other, True))


for _name, _dunder in [("add", "add"), ("sub", "sub"), ("mul", "mul"), ("truediv", "truediv"),
                       ("floordiv", "floordiv"), ("mod", "mod"), ("pow", "pow"), ("matmul", "matmul"),
                       ("and_", "and"), ("or_", "or"), ("xor", "xor"), ("eq", "eq"), ("ne", "ne"),
                       ("lt", "lt"), ("le", "le"), ("gt", "gt"), ("ge", "ge")]:
    _add_binary(_name, _dunder)


def remote_type_name(obj) -> str | None:
    """``module.Class`` of a remote object, or None for a local value."""
    if isinstance(obj, RemoteObject):
        return obj._ask("type")
    return None


def _names_used(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_used(const)
    return names


class Referee:
    """Executes test cells; ``session`` is the guarded kernel holding the student's code."""

    def __init__(self, session: KernelSession, call_timeout: float = 30.0):
        self.session = session
        self.call_timeout = call_timeout
        # What setup cells define. Each test cell runs in a fresh copy of it, so names a test
        # cell assigns never shadow the student's names in later test cells.
        self.namespace: dict = {"__name__": "__referee__", "__builtins__": builtins}
        self.setup_names: set[str] = set()  # defined by setup cells, hence also in the kernel
        self.warnings: list[str] = []
        self.student_output: list[str] = []
        self.timed_out = False
        self.agent_broken = False

    # --- RPC -----------------------------------------------------------------------------------
    def encode(self, value):
        def handle(obj):
            if isinstance(obj, RemoteObject) and obj._referee is self:
                return obj._handle
            name = getattr(obj, "__name__", None)
            if name in self.setup_names and self.namespace.get(name) is obj:
                raise _SendByName(name)
            raise TypeError(f"cannot send a {type(obj).__name__} to student code: pass arrays, "
                            "numbers, strings, lists, tuples or dicts (or use define_in_student_kernel)")
        try:
            return wire.encode(value, handle)
        except _SendByName:
            return self._encode_with_names(value)

    def _encode_with_names(self, value):
        """Slow path: the value contains setup-cell functions, sent as references by name."""
        if isinstance(value, (list, tuple)):
            return {("list" if type(value) is list else "tuple"): [self._encode_with_names(v) for v in value]}
        if isinstance(value, dict):
            return {"dict": [[self._encode_with_names(k), self._encode_with_names(v)] for k, v in value.items()]}
        name = getattr(value, "__name__", None)
        if name in self.setup_names and self.namespace.get(name) is value:
            return {"named": name}
        return self.encode(value)

    def request(self, payload: dict):
        try:
            response = self.session.request(payload, timeout=self.call_timeout)
        except CellTimeout as exc:
            self.timed_out = True
            raise TimeoutError(f"student code did not finish: {exc} (an infinite loop?)") from None
        except KernelDied:
            raise StudentCodeError("the kernel died while running student code "
                                   "(os._exit, a segfault or the memory limit)") from None
        for line in response.get("warnings", []):
            self.warnings.append(line)
            self.student_output.append(f"[warning from student code] {line}\n")
        for stream in ("stdout", "stderr"):
            if response.get(stream):
                self.student_output.append(response[stream])
        if "error" in response:
            err = response["error"]
            if err.get("type") == "GradingError" or "grading agent" in err.get("message", ""):
                self.agent_broken = True
            where = f" (in {err['where']})" if err.get("where") else ""
            if isinstance(err.get("item"), int):
                where += f" on input number {err['item']} (counting from 0) of the batch"
            # Re-raise built-in exceptions as themselves, so that a test can `except ValueError`.
            builtin = getattr(builtins, str(err.get("type")), None)
            if isinstance(builtin, type) and issubclass(builtin, Exception) and builtin is not StopIteration:
                try:
                    raised = builtin(f"{err.get('message')}{where}")
                except Exception:  # exotic constructors (UnicodeError and the like)
                    raised = None
                if raised is not None:
                    raise raised
            raise StudentCodeError(f"{err.get('type')}: {err.get('message')}{where}")
        try:
            return wire.decode(response["ok"], lambda h, t: RemoteObject(self, h, t))
        except (wire.WireError, KeyError, ValueError, TypeError) as exc:
            raise StudentCodeError(f"student code returned something that cannot be checked: {exc}") from None

    def call_each(self, function: RemoteObject, inputs: list) -> list:
        """``[function(x) for x in inputs]`` for a student function, in one request."""
        return self.request({"op": "map", "handle": function._handle, "items": self.encode(list(inputs))})

    def define_in_kernel(self, source: str, name: str):
        """Define a helper (e.g. a function to differentiate) inside the student kernel."""
        return self.request({"op": "define", "source": source, "name": name})

    # --- test cells ------------------------------------------------------------------------------
    def _bind_student_names(self, namespace: dict, code: types.CodeType) -> None:
        wanted = sorted(name for name in _names_used(code)
                        if name not in namespace and not hasattr(builtins, name)
                        and not name.startswith("__"))
        if not wanted:
            return
        found = self.request({"op": "lookup", "names": wanted})
        if not isinstance(found, dict):
            raise StudentCodeError("the kernel answered a name lookup with something else")
        for name, value in found.items():
            if name in wanted:
                namespace[name] = value

    def run_setup(self, source: str) -> None:
        """Run a locked setup cell (imports, shared data) in the referee too."""
        before = set(self.namespace)
        exec(compile(source, "<setup cell>", "exec"), self.namespace)
        self.setup_names |= set(self.namespace) - before

    def run_test(self, source: str, label: str) -> dict:
        """Run one test cell. Returns ``{"passed", "outputs", "message", "timed_out"}``."""
        from nncourse import testing

        self.student_output, self.timed_out = [], False
        buffer = io.StringIO()
        passed, message = True, ""
        outputs: list[dict] = []
        testing._ACTIVE_REFEREE = self
        try:
            code = compile(source, f"<test cell {label}>", "exec")
            namespace = dict(self.namespace)
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                self._bind_student_names(namespace, code)
                exec(code, namespace)
        except Exception as exc:  # noqa: BLE001 - any failure is this test's failure
            passed = False
            message = f"{type(exc).__name__}: {exc}"
        finally:
            testing._ACTIVE_REFEREE = None
        text = "".join(self.student_output) + buffer.getvalue()
        if len(text) > MAX_TEST_OUTPUT:
            text = text[:MAX_TEST_OUTPUT] + f"\n... [{len(text) - MAX_TEST_OUTPUT} characters dropped]\n"
        if text:
            outputs.append({"output_type": "stream", "name": "stdout", "text": text})
        if not passed:
            # Only the exception line: a traceback could show hidden test source.
            outputs.append({"output_type": "error", "ename": message.split(":", 1)[0],
                            "evalue": message.split(": ", 1)[-1][:5000], "traceback": [message[:5000]]})
        return {"passed": passed, "outputs": outputs, "message": message, "timed_out": self.timed_out}
