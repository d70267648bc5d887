"""Claims under test: parsed with clear errors, judged on hand-made results as the rounds are."""

import math
import re
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import t

from bench.errors import HarnessError
from bench.judging import stats
from bench.judging.claims_judged import (
    MOST_SEEDS,
    REFUTED,
    SUPPORTED,
    UNDECIDED,
    judge_claim,
    seeds_to_decide,
)
from bench.plan.claims import CLAIM_KEYS, Claim, claims_from_run, parse_claims
from bench.plan.suite import SuiteError, load_suite
from result_factory import fight, fighter

SUITE = """
[suite]
name = "claims"

[defaults]
fighters = ["david", "keras"]
seeds = 2
epochs = 3
target_accuracy = 0.95

[[case]]
name = "moons"
dataset = "moons"
hidden = [8]

[[case.claim]]
quote = "it took several dozen times longer"
source = "the moons article"
metric = "seconds_to_target"
fighter = "david"
versus = "keras"
compare = ">="
threshold = 24
"""


def load(tmp_path, text=SUITE, **kwargs):
    path = tmp_path / "claims.toml"
    path.write_text(textwrap.dedent(text))
    return path, load_suite(path, **kwargs)


def accuracy_claim(fighter_name="david", threshold=0.95, compare=">="):
    return Claim("q", "s", "test_accuracy", fighter_name, None, compare, threshold)


def ratio_claim(metric="seconds_to_target", threshold=24.0, compare=">="):
    target = 0.95 if metric == "seconds_to_target" else None
    return Claim("q", "s", metric, "david", "keras", compare, threshold, target)


def accuracy_fights(david_correct, keras_correct=None, n_test=1000, seeds=3):
    keras_correct = round(0.99 * n_test) if keras_correct is None else keras_correct
    return [
        fight(
            "moons",
            seed,
            david=fighter(test_correct=david_correct, n_test=n_test),
            keras=fighter(test_correct=keras_correct, n_test=n_test),
        )
        for seed in range(seeds)
    ]


def timed_fights(david, keras, mode="native", field="seconds_to_target"):
    return [
        fight(
            "moons",
            seed,
            mode,
            david=fighter(**{field: mine}),
            keras=fighter(**{field: theirs}),
        )
        for seed, (mine, theirs) in enumerate(zip(david, keras, strict=True))
    ]


# Parsing ----------------------------------------------------------------------------------------


def test_a_claim_is_parsed_with_the_cases_target(tmp_path):
    _, suite = load(tmp_path)
    (claim,) = suite.cases[0].claims
    assert claim == Claim(
        "it took several dozen times longer",
        "the moons article",
        "seconds_to_target",
        "david",
        "keras",
        ">=",
        24.0,
        0.95,
    )
    assert claim.statement() == "David's time to reach 0.95 test accuracy is at least 24x Keras's"
    # A claim changes no fight: the case's recorded (and fingerprinted) settings leave it out.
    assert "claim" not in suite.cases[0].as_dict() and "claims" not in suite.cases[0].as_dict()


def test_shipped_suites_carry_the_articles_claims():
    article = {case.name: case for case in load_suite("article").cases}
    for case in article.values():
        statements = [claim.statement() for claim in case.claims]
        assert statements == [
            "test accuracy of every fighter is at least 0.95",
            "David's time to reach 0.95 test accuracy is at least 24x Keras's",
        ]
        assert "several dozen times longer" in case.claims[1].quote
    for suite, case in (("quick", "digits"), ("full", "digits-wide")):
        (digits,) = next(c for c in load_suite(suite).cases if c.name == case).claims
        assert digits.statement() == "test accuracy of David is at least 0.97"
        assert "accuracy of 97%" in digits.quote


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ('metric = "seconds_to_target"', 'metric = "speed"'),
            "field 'claim[1].metric': unknown metric 'speed'; choose one of test_accuracy, "
            "seconds_to_target, train_seconds",
        ),
        (
            ('fighter = "david"', 'fighter = "goliath"'),
            "field 'claim[1].fighter': unknown fighter 'goliath'; choose one of david, keras, "
            "keras-xla, keras-deterministic, tf-loop, sklearn, keras-jax",
        ),
        (
            ('versus = "keras"', 'versus = "sklearn"'),
            "field 'claim[1].versus': 'sklearn' is not in this case's fighters ['david', 'keras']",
        ),
        (
            ('versus = "keras"\n', ""),
            "field 'claim[1].versus': missing: seconds_to_target is a ratio, fighter's time / "
            "versus's time",
        ),
        (
            ('versus = "keras"', 'versus = "david"'),
            "field 'claim[1].versus': must differ from fighter, got 'david' twice",
        ),
        (
            ('compare = ">="', 'compare = "=>"'),
            "field 'claim[1].compare': unknown comparison '=>'; choose one of >=, <=",
        ),
        (
            ("threshold = 24", "threshold = -2"),
            "field 'claim[1].threshold': a ratio threshold must be a number > 0, got -2",
        ),
        (
            ("threshold = 24", 'threshold = "24"'),
            "field 'claim[1].threshold': a ratio threshold must be a number > 0, got '24'",
        ),
        (
            ('metric = "seconds_to_target"', 'metric = "test_accuracy"'),
            "field 'claim[1].versus': only time metrics are ratios (seconds_to_target, "
            "train_seconds)",
        ),
        (
            ('quote = "it took several dozen times longer"\n', ""),
            "field 'claim[1].quote': missing; a claim needs quote, source, metric, fighter, "
            "versus, compare, threshold",
        ),
        (
            ('source = "the moons article"', 'source = ""'),
            "field 'claim[1].source': must be text of 1-2000 characters, got ''",
        ),
        (
            ("threshold = 24", "threshold = 24\nthreshhold = 25"),
            "field 'claim[1]': unknown key(s) ['threshhold']; valid: quote, source, metric, "
            "fighter, versus, compare, threshold",
        ),
        (
            ("[[case.claim]]", "[case.claim]"),
            None,  # a single table is one claim: accepted
        ),
    ],
)
def test_bad_claim_fields_name_file_case_and_field(tmp_path, edit, message):
    old, new = edit
    assert old in SUITE
    path = tmp_path / "claims.toml"
    path.write_text(SUITE.replace(old, new, 1))
    if message is None:
        assert len(load_suite(path).cases[0].claims) == 1
        return
    with pytest.raises(SuiteError, match=re.escape(message)) as caught:
        load_suite(path)
    assert str(caught.value).startswith(f"{path}: case 'moons': field 'claim")


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        (
            'claim = "David is faster"',
            "field 'claim': must be a list of tables ([[case.claim]]), got 'David is faster'",
        ),
        (
            '[[case.claim]]\nquote = "q"\nsource = "s"\nmetric = "test_accuracy"\n'
            'fighter = "every"\ncompare = ">="\nthreshold = 95',
            "field 'claim[1].threshold': an accuracy threshold must be in [0, 1], got 95",
        ),
        (
            '[[case.claim]]\nquote = "q"\nsource = "s"\nmetric = "seconds_to_target"\n'
            'fighter = "david"\nversus = "keras"\ncompare = ">="\nthreshold = 2',
            "field 'claim[1].metric': seconds_to_target needs the case's target_accuracy; set it",
        ),
        (
            '[[case.claim]]\nquote = "q"\nsource = "s"\nmetric = "test_accuracy"\n'
            'fighter = "every"\ncompare = ">="\nthreshold = 0.9\n' * 2,
            "field 'claim[2]': the same claim twice: 'test accuracy of every fighter is at "
            "least 0.9'",
        ),
    ],
)
def test_more_bad_claims(tmp_path, claim, message):
    text = f"""
[[case]]
name = "blobs"
dataset = "blobs"
hidden = [4]
fighters = ["david", "keras"]
{claim}
"""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SuiteError, match=re.escape(f"{path}: case 'blobs': {message}")):
        load_suite(path)


PLAUSIBLE = {
    "quote": ["q", "x" * 2001, ""],
    "source": ["s"],
    "metric": ["test_accuracy", "seconds_to_target", "train_seconds"],
    "fighter": ["david", "every", "keras", "sklearn"],
    "versus": ["keras", "david", None],
    "compare": [">=", "<="],
    "threshold": [0.95, 24, 0, 1.5],
}
anything = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(), inner)),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_generated_claims_parse_or_give_a_clear_error(data):
    raw = {key: data.draw(st.sampled_from(options)) for key, options in PLAUSIBLE.items()}
    for key in data.draw(st.lists(st.sampled_from([*CLAIM_KEYS, "extra"]), max_size=2)):
        raw[key] = data.draw(anything)
    raw = {key: value for key, value in raw.items() if value is not None}
    target = data.draw(st.sampled_from([None, 0.9]))
    try:
        claims = parse_claims(
            [raw], "f.toml: case 'c'", ["david", "keras"], ["david", "keras"], target
        )
    except SuiteError as err:
        assert str(err).startswith("f.toml: case 'c': field 'claim[1]")
        return
    assert claims[0].statement()  # a parsed claim can always be said in words


def test_a_claim_on_a_fighter_left_out_by_fighters_loads(tmp_path):
    # --fighters david: the claim about Keras stays, and is judged undecided (not measured).
    _, suite = load(tmp_path, fighters=["david"])
    assert list(suite.cases[0].fighters) == ["david"]
    assert suite.cases[0].claims[0].versus == "keras"


def test_claims_read_back_from_run_json():
    claim = ratio_claim()
    assert claims_from_run({"claims": {"moons": [claim.as_dict()]}}) == {"moons": [claim]}
    assert claims_from_run({}) == {}
    broken = {**claim.as_dict(), "compare": "=="}
    with pytest.raises(HarnessError, match=re.escape("unknown comparison '=='")):
        claims_from_run({"claims": {"moons": [broken]}})
    with pytest.raises(HarnessError, match="a claim must hold quote, source"):
        claims_from_run({"claims": {"moons": [{"quote": "q"}]}})


# Judging ----------------------------------------------------------------------------------------


def test_accuracy_supported_when_the_wilson_interval_clears_the_threshold():
    judged = judge_claim("moons", accuracy_claim(), accuracy_fights(990))
    (measured,) = judged.measurements
    low, high = stats.wilson_interval(2970, 3000)
    assert (measured.estimate, measured.low, measured.high) == (0.99, low, high)
    assert low > 0.95
    assert judged.judgement == SUPPORTED and judged.judgement_text() == "supported"
    assert judged.measured_text() == f"David 0.990 [{low:.3f}-{high:.3f}]"
    assert judged.test == "pooled Wilson 95% interval over seeds"


def test_accuracy_refuted_when_the_interval_lies_below():
    judged = judge_claim("moons", accuracy_claim(), accuracy_fights(900))
    assert judged.measurements[0].high < 0.95
    assert judged.judgement == REFUTED
    # "At most 0.95" is then supported by the same interval.
    assert judge_claim("moons", accuracy_claim(compare="<="), accuracy_fights(900)).judgement == (
        SUPPORTED
    )


def test_accuracy_undecided_says_how_many_seeds_would_decide():
    judged = judge_claim("moons", accuracy_claim(), accuracy_fights(96, n_test=100))
    (measured,) = judged.measurements
    low, high = stats.wilson_interval(288, 300)
    assert low < 0.95 < high and judged.judgement == UNDECIDED
    # The fewest seeds at which the same 0.96 over 100 tests a seed clears 0.95 (scipy's Wilson).
    expected = next(n for n in range(4, 100) if stats.wilson_interval(96 * n, 100 * n)[0] > 0.95)
    assert expected == 19
    assert measured.seeds_needed == judged.seeds_needed == expected
    assert judged.judgement_text() == (
        "undecided: about 19 seeds would likely decide it (the estimate leans supported)"
    )


def test_every_fighter_is_refuted_by_one_and_supported_by_all():
    every = accuracy_claim(fighter_name="every")
    both_good = judge_claim("moons", every, accuracy_fights(990, 985))
    assert both_good.judgement == SUPPORTED
    assert [m.who for m in both_good.measurements] == ["David", "Keras"]
    keras_low = judge_claim("moons", every, accuracy_fights(990, 900))
    assert keras_low.judgement == REFUTED
    assert [m.judgement for m in keras_low.measurements] == [SUPPORTED, REFUTED]
    close = judge_claim("moons", every, accuracy_fights(99, 96, n_test=100))
    assert close.judgement == UNDECIDED and close.toward == SUPPORTED


def test_accuracy_of_a_fighter_that_did_not_fight_is_undecided():
    judged = judge_claim("moons", accuracy_claim("sklearn"), accuracy_fights(990))
    assert judged.judgement == UNDECIDED
    assert judged.measured_text() == "scikit-learn: did not fight in this run"
    assert judged.judgement_text() == "undecided: scikit-learn not measured"


def test_accuracy_leaves_out_seeds_a_fighter_did_not_finish():
    fights = accuracy_fights(990)
    fights.append(
        fight("moons", 3, david=fighter(status="diverged", diverged_at=2), keras=fighter())
    )
    (measured,) = judge_claim("moons", accuracy_claim(), fights).measurements
    assert measured.seeds == 3 and measured.estimate == 0.99
    assert measured.note == "left out: seed 3: diverged at epoch 2"


def test_time_ratio_refuted_native_by_t_interval_of_log_ratios():
    # The article suite measured 2.66 s vs 3.06 s to reach 95%: nowhere near 24x.
    david, keras = [2.6, 2.7, 2.5], [3.0, 3.1, 2.9]
    judged = judge_claim("moons", ratio_claim(), timed_fights(david, keras))
    logs = np.log(np.array(david) / np.array(keras))
    low, high = (math.exp(b) for b in stats.t_interval(logs))
    (measured,) = judged.measurements
    assert measured.estimate == pytest.approx(math.exp(logs.mean()), rel=1e-12)
    assert (measured.low, measured.high) == pytest.approx((low, high), rel=1e-12)
    assert judged.judgement == REFUTED
    assert judged.test == "geometric mean of per-seed ratios, t-interval 95% of their logs"
    assert judged.measured_text() == "David / Keras 0.867x [0.856-0.878]"


def test_time_ratio_supported_when_david_is_dozens_of_times_slower():
    judged = judge_claim("moons", ratio_claim(), timed_fights([30.0, 31.0, 29.5], [1.0] * 3))
    assert judged.measurements[0].low > 24 and judged.judgement == SUPPORTED


def test_time_ratio_undecided_counts_seeds_with_the_t_quantile():
    david = [10.0, 25.0, 60.0]
    judged = judge_claim("moons", ratio_claim(), timed_fights(david, [1.0] * 3))
    (measured,) = judged.measurements
    assert measured.low < 24 < measured.high and judged.judgement == UNDECIDED
    logs = np.log(david)
    distance = abs(logs.mean() - math.log(24))
    spread = logs.std(ddof=1)
    # Smallest n whose t-interval of the mean log ratio, same spread, excludes log 24.
    expected = next(
        n for n in range(4, 10_000) if t.ppf(0.975, n - 1) * spread / math.sqrt(n) < distance
    )
    assert measured.seeds_needed == expected
    assert judged.toward == SUPPORTED  # geometric mean 24.7x, above 24


def test_time_ratio_fair_uses_the_t_interval_of_per_seed_ratios_too():
    david, keras = [3.0, 2.0, 4.0, 2.5], [0.1, 0.1, 0.2, 0.1]
    claim = ratio_claim("train_seconds", threshold=10)
    judged = judge_claim("moons", claim, timed_fights(david, keras, "fair", "train_seconds"))
    (measured,) = judged.measurements
    logs = np.log(np.array(david) / np.array(keras))
    expected = tuple(math.exp(bound) for bound in stats.t_interval(logs))
    assert (measured.low, measured.high) == pytest.approx(expected, rel=1e-12)
    # One value per seed: a bootstrap over 4 seeds would hug the estimate; the t-interval does not.
    assert measured.low < 20 < measured.estimate < 30 < measured.high
    assert judged.judgement == SUPPORTED and measured.low >= 10
    assert judged.test == "geometric mean of per-seed ratios, t-interval 95% of their logs"
    assert claim.statement() == "David's training time is at least 10x Keras's"


def test_time_ratio_leaves_out_seeds_that_never_reached_the_target():
    fights = timed_fights([30.0, None, 29.0], [1.0, 1.0, 1.1])
    (measured,) = judge_claim("moons", ratio_claim(), fights).measurements
    assert measured.seeds == 2
    assert measured.note == "left out: seed 1: David never reached 0.95"
    one = judge_claim("moons", ratio_claim(), timed_fights([30.0, None], [1.0, 1.0]))
    assert one.judgement == UNDECIDED
    assert one.measured_text() == (
        "David / Keras: 1 seed with both times: an interval needs 2; "
        "left out: seed 1: David never reached 0.95"
    )


def test_seeds_to_decide_for_each_interval():
    # Wilson: the fewest seeds whose pooled interval of 0.94 (1000 tests each) is below 0.95.
    low, high = stats.wilson_interval(940, 1000)
    expected = next(n for n in range(2, 100) if stats.wilson_interval(940 * n, 1000 * n)[1] < 0.95)
    assert seeds_to_decide(0.94, low, high, 0.95, 1, "wilson", 1000) == expected == 2
    assert seeds_to_decide(0.95, 0.93, 0.97, 0.95, 5, "wilson", 100) == MOST_SEEDS + 1
    # t, in logs: 2x [1x-4x] from 4 seeds against 1.5x; the same spread at n seeds.
    spread = math.log(2) / t.ppf(0.975, 3) * 2
    expected = next(
        n for n in range(5, 999) if t.ppf(0.975, n - 1) * spread / math.sqrt(n) < math.log(4 / 3)
    )
    assert seeds_to_decide(2.0, 1.0, 4.0, 1.5, 4, "t") == expected == 12
    assert seeds_to_decide(2.0, 1.0, 4.0, 2.0, 4, "t") == MOST_SEEDS + 1


def test_wilson_bounds_are_scipys_wilson_interval():
    bounds = stats.wilson_bounds(0.96, np.array([100, 300, 5000]))
    for index, n in enumerate((100, 300, 5000)):
        expected = stats.wilson_interval(round(0.96 * n), n)
        assert (bounds[0][index], bounds[1][index]) == pytest.approx(expected, abs=1e-12)


def test_judgements_are_enum_members_written_as_their_words():
    """Issue 20: a judgement is a Judgement, compared as a member by every module that reads
    it, and still written as the word ("supported") in JSON and text."""
    import json

    from bench.judging.outcomes import Judgement

    judged = judge_claim("moons", accuracy_claim(threshold=0.9), accuracy_fights(990))
    assert judged.judgement is Judgement.SUPPORTED is SUPPORTED
    assert json.dumps({"claim": judged.judgement}) == '{"claim": "supported"}'
    assert f"{judged.judgement}" == "supported"
