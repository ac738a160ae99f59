"""Numerical kernels: the few matrix operations every layer needs, in one place.

Runs wherever py_mlp runs (CPython or the Pyodide worker). Pyodide's numpy is built
without BLAS, so there ``a.T @ b`` walks a transposed operand through a naive loop and
costs about ten times more than the same contraction written as ``einsum`` (measured with
tests/bench/kernels.py), and even the plain forward product is faster as ``einsum`` once the
arrays are large; for small arrays ``@`` is faster, its fixed cost being lower. Natively
BLAS ``@`` is fastest at every size. The choice is made here, so the rest of the package
never cares. Every choice is exact up to the order of floating-point summation.
"""

import sys

import numpy as np

IN_BROWSER = sys.platform == "emscripten"


# Below this many multiply-adds a call's fixed cost dominates: plain ``@`` wins even
# without BLAS (einsum costs ~20 us to set up; measured with tests/bench/kernels.py).
SMALL = 65_536

if IN_BROWSER:

    def matmul(a, b):
        """``a @ b`` for (n, i) x (i, j): the forward pass."""
        if a.shape[0] * a.shape[1] * b.shape[1] < SMALL:
            return a @ b
        return np.einsum("ni,ij->nj", a, b, optimize=False)

    def matmul_tn(a, b):
        """``a.T @ b`` for (n, i) and (n, j): the weight gradient ``a_prev^T dz``."""
        if a.shape[0] * a.shape[1] * b.shape[1] < SMALL:
            return a.T @ b
        return np.einsum("ni,nj->ij", a, b, optimize=False)

    def matmul_nt(a, b):
        """``a @ b.T`` for (n, j) and (i, j): the input gradient ``dz W^T``."""
        if a.shape[0] * a.shape[1] * b.shape[0] < SMALL:
            return a @ b.T
        return np.einsum("nj,ij->ni", a, b, optimize=False)

else:

    def matmul(a, b):
        """``a @ b`` for (n, i) x (i, j): the forward pass."""
        return a @ b

    def matmul_tn(a, b):
        """``a.T @ b`` for (n, i) and (n, j): the weight gradient ``a_prev^T dz``."""
        return a.T @ b

    def matmul_nt(a, b):
        """``a @ b.T`` for (n, j) and (i, j): the input gradient ``dz W^T``."""
        return a @ b.T


def column_sum(a):
    """Sum over the batch axis: the bias gradient ``sum(dz)``."""
    return a.sum(axis=0)
