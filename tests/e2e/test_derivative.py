"""The "follow one derivative" panel, used as a person would: a sample picked on the plot, a
weight or a bias picked on the panel's drawing, the four ways of computing its derivative
read off the page, the step-through, and the network's links coloured by their gradient.

The tests share one started page (Python starts once for the file) and begin from the
defaults (the preset menu). The four numbers are read from their data-value attributes,
the full double the page shows rounded; agreement is computed here from those numbers.
"""

import math
import re

from playwright.sync_api import expect

AGREE = 1e-6  # relative; the library's own tests hold the four ways to 1e-7 and better


def relative(a, b):
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


def panel_ready(app, **want):
    """Wait for the panel to show the derivative asked for: data-state ready and data-* as given."""
    panel = app.by("derivative")
    for key, value in want.items():
        expect(panel).to_have_attribute(f"data-{key}", str(value))
    expect(panel).to_have_attribute("data-state", "ready")
    return panel


def four_numbers(app):
    """The chain rule, matrix form, finite difference and path sum (None when not computed)."""
    values = {}
    for name in ("chain", "matrix", "fd", "paths"):
        text = app.by(f"derivative-{name}").get_attribute("data-value")
        values[name] = float(text) if text else None
    return values


def expect_agreement(app, ways=("matrix", "fd", "paths")):
    values = four_numbers(app)
    chain = values["chain"]
    assert chain != 0 and math.isfinite(chain), values  # a zero would agree trivially
    for name in ways:
        assert relative(values[name], chain) < AGREE, (name, values)
    return values


def point_on_link(page, testid, along=0.3):
    """Viewport coordinates of a point `along` the way down a link of an SVG drawing."""
    return page.evaluate(
        """([id, t]) => { const l = document.querySelector(`[data-testid="${id}"]`);
             l.scrollIntoView({block: 'center'});
             const [x1, y1, x2, y2] = ['x1', 'y1', 'x2', 'y2'].map(k => +l.getAttribute(k));
             const p = new DOMPoint(x1 + (x2 - x1) * t, y1 + (y2 - y1) * t).matrixTransform(l.getScreenCTM());
             return [p.x, p.y]; }""",
        [testid, along],
    )


def computing(app):
    """The data-testids of the neurons the panel's drawing marks as being computed."""
    return app.page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=derivative-network] .neuron.computing')].map(g => g.dataset.testid)"
    )


def test_a_sample_picked_on_the_plot_and_a_clicked_weight_agree_four_ways(shared_app):
    app = shared_app.to_defaults()
    page = app.page
    panel_ready(app, sample=0)
    sizes = [2, 8, 8, 1]

    # "Pick on the plot" turns the plot's clicks into picks; a click on a training point picks it.
    app.by("derivative-pick").click()
    expect(app.by("pick-sample")).to_be_checked()
    canvas = app.by("boundary")
    expect(canvas).to_have_attribute("data-mode", "pick")
    # A training point at least 4 px from any other, and where it is on the canvas.
    index, x, y = page.evaluate(
        """() => { const {train, domain: [x0, x1, y0, y1]} = pyMlp.points();
             const c = document.querySelector('[data-testid=boundary]');
             const px = train.x.map(v => (v - x0) / (x1 - x0) * c.clientWidth);
             const py = train.y.map(v => (y1 - v) / (y1 - y0) * c.clientHeight);
             for (let i = 1; i < px.length; i++) {
               const near = px.some((_, j) => j !== i && Math.hypot(px[j] - px[i], py[j] - py[i]) < 4);
               if (!near && px[i] > 5 && py[i] > 5) return [i, px[i], py[i]];
             }
             return null; }"""
    )
    points_before = canvas.get_attribute("data-points")
    canvas.click(position={"x": x, "y": y})
    panel_ready(app, sample=index)
    expect(canvas).to_have_attribute("data-marked", str(index))
    expect(app.by("status")).to_contain_text(f"Following training sample {index}")
    assert canvas.get_attribute("data-points") == points_before  # picked, not added
    expect(app.by("derivative-sample")).to_have_value(str(index))

    # A click on the link from neuron 3 of layer 1 to neuron 5 of layer 2: the weight W2[3, 5].
    page.mouse.click(*point_on_link(page, "derivative-link-2-3-5"))
    panel = panel_ready(app, sample=index, layer=2, j=3, i=5)
    expect(app.by("derivative-link-2-3-5")).to_have_class(re.compile(r"\bchosen\b"))
    expect(app.by("derivative-param")).to_contain_text("The weight W₂[3, 5]")
    expect_agreement(app)
    paths = math.prod(sizes[3:])  # one neuron of each later layer
    expect(app.by("derivative-path-count")).to_contain_text(f"{paths} path")

    # Its sum over the next layer, one term per neuron m there; pointing at one marks its link.
    terms = app.by("derivative-terms").locator("tr[data-m]")
    expect(terms).to_have_count(sizes[3])
    terms.first.hover()
    expect(app.by("derivative-link-3-5-0")).to_have_class(re.compile(r"\bterm\b"))
    page.mouse.move(0, 0)
    expect(app.by("derivative-link-3-5-0")).not_to_have_class(re.compile(r"\bterm\b"))

    # Picking is a mode: unticked, a click on the plot adds a point again.
    app.by("pick-sample").uncheck()
    expect(canvas).to_have_attribute("data-mode", "edit")
    assert panel.get_attribute("data-sample") == str(index)


def test_the_step_buttons_walk_forward_then_backward_through_every_layer(shared_app):
    app = shared_app.to_defaults()
    panel = panel_ready(app)
    sizes = [2, 8, 8, 1]
    L = len(sizes) - 1
    forward, backward = app.by("derivative-forward"), app.by("derivative-backward")
    notes = app.by("derivative-network").locator(".note")
    for k in range(1, L + 1):
        forward.click()
        expect(panel).to_have_attribute("data-step-layer", str(k))
        expect(app.by("derivative-step")).to_contain_text(f"Forward, layer {k}")
        marked = computing(app)
        assert sorted(marked) == sorted(f"derivative-neuron-{k}-{n}" for n in range(sizes[k])), marked
        # Only what is computed so far is written beside the neurons: no backward number yet.
        expect(notes.filter(has_text="dL/dz")).to_have_count(0)
        expect(notes.filter(has_text="z ")).to_have_count(sum(sizes[1:k + 1]))
    forward.click()
    expect(panel).to_have_attribute("data-step-layer", "loss")
    expect(app.by("derivative-step")).to_contain_text("The loss: binary cross-entropy")
    expect(forward).to_have_attribute("aria-disabled", "true")

    for k in range(L, 0, -1):
        backward.click()
        expect(panel).to_have_attribute("data-step-pass", "backward")
        expect(panel).to_have_attribute("data-step-layer", str(k))
        expect(app.by("derivative-step")).to_contain_text(f"Backward, layer {k}")
        assert sorted(computing(app)) == sorted(f"derivative-neuron-{k}-{n}" for n in range(sizes[k]))
        expect(notes.filter(has_text="dL/dz")).to_have_count(sum(sizes[k:]))
    expect(backward).to_have_attribute("aria-disabled", "true")

    app.by("derivative-all").click()
    expect(panel).to_have_attribute("data-step-pass", "all")
    assert computing(app) == []
    expect(notes.filter(has_text="dL/dz")).to_have_count(sum(sizes[1:]))


def test_a_bias_by_its_neuron_a_weight_by_keyboard_and_a_typed_sample(shared_app):
    app = shared_app.to_defaults()
    panel_ready(app)
    app.by("derivative-neuron-2-4").click()
    panel_ready(app, layer=2, i=4, j="")
    expect(app.by("derivative-param")).to_contain_text("The bias b₂[4]")
    expect_agreement(app)

    app.by("derivative-neuron-0-1").click()  # an input: no bias
    expect(app.by("derivative-message")).to_contain_text("An input has no bias")

    # The links are one tab stop; arrow keys move along them, Enter picks one.
    first = app.by("derivative-link-1-0-0")
    first.focus()
    first.press("ArrowDown")
    app.page.keyboard.press("ArrowDown")
    app.page.keyboard.press("Enter")
    panel_ready(app, layer=1, j=0, i=2)
    expect_agreement(app)

    sample = app.by("derivative-sample")
    sample.fill("100000")
    sample.press("Enter")
    expect(app.by("derivative-sample-error")).to_contain_text("a whole number from 0 to 799")
    sample.fill("17")
    sample.press("Enter")
    panel_ready(app, sample=17, layer=1, j=0, i=2)  # the parameter is kept
    expect(app.by("derivative-sample-error")).to_be_empty()
    expect_agreement(app)


def test_the_panel_follows_training_and_shows_the_python_of_the_backward_pass(shared_app):
    app = shared_app.to_defaults()
    panel_ready(app)
    expect(app.by("derivative-about")).to_contain_text("epoch 0.")
    before = four_numbers(app)["chain"]
    app.fill("epochs", 20)
    app.by("train").click()
    app.expect_state("paused")
    expect(app.by("derivative-about")).to_contain_text("epoch 20.")
    panel_ready(app)
    assert four_numbers(app)["chain"] != before
    expect_agreement(app)

    code = app.by("backward-code")
    expect(code).to_contain_text("def gradients(self, X: Array, y: Array)")
    expect(code).to_contain_text("def backward(self, d_out: Array, out_is_dz: bool = False)")
    expect(code).to_contain_text("def _bce_grad(yhat, y):")


def test_links_coloured_by_their_gradient(shared_app):
    app = shared_app.to_defaults()
    page = app.page
    network, legend = app.by("network"), app.by("network-legend")
    expect(network).to_have_attribute("data-links", "weight")
    app.by("link-gradients").check()
    app.settled()
    expect(network).to_have_attribute("data-links", "gradient")
    expect(legend).to_contain_text("negative dL/dw")
    expect(legend).not_to_contain_text("negative weight")
    # The widest link is the one whose dL/dw is largest, as the worker computes it.
    widest, largest = page.evaluate(
        """async () => {
             const g = JSON.parse(await pyMlp.worker().link_gradients());
             let best = null, size = -1;
             g.dW.forEach((m, k) => m.forEach((row, i) => row.forEach((v, j) => {
               if (Math.abs(v) > size) { size = Math.abs(v); best = `link-${k + 1}-${i}-${j}`; } })));
             const lines = [...document.querySelectorAll('[data-testid=network] .link')];
             const widths = lines.map(l => +l.getAttribute('stroke-width'));
             const top = Math.max(...widths);
             return [lines.filter((l, n) => widths[n] === top).map(l => l.dataset.testid), best]; }"""
    )
    assert largest in widest, (largest, widest)
    app.by("link-gradients").uncheck()
    app.settled()
    expect(network).to_have_attribute("data-links", "weight")
    expect(legend).to_contain_text("negative weight")


def test_too_many_paths_are_counted_not_summed(shared_app):
    app = shared_app.to_defaults()
    app.by("dataset-gaussians").check()
    app.fill("n-classes", 10)
    app.fill("hidden", "32, 32, 32")
    app.settled()
    panel_ready(app, layer=1)
    # From a weight of layer 1: one neuron of each later layer, and a softmax output splits
    # every path into one per output.
    paths = 32 * 32 * 10 * 10
    expect(app.by("derivative-path-count")).to_contain_text(f"too many paths: {paths:,}")
    expect(app.by("derivative-paths")).to_have_text("not computed")
    expect_agreement(app, ways=("matrix", "fd"))

    app.page.mouse.click(*point_on_link(app.page, "derivative-link-3-0-0", along=0.2))
    panel_ready(app, layer=3, j=0, i=0)
    expect(app.by("derivative-path-count")).to_contain_text(f"{10 * 10} paths")
    expect_agreement(app)
