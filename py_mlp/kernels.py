"""Numerical kernels: the few matrix operations every layer needs, in one place.

Runs wherever py_mlp runs (CPython or the Pyodide worker). Pyodide's numpy is built
without BLAS, so there ``a.T @ b`` walks a transposed operand through a naive loop and
costs about ten times more than the same contraction written as ``einsum`` (measured in
shared/RUNTIME.md). Natively the opposite holds: BLAS ``@`` is fastest. The choice is made
once, here, so the rest of the package never cares. Both choices are exact up to the
order of floating-point summation.
"""

import sys

import numpy as np

IN_BROWSER = sys.platform == "emscripten"


def matmul(a, b):
    """``a @ b`` for (n, i) x (i, j): the forward pass and ``dz @ W.T`` with W pre-transposed."""
    return a @ b


if IN_BROWSER:

    def matmul_tn(a, b):
        """``a.T @ b`` for (n, i) and (n, j): the weight gradient ``a_prev^T dz``."""
        return np.einsum("ni,nj->ij", a, b, optimize=False)

    def matmul_nt(a, b):
        """``a @ b.T`` for (n, j) and (i, j): the input gradient ``dz W^T``."""
        return np.einsum("nj,ij->ni", a, b, optimize=False)

else:

    def matmul_tn(a, b):
        """``a.T @ b`` for (n, i) and (n, j): the weight gradient ``a_prev^T dz``."""
        return a.T @ b

    def matmul_nt(a, b):
        """``a @ b.T`` for (n, j) and (i, j): the input gradient ``dz W^T``."""
        return a @ b.T


def column_sum(a):
    """Sum over the batch axis: the bias gradient ``sum(dz)``."""
    return a.sum(axis=0)
