"""A scalar reverse-mode automatic differentiation engine (автоматическое дифференцирование).

In the spirit of Karpathy's *micrograd*: every arithmetic operation on :class:`Value` objects
creates a new node of a computational graph (вычислительный граф) that remembers its parents
and the *local* derivative of its value with respect to each parent. ``root.backward()`` then
walks the graph once, from the root to the leaves, and applies the chain rule:

    parent.grad += local_derivative * node.grad

The ``+=`` matters: a value used twice (``x * x``, or ``a`` in ``a + a * z``) receives the sum
of the contributions of both uses, which is the multivariate chain rule.

>>> x, y = Value(2.0, label="x"), Value(6.0, label="y")
>>> Q = 3 * x ** 3 + y ** 2          # seed 004's example
>>> Q.backward()
>>> x.grad, y.grad                   # dQ/dx = 9 x^2, dQ/dy = 2 y
(36.0, 12.0)

Scalars only: this is for understanding, not speed (a NumPy layer does the same for a whole
matrix in one operation; see :mod:`reference_impl.layers`).
"""
from __future__ import annotations

import math
import numbers
import sys

from ._validation import as_finite_real

__all__ = ["Value", "graph_nodes", "graph_edges"]

# exp(x) overflows float64 above log(max float) = 709.78...
_EXP_LIMIT = math.log(sys.float_info.max)


def _check_number(x, name: str) -> float:
    """``x`` as a finite float; TypeError for non-numbers, ValueError for NaN/inf."""
    return as_finite_real(x, name, "a real number or a Value")


class Value:
    """One scalar node of a computational graph.

    Attributes
    ----------
    data : float
        The value computed in the forward pass.
    grad : float
        d(root)/d(this node) after ``root.backward()``; 0.0 before.
    op : str
        The operation that produced this node (``""`` for a leaf: an input or a constant).
    label : str
        A name for drawings (``"x"``, ``"q"``, ...); optional.
    parents : tuple[Value, ...]
        The operands of ``op`` (empty for a leaf).
    local_grads : tuple[float, ...]
        d(this node)/d(parent) for each parent, computed in the forward pass.
    """

    __slots__ = ("data", "grad", "op", "label", "parents", "local_grads")

    def __init__(self, data, label: str = "", *, _parents: tuple = (), _local_grads: tuple = (),
                 _op: str = ""):
        self.data = _check_number(data, "data")
        self.grad = 0.0
        self.op = _op
        self.label = str(label)
        self.parents = tuple(_parents)
        self.local_grads = tuple(float(g) for g in _local_grads)

    # --- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _lift(other, op: str) -> "Value":
        """Wrap a Python number as a constant leaf; reject anything else with a clear TypeError."""
        if isinstance(other, Value):
            return other
        if isinstance(other, bool) or not isinstance(other, numbers.Real):
            raise TypeError(f"unsupported operand for {op}: Value and {type(other).__name__} "
                            f"(only Value and real numbers can be combined)")
        return Value(other, label=f"{float(other):g}")

    def _child(self, data: float, parents: tuple, local_grads: tuple, op: str) -> "Value":
        if not (math.isfinite(data) and all(math.isfinite(g) for g in local_grads)):
            raise OverflowError(f"{op} of {[p.data for p in parents]} overflows float64 "
                                f"(value {data}, local derivatives {list(local_grads)})")
        return Value(data, _parents=parents, _local_grads=local_grads, _op=op)

    # --- arithmetic ----------------------------------------------------------------------------
    def __add__(self, other) -> "Value":
        other = self._lift(other, "+")
        return self._child(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __radd__(self, other) -> "Value":
        return self._lift(other, "+") + self

    def __neg__(self) -> "Value":
        return self._child(-self.data, (self,), (-1.0,), "neg")

    def __sub__(self, other) -> "Value":
        other = self._lift(other, "-")
        return self._child(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __rsub__(self, other) -> "Value":
        return self._lift(other, "-") - self

    def __mul__(self, other) -> "Value":
        other = self._lift(other, "*")
        # d(ab)/da = b and d(ab)/db = a; for x * x both parents are x, so x.grad gets 2x.
        return self._child(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __rmul__(self, other) -> "Value":
        return self._lift(other, "*") * self

    def __truediv__(self, other) -> "Value":
        other = self._lift(other, "/")
        if other.data == 0.0:
            raise ZeroDivisionError(f"division by a Value equal to zero ({self.data} / 0)")
        a, b = self.data, other.data
        quotient = a / b
        # d(a/b)/db = -a / b^2, written -(a/b)/b so that b^2 cannot underflow to 0 first.
        return self._child(quotient, (self, other), (1.0 / b, -quotient / b), "/")

    def __rtruediv__(self, other) -> "Value":
        return self._lift(other, "/") / self

    def __pow__(self, exponent) -> "Value":
        if isinstance(exponent, Value):
            raise TypeError("the exponent must be a plain number; write exp(p * log(x)) "
                            "for a Value exponent")
        p = _check_number(exponent, "exponent")
        x = self.data
        if x < 0 and not p.is_integer():
            raise ValueError(f"{x} ** {p}: a negative base needs an integer exponent "
                             f"(the result would be complex)")
        if x == 0 and p < 1 and p != 0:
            # 0 ** p is undefined for p < 0 and has an infinite derivative for 0 < p < 1.
            raise ValueError(f"0 ** {p}: the value or its derivative is infinite at x = 0")
        try:
            value = x ** p
            local = p * x ** (p - 1) if p != 0 else 0.0
        except OverflowError:
            raise OverflowError(f"{x} ** {p} overflows float64") from None
        return self._child(value, (self,), (local,), f"**{p:g}")

    def __rpow__(self, base):
        raise TypeError("number ** Value is not supported; write exp(x * log(base)) instead")

    # --- elementary functions ------------------------------------------------------------------
    def exp(self) -> "Value":
        if self.data > _EXP_LIMIT:
            raise OverflowError(f"exp({self.data}) overflows float64 (the limit is {_EXP_LIMIT:.2f})")
        e = math.exp(self.data)
        return self._child(e, (self,), (e,), "exp")

    def log(self) -> "Value":
        if self.data <= 0:
            raise ValueError(f"log of a non-positive number: log({self.data}) is undefined")
        return self._child(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def tanh(self) -> "Value":
        t = math.tanh(self.data)
        return self._child(t, (self,), (1.0 - t * t,), "tanh")

    def relu(self) -> "Value":
        # The derivative at the kink z = 0 is taken as 0, as in reference_impl.activations.
        x = self.data
        return self._child(max(x, 0.0), (self,), (1.0 if x > 0 else 0.0,), "relu")

    def sigmoid(self) -> "Value":
        x = self.data
        e = math.exp(-abs(x))  # <= 1: never overflows
        s = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
        return self._child(s, (self,), (s * (1.0 - s),), "sigmoid")

    # --- reverse pass --------------------------------------------------------------------------
    def backward(self, gradient: float = 1.0) -> None:
        """Fill ``grad`` of every node of the graph with d(self)/d(node).

        Gradients are recomputed from scratch: every node's ``grad`` is reset to 0 first, so
        calling ``backward`` twice gives the same result (unlike PyTorch, which accumulates).
        ``gradient`` is the upstream derivative dL/d(self), 1 by default.
        """
        seed = _check_number(gradient, "gradient")
        order = graph_nodes(self)
        for node in order:
            node.grad = 0.0
        self.grad = seed
        # Reverse topological order: a node's grad is complete before it is pushed to parents.
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * node.grad

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"


def graph_nodes(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each once, in topological order (leaves first, root last).

    Iterative depth-first search, so graphs thousands of nodes deep do not hit Python's
    recursion limit.
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {type(root).__name__}")
    order: list[Value] = []
    visited: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)  # post-order: after all of its parents
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in reversed(node.parents):
            if id(parent) not in visited:
                stack.append((parent, False))
    return order


def graph_edges(root: Value) -> list[tuple[Value, Value]]:
    """``(parent, child)`` pairs of the graph of ``root``, in topological order of the child.

    A parent used twice by the same child (``x * x``) gives two identical pairs.
    """
    return [(parent, node) for node in graph_nodes(root) for parent in node.parents]

