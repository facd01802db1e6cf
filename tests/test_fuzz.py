"""The fuzz harness (tests/fuzz.py) on a small seeded corpus: no crash, no hang, nothing lost,
every output readable. Long runs: ``python tests/fuzz.py --minutes 10``."""

import fuzz


def test_a_fuzzed_batch_crashes_hangs_and_loses_nothing(tmp_path):
    cases = fuzz.corpus(seed=7, count=80)
    assert len({name for name, _ in cases}) == 80
    result = fuzz.run_batch(cases, tmp_path, timeout=240)
    assert result["problems"] == [], result["problems"]


def test_the_corpus_is_seeded():
    assert fuzz.corpus(3, 40) == fuzz.corpus(3, 40)
    assert fuzz.corpus(3, 40) != fuzz.corpus(4, 40)
