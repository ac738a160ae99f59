"""Any text offered as a model file: a ValueError saying what is wrong, or a usable model.

Property: ``serialization.from_json(text)`` raises ``ValueError`` (never another
exception, never a RecursionError), or returns a model whose parameters are finite,
whose outputs are finite on the data's square, and which saves and loads back to the
same file. Texts: valid files with one part replaced by random JSON, removed or added,
or with a random ``extra``;
files cut short or with characters spliced in; random JSON; deep nesting.
"""

import json

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st

from py_mlp import MLP, make_optimizer, serialization

JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
              st.sampled_from([10**400, 1e308, -0.0, "relu", "adam", [2, 1], [[0.5]]])),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12,
)


def _valid_docs():
    docs = []
    for name, sizes, acts in (("sgd", [2, 3, 1], ["relu", "sigmoid"]), ("momentum", [3, 2], ["softmax"]),
                              ("adam", [2, 4, 2, 1], ["tanh", "leaky_relu", "identity"])):
        model = MLP(sizes, activations=acts, seed=0)
        optimizer = make_optimizer(name)
        optimizer.step(model.params, [np.full(p.shape, 0.1) for p in model.params])
        docs.append(json.loads(serialization.to_json(model, optimizer, extra={"config": {"hidden": sizes[1:-1]}})))
    docs.append(json.loads(serialization.to_json(MLP([2, 1], seed=1))))
    return docs


VALID = _valid_docs()


@st.composite
def mutated_files(draw):
    """A valid file with one value (found by walking down from the top) replaced, removed or added to."""
    doc = json.loads(json.dumps(draw(st.sampled_from(VALID))))
    parent, key = None, None
    node = doc
    while isinstance(node, (dict, list)) and node and draw(st.integers(0, 3)) > 0:
        parent, key = node, draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
        node = parent[key]
    action = draw(st.sampled_from(["replace", "remove", "add"]))
    if parent is None:
        return json.dumps(draw(JSON)) if action == "replace" else json.dumps(doc)
    if action == "replace":
        parent[key] = draw(JSON)
    elif action == "remove":
        del parent[key]
    elif isinstance(parent, dict):
        parent[draw(st.text(max_size=8))] = draw(JSON)
    else:
        parent.insert(key, draw(JSON))
    return json.dumps(doc)  # NaN and Infinity included, as Python writes them


@st.composite
def damaged_texts(draw):
    """A valid file's text cut short, or with a few characters spliced in."""
    text = json.dumps(draw(st.sampled_from(VALID)))
    at = draw(st.integers(0, len(text)))
    if draw(st.booleans()):
        return text[:at]
    return text[:at] + draw(st.text(alphabet='[]{}",:0123456789.e-\\ntruefalsenull', max_size=6)) + text[at:]


DEEP = st.builds(lambda depth, opener, closed: opener * depth + ("]" * depth if closed and opener == "[" else ""),
                 st.integers(60, 30_000), st.sampled_from(["[", '{"a":']), st.booleans())
WITH_EXTRA = st.builds(lambda doc, extra: json.dumps({**doc, "extra": extra}),
                       st.sampled_from(VALID), st.dictionaries(st.text(max_size=6), JSON, max_size=4))
TEXTS = st.one_of(mutated_files(), mutated_files(), WITH_EXTRA, damaged_texts(), JSON.map(json.dumps), DEEP)


@given(TEXTS)
def test_a_model_file_is_a_value_error_or_a_usable_model(text):
    try:
        model, optimizer, extra = serialization.from_json(text)
    except ValueError as exc:
        assert type(exc) is ValueError and len(str(exc)) > 15
        event("refused")
        return
    event("loaded")
    assert isinstance(extra, dict)
    assert all(np.all(np.isfinite(p)) for p in model.params)
    assert np.all(np.isfinite(model.predict(np.full((3, model.sizes[0]), 2.25) * [[-1], [0], [1]])))
    again = serialization.to_json(model, optimizer, extra)
    model2, optimizer2, extra2 = serialization.from_json(again)
    assert all(np.array_equal(a, b) for a, b in zip(model.params, model2.params))
    assert extra2 == extra and (optimizer is None) == (optimizer2 is None)
    assert optimizer is None or optimizer.state_dict() == optimizer2.state_dict()
