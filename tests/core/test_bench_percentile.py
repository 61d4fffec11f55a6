"""The benches' p95 is the nearest-rank one (bench/bench_day.py): of 20 samples the slowest but one, not the
slowest (Python rounds 19.5 to 20, which made every p95 of 20 the maximum)."""
from bench.bench_day import percentile


def test_the_p95_of_twenty_is_the_slowest_but_one():
    assert percentile(list(range(1, 21)), 95) == 19
    assert percentile(list(range(20, 0, -1)), 95) == 19


def test_other_ranks_and_sizes():
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile(list(range(1, 21)), 50) == 10
    assert percentile(list(range(1, 22)), 95) == 20  # ceil(19.95)
    assert percentile([7.0], 95) == 7.0
    assert percentile([3, 1, 2], 100) == 3 and percentile([3, 1, 2], 0) == 1
