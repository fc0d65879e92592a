"""The reference implementation's public API is documented."""
import importlib
import inspect
import pkgutil

import pytest

import reference_impl

MODULES = [m.name for m in pkgutil.iter_modules(reference_impl.__path__) if not m.name.startswith("_")]


@pytest.mark.parametrize("name", MODULES)
def test_every_public_function_and_class_has_a_docstring(name):
    module = importlib.import_module(f"reference_impl.{name}")
    assert module.__doc__ and module.__doc__.strip(), f"reference_impl.{name} has no module docstring"
    undocumented = []
    for attr, obj in vars(module).items():
        if attr.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and not (obj.__doc__ or "").strip():
            undocumented.append(attr)
    assert not undocumented, f"reference_impl.{name}: no docstring for {undocumented}"


def test_every_module_is_listed_in_the_package_docstring():
    missing = [m for m in MODULES if f"``{m}``" not in reference_impl.__doc__]
    assert not missing, f"add {missing} to the table in reference_impl/__init__.py"
