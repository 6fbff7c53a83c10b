from p88.stats import LatencyWindow


def test_quantiles_over_the_window() -> None:
    window = LatencyWindow(size=100)
    assert window.quantile(0.5) is None
    window.add_many(float(n) for n in range(1, 201))  # only the last 100 stay: 101..200
    assert len(window) == 100
    assert window.quantile(0.0) == 101.0
    assert window.quantile(0.5) in (150.0, 151.0)
    assert window.quantile(0.99) == 199.0
    assert window.quantile(1.0) == 200.0
    window.reset()
    assert window.quantile(0.99) is None
