"""The optimisers' own descriptions: the rule the page shows is the step that runs, and the
settings table, build_run, model files and the schema take every optimiser from them."""

import json
import math
import re

import numpy as np
import pytest

from py_mlp import MLP, serialization
from py_mlp.app import settings
from py_mlp.app.config import build_run
from py_mlp.optimizers import CHOICES, OPTIMIZERS, Adam, RMSprop, make_optimizer

_TOKEN = re.compile(r"\s*([A-Za-zα-ω][₀-₉]*|[0-9]+(?:\.[0-9]+)?|[²ᵗ]|[−+·/()√])")
_POWERS = {"²": "**2", "ᵗ": "**t"}
_OPERATORS = {"−": "-", "+": "+", "·": "*", "/": "/"}


def python_of(expression, names):
    """The page's notation as Python: a space between two terms multiplies, ``√x`` is
    ``sqrt(x)``, ``²`` and ``ᵗ`` are powers; ``names`` maps each symbol to a variable."""
    tokens, end = [], 0
    for match in _TOKEN.finditer(expression):
        assert match.start() == end, f"cannot read {expression[end:]!r}"
        tokens.append(match.group(1))
        end = match.end()
    assert expression[end:].strip() == "", f"cannot read {expression[end:]!r}"
    out, after_term, i = [], False, 0
    while i < len(tokens):
        token = tokens[i]
        starts_term = token not in _OPERATORS and token not in _POWERS and token != ")"
        if after_term and starts_term:
            out.append("*")
        if token == "√" and tokens[i + 1] != "(":
            out.append(f"sqrt({names[tokens[i + 1]]})")
            i += 1
        elif token == "√":
            out.append("sqrt")
        elif token in _POWERS:
            out.append(_POWERS[token])
        elif token in _OPERATORS or token in "()":
            out.append(_OPERATORS.get(token, token))
        else:
            out.append(names.get(token, token))
        after_term = token not in _OPERATORS and token not in ("(", "√")
        i += 1
    return "".join(out)


def run_rule(rule, cls, values, params, grads, state):
    """One step of ``rule`` (lines of ``x ← expression``), read as maths, on copies of the arrays."""
    names = {h.symbol: h.name for h in cls.hyper if h.symbol}
    names.update({"p": "p", "g": "g", **{symbol: symbol for symbol in (*cls.arrays.values(), *cls.counters.values())}})
    for assignment in re.split(r",  |\n", "\n".join(rule)):
        target, expression = (part.strip() for part in assignment.split("←"))
        code = python_of(expression, names)
        if target in cls.counters.values():
            state[target] = eval(code, {"sqrt": np.sqrt}, {**values, **state})
            continue
        for k, (p, g) in enumerate(zip(params, grads)):
            scope = {**values, "p": p, "g": g, **{s: v[k] if isinstance(v, list) else v for s, v in state.items()}}
            result = eval(code, {"sqrt": np.sqrt}, scope)
            if target == "p":
                params[k] = result
            else:
                state[target][k] = result


def _some_values(cls):
    """A value for each number, well inside its range and far from its default, so each one tells."""
    return {h.name: 0.05 if h.high is None else h.low + 0.37 * (h.high - h.low) for h in cls.hyper if not h.switch}


def _agrees(cls, choice_sets, rule, steps=3):
    values = {**_some_values(cls), **choice_sets}
    optimizer = cls(**values)
    rng = np.random.default_rng(4)
    params = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    mine = [p.copy() for p in params]
    state = {symbol: [np.zeros_like(p) for p in params] for symbol in cls.arrays.values()}
    state.update({symbol: 0 for symbol in cls.counters.values()})
    for _ in range(steps):
        grads = [rng.normal(size=p.shape) for p in params]
        optimizer.step(params, grads)
        run_rule(rule, cls, values, mine, grads, state)
        if not all(np.allclose(a, b, rtol=1e-12, atol=1e-15) for a, b in zip(params, mine)):
            return False
    return True


@pytest.mark.parametrize("value", CHOICES)
def test_the_rule_the_page_shows_is_the_step_that_runs(value):
    name, choice = CHOICES[value]
    assert _agrees(OPTIMIZERS[name], choice.sets, choice.rule)


def test_the_textbook_adam_rule_is_not_what_runs():
    """The rule the page showed before: ε added to √ŝ. With a large ε the two part."""
    textbook = ("t ← t + 1,  m ← β₁ m + (1 − β₁) g,  s ← β₂ s + (1 − β₂) g²",
                "p ← p − η (m / (1 − β₁ᵗ)) / (√(s / (1 − β₂ᵗ)) + ε)")
    assert not _agrees(Adam, {}, textbook)


def test_the_notation_reads_as_python():
    names = {"η": "lr", "β₂": "beta2", "ε": "eps"}
    assert python_of("p − η √(1 − β₂ᵗ) / (1 − β₂) · g / (√s + ε)", {**names, "p": "p", "g": "g", "s": "s"}) == \
        "p-lr*sqrt(1-beta2**t)/(1-beta2)*g/(sqrt(s)+eps)"


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_hyper_parameter_is_a_keyword_a_setting_and_a_state_entry(name):
    cls = OPTIMIZERS[name]
    optimizer = cls()
    assert optimizer.hyperparameters() == cls.defaults()
    symbols = [h.symbol for h in cls.hyper if h.symbol] + list(cls.arrays.values()) + list(cls.counters.values())
    assert len(set(symbols)) == len(symbols) and not {"p", "g"} & set(symbols)
    for h in cls.hyper:
        s = settings.BY_NAME[h.key]
        assert (s.kind, s.low, s.high, s.above, s.below, s.live) == \
            ("bool" if h.switch else "float", h.low, h.high, h.above, h.below, h.live)
        first = next(c for c in OPTIMIZERS.values() if h.key in {x.key for x in c.hyper})
        assert s.default == first.defaults()[next(x.name for x in first.hyper if x.key == h.key)]
    params = [np.ones((2, 2)), np.ones(2)]
    optimizer.step(params, [np.full_like(p, 0.5) for p in params])
    assert set(optimizer.state_dict()) == {"name", *(h.name for h in cls.hyper), *cls.arrays, *cls.counters}


def test_optimisers_that_share_a_setting_share_its_declaration():
    by_key = {}
    for cls in OPTIMIZERS.values():
        for h in cls.hyper:
            assert by_key.setdefault(h.key, h) == h, f"{cls.name} declares {h.key} otherwise"


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_build_run_passes_each_optimiser_its_own_hyper_parameters(name):
    cls = OPTIMIZERS[name]
    values = _some_values(cls)
    keys = {h.name: h.key for h in cls.hyper}
    run = build_run({"n_samples": 20, "hidden": [3], "optimizer": name, **{keys[k]: v for k, v in values.items()}})
    optimizer = run.trainer.optimizer
    assert type(optimizer) is cls and {k: optimizer.hyperparameters()[k] for k in values} == values


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_model_file_keeps_every_optimisers_state_and_refuses_a_bad_value(name):
    model = MLP([2, 3, 1], seed=0)
    optimizer = make_optimizer(name, **_some_values(OPTIMIZERS[name]))
    for _ in range(2):
        optimizer.step(model.params, [np.full(p.shape, 0.1) for p in model.params])
    text = serialization.to_json(model, optimizer)
    _, again, _ = serialization.from_json(text)
    assert type(again) is type(optimizer) and again.state_dict() == optimizer.state_dict()
    for h in OPTIMIZERS[name].hyper:
        doc = json.loads(text)
        doc["optimizer"][h.name] = "1" if h.switch else -1.0
        with pytest.raises(ValueError, match=h.label or h.name):
            serialization.from_json(json.dumps(doc))


def test_the_page_gets_every_choice_its_rule_and_its_symbols():
    schema = settings.web_schema()["optimizers"]
    assert list(schema) == list(CHOICES) == list(settings.page_choices(settings.BY_NAME["optimizer"]))
    for value, (name, choice) in CHOICES.items():
        assert schema[value]["rule"] == list(choice.rule) and schema[value]["optimizer"] == name
        run = build_run(settings.run_config(settings.page_config(optimizer=value)))
        assert run.trainer.optimizer.choice == choice


def rmsprop_reference(weights, gradients, lr, rho, eps):
    """RMSprop as Tieleman & Hinton's lecture 6e states it, one weight at a time in plain
    Python: MeanSquare(w, t) = rho MeanSquare(w, t-1) + (1 - rho) (dE/dw)², then the weight
    moves by -lr dE/dw / (sqrt(MeanSquare(w, t)) + eps); MeanSquare starts at 0."""
    mean_square = [0.0] * len(weights)
    weights = list(weights)
    for g in gradients:
        for i, gi in enumerate(g):
            mean_square[i] = rho * mean_square[i] + (1 - rho) * gi * gi
            weights[i] -= lr * gi / (math.sqrt(mean_square[i]) + eps)
    return weights


def test_rmsprop_follows_the_papers_rule():
    rng = np.random.default_rng(11)
    params = [rng.normal(size=(4, 3)), rng.normal(size=3)]
    start = np.concatenate([p.ravel() for p in params]).tolist()
    gradients = [[rng.normal(size=p.shape) for p in params] for _ in range(5)]
    optimizer = RMSprop(lr=0.02, rho=0.8, eps=1e-6)
    for grads in gradients:
        optimizer.step(params, grads)
    flat = [np.concatenate([g.ravel() for g in grads]).tolist() for grads in gradients]
    want = rmsprop_reference(start, flat, lr=0.02, rho=0.8, eps=1e-6)
    np.testing.assert_allclose(np.concatenate([p.ravel() for p in params]), want, rtol=1e-13, atol=1e-15)


def test_rmsprops_first_two_steps_by_hand():
    """From s = 0, one step gives s = (1 - ρ) g², so p moves by η sign(g) / √(1 - ρ) whatever |g|
    is (ε aside); a second equal gradient gives s = (ρ (1 - ρ) + 1 - ρ) g² = 0.19 g² at ρ = 0.9."""
    p, g = np.array([1.0, -2.0, 3.0]), np.array([0.5, -3.0, 0.02])
    optimizer = RMSprop(lr=0.1, rho=0.9, eps=1e-12)
    optimizer.step([p], [g])
    np.testing.assert_allclose(p, [1.0 - 0.1 / math.sqrt(0.1), -2.0 + 0.1 / math.sqrt(0.1), 3.0 - 0.1 / math.sqrt(0.1)],
                               rtol=1e-9)
    optimizer.step([p], [g])
    first = 0.1 / math.sqrt(0.1)
    np.testing.assert_allclose(p, [1.0 - first - 0.1 / math.sqrt(0.19), -2.0 + first + 0.1 / math.sqrt(0.19),
                                   3.0 - first - 0.1 / math.sqrt(0.19)], rtol=1e-9)
