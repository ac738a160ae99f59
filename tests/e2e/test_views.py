"""The view modules in Chromium, driven as a person would: hover, keys, clicks, pixels.

A harness page (tests/e2e/views_harness/) builds LineChart, BoundaryView and NetworkView the
way web/app.js does and records their callbacks in ``window.h.calls``; the tests feed plain
arrays through ``window.h`` and look at what the person would see (read-outs, pixels,
attributes). Served from a temporary copy of web/'s view files plus the harness by the
shared ``serving`` fixture (serve.py's server on 127.0.0.1); the page fixture fails a test
on any console or page error. No runtime or wheel is needed.
"""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
HARNESS = Path(__file__).resolve().parent / "views_harness"
THUMB_NAMES = ["circles", "moons", "xor", "gaussians", "spiral", "plane", "gaussian_mix"]


@pytest.fixture(scope="module")
def harness_url(tmp_path_factory, serving):
    root = tmp_path_factory.mktemp("views")
    (root / "web").mkdir()
    for name in ("chart.js", "style.css"):
        shutil.copy(WEB / name, root / "web" / name)
    shutil.copytree(WEB / "views", root / "web" / "views")
    shutil.copytree(WEB / "thumbs", root / "web" / "thumbs")
    shutil.copytree(HARNESS, root / "harness")
    with serving(root) as url:
        yield url + "harness/"


@pytest.fixture
def h(page, harness_url):
    page.goto(harness_url)
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    return page


def by(page, testid):
    return page.get_by_test_id(testid)


def pixel(page, canvas_id, x, y):
    """RGB of the canvas pixel under data point (x, y) of the boundary view, or CSS px (x, y)."""
    return page.evaluate(
        """([id, x, y]) => {
             const c = document.getElementById(id), d = devicePixelRatio;
             const px = Math.floor(x * d), py = Math.floor(y * d);
             return Array.from(c.getContext('2d').getImageData(px, py, 1, 1).data.slice(0, 3));
           }""",
        [canvas_id, x, y],
    )


def boundary_pixel(page, x, y):
    px, py = page.evaluate("([x, y]) => h.boundary.toCanvas(x, y)", [x, y])
    return pixel(page, "boundary", px, py)


def close(a, b, tol=2):
    return all(abs(p - q) <= tol for p, q in zip(a, b))


def dist(a, b):
    return sum((p - q) ** 2 for p, q in zip(a, b)) ** 0.5


# --- LineChart ------------------------------------------------------------------------


def fill_chart(page, n=200):
    """Epoch e (1..n): train loss (1000 - e) / 1000, test loss e / 500."""
    page.evaluate(
        "n => { h.chart.reset(); for (let e = 1; e <= n; e++) h.chart.addPoint(e, [(1000 - e) / 1000, e / 500]); }", n
    )
    expect(by(page, "chart")).to_have_attribute("data-points", str(n))
    expect(by(page, "chart")).to_have_attribute("data-vertices", str(n))  # drawn


def test_chart_hover_shows_the_nearest_epoch_and_keys_move_it(h):
    fill_chart(h)
    chart, readout = by(h, "chart"), by(h, "chart-readout")
    box = chart.bounding_box()
    x = h.evaluate("h.chart.toCanvasX(100)")
    h.mouse.move(box["x"] + x, box["y"] + box["height"] / 2)
    expect(readout).to_have_text("epoch 100: train loss 0.9, test loss 0.2")
    h.mouse.move(box["x"] + h.evaluate("h.chart.toCanvasX(37)"), box["y"] + 60)
    expect(readout).to_have_text("epoch 37: train loss 0.963, test loss 0.074")

    chart.focus()
    h.keyboard.press("ArrowRight")
    expect(readout).to_have_text("epoch 38: train loss 0.962, test loss 0.076")
    h.keyboard.press("ArrowLeft")
    h.keyboard.press("ArrowLeft")
    expect(readout).to_have_text("epoch 36: train loss 0.964, test loss 0.072")
    h.keyboard.press("End")
    expect(readout).to_have_text("epoch 200: train loss 0.8, test loss 0.4")

    h.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] + 40)  # leave the canvas
    expect(readout).to_have_text("")


def test_chart_keyboard_alone_reaches_the_read_out(h):
    fill_chart(h, 10)
    by(h, "chart").focus()
    h.keyboard.press("ArrowLeft")  # no read-out yet: start at the last epoch
    expect(by(h, "chart-readout")).to_have_text("epoch 10: train loss 0.99, test loss 0.02")
    h.keyboard.press("Home")
    expect(by(h, "chart-readout")).to_have_text("epoch 1: train loss 0.999, test loss 0.002")
    h.keyboard.press("Escape")
    expect(by(h, "chart-readout")).to_have_text("")


def test_chart_log_scale_labels_decades_and_skips_non_positive_values(h):
    h.evaluate(
        """() => { const c = h.chart; c.reset();
             for (let e = 1; e <= 100; e++) {
               const v = e === 50 ? 0 : e === 60 ? NaN : 10 ** (-3 * (e - 1) / 99);
               c.addPoint(e, [v, 2 * v]);
             } }"""
    )
    chart = by(h, "chart")
    expect(chart).to_have_attribute("data-points", "100")
    expect(chart).to_have_attribute("data-scale", "linear")
    expect(chart).to_have_attribute("data-vertices", "99")  # NaN is counted, not drawn
    linear = chart.get_attribute("data-y-ticks").split(", ")
    assert "0.001" not in linear and len(linear) >= 3

    h.evaluate("h.chart.setLogScale(true)")
    expect(chart).to_have_attribute("data-scale", "log")
    expect(chart).to_have_attribute("data-vertices", "98")  # 0 has no logarithm either
    log = chart.get_attribute("data-y-ticks").split(", ")
    assert {"0.001", "0.01", "0.1", "1"} <= set(log), log

    h.evaluate("h.chart.setLogScale(false)")
    expect(chart).to_have_attribute("data-y-ticks", ", ".join(linear))


def test_chart_draws_a_long_run_with_bounded_vertices(h):
    big = by(h, "big")
    stats = h.evaluate(
        """() => {
             const c = h.big, cap = c.capacity;
             for (let e = 1; e <= 100000; e++) c.addPoint(e, [e % 1000 === 500 ? NaN : 1 / e, 2 / e]);
             c.draw();
             return {cap, vertices: c.lastDrawnVertices};
           }"""
    )
    expect(big).to_have_attribute("data-points", "100000")
    assert stats["cap"] // 2 <= stats["vertices"] <= stats["cap"], stats
    assert int(big.get_attribute("data-vertices")) <= stats["cap"]
    big.focus()
    h.keyboard.press("End")
    expect(by(h, "big-readout")).to_have_text("epoch 100000: train loss 1 × 10⁻⁵, test loss 2 × 10⁻⁵")


def test_chart_series_grow_on_first_point_and_png_export(h):
    names = h.evaluate("h.grad.addPoint(1, [0.5, 0.25, 0.125]); h.grad.names")
    assert names == ["layer 1", "layer 2", "layer 3"]
    assert h.evaluate("h.chart.names") == ["train loss", "test loss"]
    fill_chart(h, 20)
    url = h.evaluate("h.chart.toPNG()")
    assert url.startswith("data:image/png;base64,") and len(url) > 2000


def test_chart_is_sharp_on_high_density_screens(browser, harness_url):
    context = browser.new_context(device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto(harness_url)
        expect(page.locator("body")).to_have_attribute("data-ready", "1")
        fill_chart(page, 50)
        size = page.evaluate("(() => { const c = h.chart.canvas; return [c.width, c.clientWidth, c.height, c.clientHeight]; })()")
        assert size[0] == 2 * size[1] and size[2] == 2 * size[3]
    finally:
        context.close()


# --- BoundaryView ---------------------------------------------------------------------


def set_binary_halves(page):
    """8 x 8 grid: P(class 1) = 0 on the left half, 1 on the right half."""
    page.evaluate(
        """() => { const b = h.boundary; b.setDomain([-1.5, 1.5, -1.5, 1.5]); b.setProblem({kind: 'binary'});
             b.setGrid({n: 8, values: Array.from({length: 64}, (_, k) => (k % 8) < 4 ? 0 : 1)}); }"""
    )
    expect(by(page, "boundary")).to_have_attribute("data-grid-updates", "1")


def test_boundary_heatmap_colours_each_side_by_its_class(h):
    set_binary_halves(h)
    h.evaluate("new Promise(requestAnimationFrame)")
    class0, class1 = h.evaluate("[h.colors.binaryHeat(0), h.colors.binaryHeat(1)]")
    assert close(boundary_pixel(h, -0.75, 0.4), class0)
    assert close(boundary_pixel(h, 0.75, -0.4), class1)
    assert class0[0] > class0[2] and class1[2] > class1[0]  # orange, blue
    # Lighter than the points: the heatmap shade sits between the point colour and white.
    orange = h.evaluate("h.colors.hexToRgb(h.colors.ORANGE)")
    assert all(o <= c for o, c in zip(orange, class0))

    h.evaluate("h.boundary.setDiscretize(true); h.boundary.setGrid({n: 2, values: [0.4, 0.6, 0.6, 0.4]})")
    expect(by(h, "boundary")).to_have_attribute("data-grid-updates", "2")
    h.evaluate("new Promise(requestAnimationFrame)")
    assert close(boundary_pixel(h, -1.2, 1.2), class0)  # 0.4 -> class 0
    assert close(boundary_pixel(h, 1.2, 1.2), class1)


def test_boundary_train_points_are_filled_and_test_points_hollow(h):
    set_binary_halves(h)
    h.evaluate("h.setPoints({x: [0.5], y: [0.5], label: [1]}, {x: [-0.5], y: [-0.5], label: [0]})")
    expect(by(h, "boundary")).to_have_attribute("data-points", "2")
    h.evaluate("new Promise(requestAnimationFrame)")
    blue, orange, heat0 = h.evaluate(
        "[h.colors.hexToRgb(h.colors.BLUE), h.colors.hexToRgb(h.colors.ORANGE), h.colors.binaryHeat(0)]"
    )
    assert close(boundary_pixel(h, 0.5, 0.5), blue)
    assert close(boundary_pixel(h, -0.5, -0.5), heat0)  # the ring's hole shows the heatmap
    px, py = h.evaluate("h.boundary.toCanvas(-0.5, -0.5)")
    ring = min((pixel(h, "boundary", px + dx, py) for dx in (2.5, 3, 3.5, 4)), key=lambda c: dist(c, orange))
    assert dist(ring, orange) < dist(ring, heat0)

    h.evaluate("h.boundary.showTest(false)")
    h.evaluate("new Promise(requestAnimationFrame)")
    ring = pixel(h, "boundary", px + 3, py)
    assert close(ring, heat0)


def test_boundary_click_adds_shift_click_adds_the_other_class_alt_click_removes(h):
    set_binary_halves(h)
    canvas = by(h, "boundary")
    at = lambda x, y: dict(zip(("x", "y"), h.evaluate("([x, y]) => h.boundary.toCanvas(x, y)", [x, y])))

    canvas.click(position=at(0.9, -0.9))
    expect(canvas).to_have_attribute("data-points", "1")
    kind, x, y, label = h.evaluate("h.calls.at(-1)")
    assert kind == "add" and label == 1
    assert abs(x - 0.9) < 0.02 and abs(y + 0.9) < 0.02

    canvas.click(position=at(-0.9, 0.9), modifiers=["Shift"])
    expect(canvas).to_have_attribute("data-points", "2")
    assert h.evaluate("h.calls.at(-1)")[3] == 0

    canvas.click(position=at(0.9, -0.9), modifiers=["Alt"])
    expect(canvas).to_have_attribute("data-points", "1")
    assert h.evaluate("h.calls.at(-1)") == ["remove", "train", 0]
    assert h.evaluate("h.data.train.label") == [0]

    # Far from any point, Alt+click removes nothing.
    canvas.click(position=at(0, 0), modifiers=["Alt"])
    assert h.evaluate("h.calls.at(-1)") == ["remove", "train", 0]
    expect(canvas).to_have_attribute("data-points", "1")

    # Right-click removes too, test points included.
    h.evaluate("h.setPoints(h.data.train, {x: [0.3], y: [0.3], label: [1]})")
    expect(canvas).to_have_attribute("data-points", "2")
    canvas.click(position=at(0.3, 0.3), button="right")
    expect(canvas).to_have_attribute("data-points", "1")
    assert h.evaluate("h.calls.at(-1)") == ["remove", "test", 0]


def test_boundary_multiclass_digits_and_regression_targets(h):
    canvas = by(h, "boundary")
    at = lambda x, y: dict(zip(("x", "y"), h.evaluate("([x, y]) => h.boundary.toCanvas(x, y)", [x, y])))
    h.evaluate(
        """() => { h.boundary.setProblem({kind: 'multiclass', classes: 3});
             h.boundary.setGrid({n: 4, classIndex: Array(16).fill(2), confidence: Array(16).fill(1)}); }"""
    )
    h.evaluate("new Promise(requestAnimationFrame)")
    assert close(boundary_pixel(h, 0.4, 0.4), h.evaluate("h.colors.classHeat(2, 1, 3)"))
    h.keyboard.down("2")
    canvas.click(position=at(0.1, 0.1))
    h.keyboard.up("2")
    assert h.evaluate("h.calls.at(-1)")[3] == 2
    canvas.click(position=at(0.2, 0.1))
    assert h.evaluate("h.calls.at(-1)")[3] == 1

    h.evaluate(
        """() => { h.boundary.setProblem({kind: 'regression', range: [-2, 2]});
             h.boundary.setGrid({n: 2, values: [-2, 2, -2, 2]}); }"""
    )
    h.evaluate("new Promise(requestAnimationFrame)")
    left, right = boundary_pixel(h, -1, 0.5), boundary_pixel(h, 1, 0.5)
    assert close(left, h.evaluate("h.colors.binaryHeat(0)")) and close(right, h.evaluate("h.colors.binaryHeat(1)"))
    canvas.click(position=at(0.5, 0.5))
    assert h.evaluate("h.calls.at(-1)")[3] == 1
    canvas.click(position=at(0.5, 0.6), modifiers=["Shift"])
    assert h.evaluate("h.calls.at(-1)")[3] == -1


def test_boundary_hover_reads_out_position_and_model_value(h):
    set_binary_halves(h)
    canvas = by(h, "boundary")
    px, py = h.evaluate("h.boundary.toCanvas(0.75, 0.75)")
    canvas.hover(position={"x": px, "y": py})
    box = canvas.bounding_box()
    readout = by(h, "boundary-readout")
    expect(readout).to_contain_text("P(class 1) 1.000")
    x1, x2 = map(float, re.match(r"x1 (\S+), x2 (\S+):", readout.text_content()).groups())
    assert abs(x1 - 0.75) < 0.02 and abs(x2 - 0.75) < 0.02
    h.mouse.move(box["x"] - 20, box["y"] - 20)
    expect(readout).to_have_text("")


def test_boundary_png(h):
    set_binary_halves(h)
    assert h.evaluate("h.boundary.toPNG()").startswith("data:image/png;base64,")


def test_boundary_legend_names_the_classes_and_the_point_kinds(h):
    set_binary_halves(h)
    legend = by(h, "boundary-legend")
    classes = legend.locator("[data-class]")
    expect(classes).to_have_count(2)
    expect(classes.nth(0)).to_have_text("class 0")
    expect(classes.nth(1)).to_have_text("class 1")
    swatch = lambda k: legend.locator(f"[data-class='{k}'] rect").get_attribute("fill")
    assert swatch(0) == h.evaluate("h.colors.css(h.colors.binaryHeat(0))")
    assert swatch(1) == h.evaluate("h.colors.css(h.colors.binaryHeat(1))")
    train, test = legend.locator("[data-legend=train]"), legend.locator("[data-legend=test]")
    expect(train).to_have_text("train")
    expect(test).to_have_text("test")
    assert train.locator("circle").get_attribute("fill") != "none"  # filled
    assert test.locator("circle").get_attribute("fill") == "none"   # hollow
    h.evaluate("h.boundary.showTest(false)")
    expect(test).to_be_hidden()
    h.evaluate("h.boundary.showTest(true)")
    expect(test).to_be_visible()

    h.evaluate("h.boundary.setProblem({kind: 'multiclass', classes: 3})")
    expect(classes).to_have_count(3)
    assert swatch(2) == h.evaluate("h.colors.css(h.colors.classHeat(2, 1, 3))")
    expect(by(h, "boundary-scale")).to_have_count(0)


def test_regression_surface_has_a_colour_scale_with_its_range(h):
    h.evaluate("h.boundary.setProblem({kind: 'regression', range: [-2, 3.5]})")
    legend, scale = by(h, "boundary-legend"), by(h, "boundary-scale")
    expect(scale).to_be_visible()
    expect(legend.locator("[data-class]")).to_have_count(0)
    expect(scale.locator(".scale-label")).to_have_text(["-2", "0", "3.5"])
    ends = h.evaluate(
        """() => { const c = document.querySelector('[data-testid=boundary-scale] canvas');
             const d = c.getContext('2d').getImageData(0, 0, c.width, 1).data;
             return [Array.from(d.slice(0, 3)), Array.from(d.slice(-4, -1))]; }"""
    )
    expected = h.evaluate(
        """() => { const {lighten, rangeColor} = h.colors;
             return [lighten(rangeColor(-2, [-2, 3.5])), lighten(rangeColor(3.5, [-2, 3.5]))]; }"""
    )
    assert close(ends[0], expected[0], 6) and close(ends[1], expected[1], 6), (ends, expected)
    # Labels sit under their values: 0 at 2/5.5 of the bar.
    bar = scale.locator("canvas").bounding_box()
    zero = scale.locator(".scale-label").nth(1).bounding_box()
    assert abs(zero["x"] + zero["width"] / 2 - (bar["x"] + bar["width"] * 2 / 5.5)) < 2

    h.evaluate("h.boundary.setProblem({kind: 'regression', range: [0.001234, 250000]})")
    expect(scale.locator(".scale-label")).to_have_text(["0.00123", "2.5 × 10⁵"])


# --- NetworkView ----------------------------------------------------------------------

SMALL = {"sizes": [2, 4, 3, 1], "inputNames": ["x1", "x2"], "activations": ["tanh", "tanh", "sigmoid"]}


def small_net(page):
    page.evaluate(
        """arch => { h.net.setArchitecture(arch);
             const {weights, biases} = h.randomWeights(arch.sizes, 7);
             weights[0][0][0] = 0.2; weights[0][1][0] = -1.5; weights[0][0][1] = 0.9;
             h.net.setWeights(weights, biases); }""",
        SMALL,
    )
    expect(by(page, "net")).to_have_attribute("data-weight-updates", "1")


def test_network_hover_and_focus_call_back_with_the_neuron(h):
    small_net(h)
    neuron = by(h, "neuron-1-0")
    expect(neuron).to_have_attribute("aria-label", re.compile(r"^layer 1 neuron 0\b"))
    neuron.hover()
    h.wait_for_function("h.calls.some(c => c[0] === 'hover' && c[1] === 1 && c[2] === 0)")
    neuron_map = by(h, "net").get_by_test_id("neuron-map")
    expect(neuron_map).to_be_visible()
    nb, mb = neuron.bounding_box(), neuron_map.bounding_box()
    assert abs(mb["x"] - (nb["x"] + nb["width"])) < 20  # right next to the neuron
    h.mouse.move(1, 1)
    h.wait_for_function("h.calls.at(-1)[0] === 'leave'")
    expect(neuron_map).to_be_hidden()

    by(h, "neuron-2-2").focus()
    h.wait_for_function("JSON.stringify(h.calls.at(-1)) === '[\"hover\",2,2]'")
    h.keyboard.press("ArrowRight")  # on to the next layer's neuron, the output
    h.wait_for_function("JSON.stringify(h.calls.at(-1)) === '[\"hover\",3,0]'")
    assert ["leave"] in h.evaluate("h.calls.slice(-3)")
    expect(by(h, "neuron-0-1")).to_have_attribute("aria-label", re.compile("x2"))


def test_network_link_width_and_colour_follow_the_weights(h):
    small_net(h)
    width = lambda testid: float(by(h, testid).get_attribute("stroke-width"))
    stroke = lambda testid: by(h, testid).get_attribute("stroke")
    assert width("link-1-0-0") < width("link-1-0-1") < width("link-1-1-0")  # |0.2| < |0.9| < |-1.5|
    assert stroke("link-1-1-0") == h.evaluate("h.colors.ORANGE")
    assert stroke("link-1-0-0") == h.evaluate("h.colors.BLUE")
    # Every link: ordering by width agrees with ordering by |w|.
    pairs = h.evaluate(
        """() => { const out = [];
             document.querySelectorAll('#net .link').forEach(l => {
               const [, k, i, j] = l.dataset.testid.split('-').map(Number);
               out.push([Math.abs(h.net.weights[k - 1][i][j]), Number(l.getAttribute('stroke-width'))]); });
             return out; }"""
    )
    assert len(pairs) == 2 * 4 + 4 * 3 + 3 * 1
    pairs.sort()
    assert all(a[1] <= b[1] for a, b in zip(pairs, pairs[1:]))

    # New weights update the same elements in place.
    h.evaluate("document.querySelector('[data-testid=link-1-0-0]').dataset.mark = 'same'")
    h.evaluate(
        """arch => { const {weights, biases} = h.randomWeights(arch.sizes, 8); weights[0][0][0] = -2;
             h.net.setWeights(weights, biases); }""",
        SMALL,
    )
    expect(by(h, "net")).to_have_attribute("data-weight-updates", "2")
    expect(by(h, "link-1-0-0")).to_have_attribute("data-mark", "same")
    assert stroke("link-1-0-0") == h.evaluate("h.colors.ORANGE")
    assert width("link-1-0-0") == max(width(f"link-1-{i}-{j}") for i in range(2) for j in range(4))


def test_network_rejects_weights_of_the_wrong_shape(h):
    small_net(h)
    message = h.evaluate(
        """() => { try { h.net.setWeights([[[1]]], [[0]]); } catch (e) { return e.message; } }"""
    )
    assert "3 weight matrices" in message


def _inside(page, container_testid):
    """Every neuron's box lies within its container's box; also counts and a hidden node's size."""
    return page.evaluate(
        """id => { const c = document.querySelector(`[data-testid=${id}]`).getBoundingClientRect();
             const nodes = [...document.querySelectorAll(`[data-testid=${id}] .neuron rect`)];
             const out = nodes.filter(n => { const r = n.getBoundingClientRect();
               return r.left < c.left - 0.5 || r.right > c.right + 0.5 || r.top < c.top - 0.5 || r.bottom > c.bottom + 0.5; });
             const svg = document.querySelector(`[data-testid=${id}] svg`).getBoundingClientRect();
             const hidden = document.querySelector(`[data-testid=${id}] [data-testid=neuron-1-0] rect`);
             return {count: nodes.length, outside: out.length, node: hidden.getBoundingClientRect().width,
                     svgWidth: svg.width, width: c.width, height: c.height}; }""",
        container_testid,
    )


def test_network_8_layers_of_64_fit_the_container_and_update_in_place(h):
    small_net(h)
    small_node = _inside(h, "net")["node"]
    sizes = [7] + [64] * 8 + [1]
    # Attribute writes per setWeights: none for unchanged weights, one layer's for one layer.
    writes = h.evaluate(
        """async sizes => {
             h.net.setArchitecture({sizes, inputNames: ['x1', 'x2', 'x1^2', 'x2^2', 'x1*x2', 'sin(x1)', 'sin(x2)'],
                                    activations: [...Array(8).fill('relu'), 'sigmoid']});
             const a = h.randomWeights(sizes, 1), b = h.randomWeights(sizes, 2);
             h.net.setWeights(a.weights, a.biases);
             const count = (f) => { const seen = new MutationObserver(() => {});
               seen.observe(document.getElementById('net'), {attributes: true, subtree: true, childList: true});
               f(); const n = seen.takeRecords().length; seen.disconnect(); return n; };
             const same = count(() => h.net.setWeights(a.weights, a.biases));
             a.weights[3] = b.weights[3];
             const one = count(() => h.net.setWeights(a.weights, a.biases));
             return {same, one}; }""",
        sizes,
    )
    assert writes["same"] == 1, writes  # only the container's data-weight-updates
    assert 64 * 64 <= writes["one"] <= 3 * 64 * 64 + 1, writes  # width/opacity/colour of layer 4's links
    expect(by(h, "net")).to_have_attribute("data-neurons", str(sum(sizes)))
    expect(by(h, "net")).to_have_attribute("data-weight-updates", "4")
    assert h.locator("#net .link").count() == 7 * 64 + 7 * 64 * 64 + 64
    geo = _inside(h, "net")
    assert geo["count"] == sum(sizes) and geo["outside"] == 0, geo
    assert geo["svgWidth"] <= geo["width"] + 0.5
    assert geo["node"] < small_node  # nodes shrink with 64 neurons a layer
    expect(by(h, "neuron-8-63")).to_be_visible()


def test_network_fits_a_phone_width_container(h):
    sizes = [2] + [64] * 8 + [1]
    h.evaluate(
        """sizes => { h.phone.setArchitecture({sizes, inputNames: ['x1', 'x2'], activations: [...Array(8).fill('tanh'), 'tanh']});
             const a = h.randomWeights(sizes, 3); h.phone.setWeights(a.weights, a.biases); }""",
        sizes,
    )
    geo = _inside(h, "net-phone")
    assert geo["width"] == 360
    assert geo["outside"] == 0 and geo["svgWidth"] <= 360.5, geo
    assert h.evaluate("document.querySelector('[data-testid=net-phone]').scrollWidth") <= 360


def link_point(page, testid, t, offset=0):
    """Viewport coordinates of the point at fraction t along a link, `offset` px to its side
    (the diagram scrolled into view first)."""
    return page.evaluate(
        """([id, t, offset]) => { const l = document.querySelector(`[data-testid="${id}"]`);
             l.ownerSVGElement.scrollIntoView({block: 'center'});
             const m = l.getScreenCTM(), p = (x, y) => new DOMPoint(x, y).matrixTransform(m);
             const [x1, y1, x2, y2] = ['x1', 'y1', 'x2', 'y2'].map(k => +l.getAttribute(k));
             const a = p(x1, y1), b = p(x2, y2), dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy);
             return [a.x + t * dx - offset * dy / len, a.y + t * dy + offset * dx / len]; }""",
        [testid, t, offset],
    )


def test_network_link_read_out_on_hover(h):
    small_net(h)
    readout = by(h, "net-readout")
    h.mouse.move(*link_point(h, "link-1-1-0", 0.25))
    expect(readout).to_have_text("x2 → layer 1 neuron 0: weight -1.5")
    expect(by(h, "link-1-1-0")).to_have_class(re.compile(r"\bactive\b"))
    h.mouse.move(*link_point(h, "link-1-0-1", 0.3, offset=3))  # a thin link: near is enough
    expect(readout).to_have_text("x1 → layer 1 neuron 1: weight 0.9")
    expect(by(h, "link-1-1-0")).not_to_have_class(re.compile(r"\bactive\b"))
    # The read-out follows the weights while the pointer stays.
    h.evaluate("() => { const w = structuredClone(h.net.weights); w[0][0][1] = -0.25;"
               " h.net.setWeights(w, h.net.biases); }")
    expect(readout).to_have_text("x1 → layer 1 neuron 1: weight -0.25")
    by(h, "neuron-2-1").hover()
    expect(readout).to_have_text(re.compile(r"^layer 2 neuron 1 \(tanh\): bias -?\d"))
    h.mouse.move(1, 1)
    expect(readout).to_have_text("")


def test_network_link_read_out_on_keyboard_focus(h):
    small_net(h)
    readout = by(h, "net-readout")
    by(h, "boundary").focus()  # the harness's last focusable element before the network
    h.keyboard.press("Tab")  # the links are one tab stop, before the neurons
    first = by(h, "link-1-0-0")
    expect(first).to_be_focused()
    expect(readout).to_have_text("x1 → layer 1 neuron 0: weight 0.2")
    expect(first).to_have_attribute("aria-label", "x1 → layer 1 neuron 0: weight 0.2")
    h.keyboard.press("ArrowDown")
    expect(by(h, "link-1-0-1")).to_be_focused()
    expect(readout).to_have_text("x1 → layer 1 neuron 1: weight 0.9")
    h.keyboard.press("ArrowUp")
    expect(first).to_be_focused()
    h.keyboard.press("PageDown")  # the next layer's first link
    expect(by(h, "link-2-0-0")).to_be_focused()
    expect(readout).to_have_text(re.compile(r"^layer 1 neuron 0 → layer 2 neuron 0: weight -?\d"))
    h.keyboard.press("End")
    expect(by(h, "link-3-2-0")).to_be_focused()
    expect(readout).to_have_text(re.compile(r"^layer 2 neuron 2 → output neuron 0: weight -?\d"))
    h.keyboard.press("Tab")
    expect(by(h, "neuron-0-0")).to_be_focused()
    expect(readout).to_have_text("input x1")
    h.keyboard.press("Shift+Tab")  # back to the link last visited
    expect(by(h, "link-3-2-0")).to_be_focused()
    assert h.evaluate("document.querySelectorAll('#net .link[tabindex]').length") == 1


def test_network_legend_explains_colour_width_and_bias(h):
    small_net(h)
    legend = by(h, "network-legend")
    item = lambda key: legend.locator(f"[data-legend={key}]")
    expect(item("negative")).to_have_text("negative weight")
    expect(item("positive")).to_have_text("positive weight")
    expect(item("width")).to_have_text("width: |weight|")
    expect(item("bias")).to_contain_text("bias")
    assert item("negative").locator("line").get_attribute("stroke") == h.evaluate("h.colors.ORANGE")
    assert item("positive").locator("line").get_attribute("stroke") == h.evaluate("h.colors.BLUE")
    widths = item("width").locator("line").evaluate_all("ls => ls.map(l => Number(l.getAttribute('stroke-width')))")
    assert len(widths) == 3 and widths == sorted(widths) and widths[0] < widths[-1]
    fills = item("bias").locator("rect").evaluate_all("rs => rs.map(r => r.getAttribute('fill'))")
    assert fills[0] == h.evaluate("h.colors.css(h.colors.lighten(h.colors.signedColor(-1), 0.15))")
    assert fills[-1] == h.evaluate("h.colors.css(h.colors.lighten(h.colors.signedColor(1), 0.15))")


def thumbnails(page, container="net"):
    """Per neuron: is there a drawn heatmap, does it sit inside the neuron, its canvas size."""
    return page.evaluate(
        """id => [...document.querySelectorAll(`[data-testid=${id}] .neuron`)].map(g => {
             const c = g.querySelector('canvas'), r = g.querySelector('rect').getBoundingClientRect();
             if (!c) return [g.dataset.testid, false];
             const b = c.getBoundingClientRect();
             const inside = b.left > r.left && b.right < r.right && b.top > r.top && b.bottom < r.bottom;
             return [g.dataset.testid, inside && b.width >= 10, c.width]; })""",
        container,
    )


def test_network_draws_each_neurons_output_in_it_while_the_network_is_small(h):
    small_net(h)
    assert h.evaluate("h.net.wantsNeuronMaps") is True
    assert h.evaluate("h.net.setNeuronMaps(h.neuronMaps([2, 4, 3, 1]))") is True
    expect(by(h, "net")).to_have_attribute("data-thumbnails", "10")
    drawn = thumbnails(h)
    assert len(drawn) == 10 and all(ok and size == 16 for _, ok, size in drawn), drawn
    # Neuron 1-1 runs from -1 (left, orange) to 1 (right, blue); neuron 1-0 from bottom to top.
    corners = h.evaluate(
        """() => ['neuron-1-1', 'neuron-1-0'].map(id => {
             const c = document.querySelector(`[data-testid=${id}] canvas`), g = c.getContext('2d');
             const at = ([x, y]) => Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3));
             return [[0, 15], [15, 15], [0, 0]].map(at); })"""
    )
    orange, blue = h.evaluate("[h.colors.signedColor(-1), h.colors.signedColor(1)]")
    assert corners[0][0] == orange and corners[0][1] == blue   # left, right
    assert corners[1][0] == orange and corners[1][2] == blue   # bottom, top
    expect(by(h, "network-legend").locator("[data-legend=output]")).to_be_visible()

    # 64 neurons a layer: too small to read, so none are drawn (and none are asked for).
    h.evaluate(
        """() => { const sizes = [2, 64, 64, 1];
             h.net.setArchitecture({sizes, inputNames: ['x1', 'x2'], activations: ['relu', 'relu', 'sigmoid']});
             const a = h.randomWeights(sizes, 4); h.net.setWeights(a.weights, a.biases); }"""
    )
    assert h.evaluate("h.net.wantsNeuronMaps") is False
    assert h.evaluate("h.net.setNeuronMaps(h.neuronMaps([2, 64, 64, 1]))") is False
    expect(by(h, "net")).to_have_attribute("data-thumbnails", "0")
    assert not any(ok for _, ok, *rest in thumbnails(h))
    expect(by(h, "network-legend").locator("[data-legend=output]")).to_be_hidden()

    # Back to a small network: drawn again, once the maps arrive.
    h.evaluate("arch => h.net.setArchitecture(arch)", SMALL)
    assert h.evaluate("h.net.wantsNeuronMaps") is True
    expect(by(h, "net")).to_have_attribute("data-thumbnails", "0")
    h.evaluate("h.net.setNeuronMaps(h.neuronMaps([2, 4, 3, 1]))")
    expect(by(h, "net")).to_have_attribute("data-thumbnails", "10")


def test_network_neuron_maps_must_match_the_architecture(h):
    small_net(h)
    message = h.evaluate(
        """() => { try { h.net.setNeuronMaps(h.neuronMaps([2, 4, 4, 1])); } catch (e) { return e.message; } }"""
    )
    assert "layer 2" in message and "3 neurons" in message, message


# --- Thumbnails -----------------------------------------------------------------------


def test_dataset_thumbnails_load_as_images(h):
    h.evaluate("h.showThumbs()")
    h.wait_for_function("[...document.querySelectorAll('#thumbs img')].every(i => i.complete)")
    sizes = h.evaluate("[...document.querySelectorAll('#thumbs img')].map(i => [i.alt, i.naturalWidth])")
    assert sizes == [[name, 64] for name in THUMB_NAMES]


def test_numbers_are_formatted_for_people(h):
    out = h.evaluate("""async () => {
      const { formatNumber } = await import('../web/views/format.js');
      return [2.5910539982962178e+303, 1.9011866265584003, -1.5475277397800056, 0.000123456, 0, NaN,
              -Infinity, null, 123456, 0.5].map((v) => formatNumber(v));
    }""")
    assert out == ["2.591 × 10³⁰³", "1.901", "-1.548", "0.0001235", "0", "NaN", "−∞", "–",
                   "1.235 × 10⁵", "0.5"]


def test_boundary_keyboard_moves_a_cursor_adds_and_removes_points(h):
    set_binary_halves(h)
    canvas = by(h, "boundary")
    canvas.focus()
    for key in ["ArrowRight"] * 4 + ["ArrowUp"] * 2:
        canvas.press(key)
    expect(canvas).to_have_attribute("data-cursor", "0.3, 0.15")  # 1/40 of 3 units a press
    expect(by(h, "boundary-readout")).to_contain_text("x1 0.3, x2 0.15: P(class 1) 1.000")
    canvas.press("Enter")
    kind, x, y, label = h.evaluate("h.calls.at(-1)")
    assert (kind, label) == ("add", 1) and abs(x - 0.3) < 1e-9 and abs(y - 0.15) < 1e-9
    canvas.press("Shift+Enter")
    assert h.evaluate("h.calls.at(-1)")[3] == 0
    expect(canvas).to_have_attribute("data-points", "2")
    canvas.press("Delete")  # the nearest point under the cursor
    assert h.evaluate("h.calls.at(-1)")[0] == "remove"
    expect(canvas).to_have_attribute("data-points", "1")


def test_network_of_195_neurons_is_two_tab_stops_and_arrow_keys_move_among_neurons(h):
    """Hidden layers 64, 64, 64: one tab stop for the links, one for the neurons (not 195)."""
    h.evaluate("""() => { h.net.setArchitecture({sizes: [2, 64, 64, 64, 1], inputNames: ['x1', 'x2'],
                  activations: ['tanh', 'tanh', 'tanh', 'sigmoid']}); }""")
    stops = h.evaluate("document.querySelectorAll('[data-testid=net] [tabindex=\"0\"]').length")
    assert stops == 2
    first = by(h, "neuron-0-0")
    first.focus()
    for key in ("ArrowRight", "ArrowDown", "ArrowDown", "ArrowRight", "ArrowUp"):
        h.keyboard.press(key)
    assert h.evaluate("document.activeElement.dataset.testid") == "neuron-2-1"
    assert h.evaluate("document.querySelectorAll('[data-testid=net] [tabindex=\"0\"]').length") == 2
    h.keyboard.press("ArrowLeft")
    h.keyboard.press("ArrowLeft")
    h.keyboard.press("ArrowDown")
    assert h.evaluate("document.activeElement.dataset.testid") == "neuron-0-1"


def test_boundary_pick_mode_picks_the_nearest_training_point_and_adds_nothing(h):
    set_binary_halves(h)
    canvas = by(h, "boundary")
    at = lambda x, y: dict(zip(("x", "y"), h.evaluate("([x, y]) => h.boundary.toCanvas(x, y)", [x, y])))
    h.evaluate("h.setPoints({x: [-0.5, 0.5], y: [0, 0], label: [0, 1]}, {x: [0, 1], y: [1, 1], label: [1, 0]})")
    h.evaluate("h.boundary.setPicking(true)")
    expect(canvas).to_have_attribute("data-mode", "pick")
    near = at(0.5, 0)
    canvas.click(position={"x": near["x"] + 4, "y": near["y"] - 3})  # near enough
    assert h.evaluate("h.calls.at(-1)") == ["pick", 1]
    canvas.click(position=at(0, 1))  # a test point is not a training sample
    assert h.evaluate("h.calls.at(-1)") == ["pick", None]
    canvas.click(position=at(0.5, 0), modifiers=["Alt"])  # no removing either
    assert h.evaluate("h.calls.at(-1)") == ["pick", 1]
    expect(canvas).to_have_attribute("data-points", "4")
    # The keyboard's cursor starts at the centre: seven steps left, Enter picks (-0.5, 0).
    canvas.focus()
    for _ in range(7):
        h.keyboard.press("ArrowLeft")
    h.keyboard.press("Enter")
    assert h.evaluate("h.calls.at(-1)") == ["pick", 0]
    expect(canvas).to_have_attribute("data-points", "4")

    # The picked point is ringed in dark ink; without the ring the pixel is the point's colour.
    h.evaluate("h.boundary.markPoint(1)")
    expect(canvas).to_have_attribute("data-marked", "1")
    h.evaluate("new Promise(requestAnimationFrame)")
    r = h.evaluate("Math.max(2.5, Math.min(4, h.boundary.canvas.clientWidth / 90)) + 3")
    ring = pixel(h, "boundary", near["x"] + r, near["y"])
    assert dist(ring, [33, 37, 41]) < 60, ring
    h.evaluate("h.boundary.markPoint(null)")
    expect(canvas).to_have_attribute("data-marked", "")
    h.evaluate("new Promise(requestAnimationFrame)")
    assert dist(pixel(h, "boundary", near["x"] + r, near["y"]), [33, 37, 41]) > 60

    h.evaluate("h.boundary.setPicking(false)")
    canvas.click(position=at(0.9, -0.9))
    expect(canvas).to_have_attribute("data-points", "5")
    assert h.evaluate("h.calls.at(-1)")[0] == "add"


def test_network_links_by_gradient_fade_with_their_gradient_and_say_so(h):
    small_net(h)
    net, legend, readout = by(h, "net"), by(h, "network-legend"), by(h, "net-readout")
    width = lambda testid: float(by(h, testid).get_attribute("stroke-width"))
    opacity = lambda testid: float(by(h, testid).get_attribute("stroke-opacity"))
    before = width("link-1-1-0")
    # Layer 1's gradients a thousand times smaller than layer 3's: a vanishing gradient.
    h.evaluate(
        """() => { const s = [2, 4, 3, 1];
             const dW = s.slice(1).map((m, k) => Array.from({length: s[k]}, (_, i) => Array.from({length: m},
               (_, j) => (k === 2 ? 1 : k === 1 ? 0.1 : 0.001) * (i === 0 && j === 0 ? -1 : 0.5))));
             const db = s.slice(1).map((m) => Array(m).fill(0));
             h.net.setLinkMode('gradient'); h.net.setGradients(dW, db); }"""
    )
    expect(net).to_have_attribute("data-links", "gradient")
    expect(legend.locator("[data-legend=negative]")).to_contain_text("negative dL/dw")
    expect(legend.locator("[data-legend=width]")).to_contain_text("up to 1")
    assert width("link-1-1-0") != before
    # Width and opacity grow with |dL/dw|: the output layer's links stand out, layer 1's fade.
    assert width("link-3-0-0") > width("link-2-0-0") > width("link-1-0-0")
    assert opacity("link-3-0-0") > opacity("link-2-0-0") > opacity("link-1-0-0")
    assert by(h, "link-3-0-0").get_attribute("stroke") == h.evaluate("h.colors.ORANGE")  # dL/dw < 0
    assert by(h, "link-3-1-0").get_attribute("stroke") == h.evaluate("h.colors.BLUE")
    h.mouse.move(*link_point(h, "link-1-1-0", 0.25))
    expect(readout).to_have_text("x2 → layer 1 neuron 0: weight -1.5, dL/dw 0.0005")
    message = h.evaluate("() => { try { h.net.setGradients([[[1]]], [[0]]); } catch (e) { return e.message; } }")
    assert "shapes of the weights" in message

    h.evaluate("h.net.setLinkMode('weight')")
    expect(net).to_have_attribute("data-links", "weight")
    expect(legend.locator("[data-legend=negative]")).to_have_text("negative weight")
    assert width("link-1-1-0") == before
    expect(readout).to_have_text("x2 → layer 1 neuron 0: weight -1.5")


def test_network_links_and_neurons_pick_marks_show_and_notes_sit_beside_the_neurons(h):
    h.evaluate(
        """arch => { h.pick.setArchitecture(arch); const {weights, biases} = h.randomWeights(arch.sizes, 3);
             h.pick.setWeights(weights, biases); }""",
        SMALL,
    )
    h.mouse.click(*link_point(h, "pick-link-2-1-2", 0.3))
    assert h.evaluate("h.calls.at(-1)") == ["link", 2, 1, 2]
    by(h, "pick-neuron-2-0").click()
    assert h.evaluate("h.calls.at(-1)") == ["neuron", 2, 0]
    # Keyboard: the links' tab stop, arrow keys, Enter.
    by(h, "pick-link-1-0-0").focus()
    h.keyboard.press("ArrowDown")
    h.keyboard.press("Enter")
    assert h.evaluate("h.calls.at(-1)") == ["link", 1, 0, 1]
    expect(by(h, "pick-link-1-0-1")).to_have_attribute("role", "button")

    h.evaluate("h.pick.mark('chosen', {links: [[2, 1, 2]], neurons: [[1, 1], [2, 2]]})")
    marked = h.evaluate("[...document.querySelectorAll('#net-pick .chosen')].map(e => e.dataset.testid)")
    assert sorted(marked) == ["pick-link-2-1-2", "pick-neuron-1-1", "pick-neuron-2-2"]
    expect(by(h, "net-pick")).to_have_class(re.compile(r"\bhas-chosen\b"))
    h.evaluate("h.pick.mark('chosen', {neurons: [[3, 0]]})")  # a new mark replaces the old
    assert h.evaluate("[...document.querySelectorAll('#net-pick .chosen')].map(e => e.dataset.testid)") == ["pick-neuron-3-0"]
    h.evaluate("h.pick.mark('chosen')")
    expect(by(h, "net-pick")).not_to_have_class(re.compile(r"\bhas-chosen\b"))

    # Notes: two lines right beside each neuron, while there is room.
    expect(by(h, "net-pick")).to_have_attribute("data-notes", "shown")
    h.evaluate("h.pick.setNotes([[['x 1'], ['x 2']], [0, 1, 2, 3].map(n => [`z ${n}`, `dz ${n}`]), [0, 1, 2].map(n => [`z ${n}`]), [['out']]])")
    boxes = h.evaluate(
        """() => { const g = document.querySelector('[data-testid=pick-neuron-1-2] rect').getBoundingClientRect();
             const t = [...document.querySelectorAll('#net-pick .note')].find(n => n.textContent.startsWith('z 2dz 2'));
             const b = t.getBoundingClientRect(); return [g.right, g.top, g.bottom, b.left, b.top, b.bottom]; }"""
    )
    right, top, bottom, left, text_top, text_bottom = boxes
    assert 0 <= left - right < 8 and text_top < bottom and text_bottom > top, boxes
    h.evaluate("document.querySelector('.pick-box').style.width = '300px'")
    expect(by(h, "net-pick")).to_have_attribute("data-notes", "hidden")
