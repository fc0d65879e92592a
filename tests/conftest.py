import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fixed-seed generator: every random test input is reproducible."""
    return np.random.default_rng(20261123)
