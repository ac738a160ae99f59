"""The package's checks that every boundary shares: "is this a number in range?" and
"is this a name in that table?", and the switch that says a value was checked already.

Private to ``py_mlp`` (datasets, optimisers, the trainer, the model, configuration and
model files all call them).

Validate once. Each public constructor and function checks its own arguments; a path that
has checked a whole configuration at its boundary (``config.build_run`` after
``check_config``, ``Run.update``) builds from it inside ``checked_already()``, where those
checks trust what they are given instead of checking it a second time (scikit-learn's
``config_context(skip_parameter_validation=True)`` plays the same part for its nested
estimators). A number is any real number, numpy scalars included
(``np.float32(0.1)``, ``np.int64(3)``), but never ``True``/``False`` and never NaN or
infinity. A wrong kind of value raises ``TypeError``, a number out of range
``ValueError``; both say what to pass.
"""

import math
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Integral, Real

_CHECKED = ContextVar("py_mlp_checked_already", default=False)


@contextmanager
def checked_already():
    """Inside, every value passed on was checked at the boundary: ``number`` and the
    constructors' own checks (``checking()`` False) take it as it is."""
    token = _CHECKED.set(True)
    try:
        yield
    finally:
        _CHECKED.reset(token)


def checking():
    """False inside ``checked_already()``: a check may trust its input there."""
    return not _CHECKED.get()


def number(value, name=None, low=None, high=None, *, above=False, below=False, whole=False):
    """``value`` as a float (an int if ``whole``) if it lies in its range, else an error saying so.

    ``low`` and ``high`` are inclusive unless ``above`` (value > low) or ``below``
    (value < high). ``name`` starts the message ("noise must be ..."); without it the
    message starts at "must be ...", for callers that name the field themselves. Inside
    ``checked_already()`` the value comes back as it is.
    """
    if _CHECKED.get():
        return value
    kind = Integral if whole else Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(_message(name, f"must be {_need(low, high, above, below, whole)}, got {shown(value)}"))
    given = value
    if whole:
        value = int(value)
    else:
        try:
            value = float(value)
        except OverflowError:  # an int with hundreds of digits
            value = math.inf if given > 0 else -math.inf
    too_low = low is not None and (value <= low if above else value < low)
    too_high = high is not None and (value >= high if below else value > high)
    if too_low or too_high or (not whole and not math.isfinite(value)):
        raise ValueError(_message(name, f"must be {_need(low, high, above, below, whole)}, got {shown(given)}"))
    return value


def lookup(table, name, what, aliases=None):
    """``table[name]`` (a short alias first made the full name), or a ValueError listing the known names.

    ``what`` names the kind of thing in the message: "unknown loss 'hinge'; choose one of: ...".
    """
    try:
        return table[aliases.get(name, name) if aliases else name]
    except (KeyError, TypeError):  # TypeError: an unhashable name, such as a list
        known = ", ".join([*table, *(aliases or ())])
        raise ValueError(f"unknown {what} {shown(name)}; choose one of: {known}") from None


def _message(name, text):
    return text if name is None else f"{name} {text}"


def _need(low, high, above, below, whole):
    """The range in words: "a number between 0 and 10", "a positive number", ..."""
    kind = "a whole number" if whole else "a number"
    if low is None and high is None:
        return kind if whole else "a finite number"
    if high is None:
        if above:
            return f"a positive {kind[2:]}" if low == 0 else f"{kind} above {_plain(low)}"
        return f"{kind} >= {_plain(low)}"
    if low is None:
        return f"{kind} {'below' if below else 'at most'} {_plain(high)}"
    if not above and not below:
        return f"{kind} between {_plain(low)} and {_plain(high)}"
    start = f"above {_plain(low)}" if above else f">= {_plain(low)}"
    end = f"below {_plain(high)}" if below else f"at most {_plain(high)}"
    return f"{kind} {start} and {end}"


def _plain(bound):
    """A bound as people write it: 100000 stays 100000, 1.0 becomes 1."""
    return int(bound) if isinstance(bound, float) and bound.is_integer() and abs(bound) < 1e15 else bound


def shown(value):
    """``value`` for a message: numpy scalars as plain numbers, huge ints and long text cut short."""
    if isinstance(value, Integral) and not isinstance(value, bool) and abs(int(value)) >= 10**18:
        return "a number with more than 18 digits"  # repr of a huge int can even be refused
    if isinstance(value, Real) and hasattr(value, "item"):
        value = value.item()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
