import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skgeo_s2v.metrics import (
    get_scorer,
    mean_reciprocal_rank,
    mrr_scorer,
    top5_scorer,
    top_k_accuracy,
    true_class_rank,
)

SCORES = np.array(
    [
        [0.1, 0.7, 0.2],  # true 1: rank 1
        [0.1, 0.7, 0.2],  # true 2: rank 2
        [0.1, 0.7, 0.2],  # true 0: rank 3
        [0.4, 0.4, 0.2],  # true 1: tie with class 0, rank 1
    ]
)
Y = np.array([1, 2, 0, 1])


def test_rank_counts_strictly_greater_scores():
    assert true_class_rank(Y, SCORES).tolist() == [1, 2, 3, 1]


def test_mrr_and_top_k_hand_values():
    assert mean_reciprocal_rank(Y, SCORES) == pytest.approx((1 + 1 / 2 + 1 / 3 + 1) / 4)
    assert top_k_accuracy(Y, SCORES, k=1) == pytest.approx(2 / 4)
    assert top_k_accuracy(Y, SCORES, k=2) == pytest.approx(3 / 4)
    assert top_k_accuracy(Y, SCORES, k=3) == 1.0


def test_labels_map_columns_to_classes():
    # Columns are classes "c", "a", "b" in that order.
    scores = np.array([[0.9, 0.05, 0.05], [0.1, 0.2, 0.7]])
    labels = ["c", "a", "b"]
    assert true_class_rank(["c", "a"], scores, labels=labels).tolist() == [1, 2]
    assert mean_reciprocal_rank(["c", "b"], scores, labels=labels) == 1.0


def test_binary_one_dimensional_scores():
    assert true_class_rank([1, 0, 1], [2.0, -1.0, -3.0]).tolist() == [1, 1, 2]


def test_bad_input_messages():
    with pytest.raises(ValueError, match="pass labels=estimator.classes_"):
        mean_reciprocal_rank([0, 1], [[0.1, 0.2, 0.7], [0.1, 0.2, 0.7]])
    with pytest.raises(ValueError, match="label .*5.*not among"):
        mean_reciprocal_rank([0, 5], [[0.1, 0.9], [0.1, 0.9]], labels=[0, 1])
    with pytest.raises(ValueError, match="k=0"):
        top_k_accuracy(Y, SCORES, k=0)
    with pytest.raises(ValueError, match="Unknown scorer"):
        get_scorer("ndcg")
    # a NaN score would compare below nothing and rank its class first
    with pytest.raises(ValueError, match="NaN at row 1, column 0"):
        mean_reciprocal_rank([0, 0], [[0.9, 0.1], [np.nan, 0.5]], labels=[0, 1])
    with pytest.raises(ValueError, match="NaN at row 1;"):
        top_k_accuracy([0, 1], [0.3, np.nan], k=1, labels=[0, 1])


def test_infinite_log_probabilities_rank_last():
    log_proba = np.array([[-np.inf, 0.0], [np.log(0.5), np.log(0.5)]])  # P = 0
    assert true_class_rank([0, 1], log_proba, labels=[0, 1]).tolist() == [2, 1]


def test_get_scorer_names():
    assert get_scorer("mrr") is mrr_scorer
    assert get_scorer("top5") is top5_scorer
    assert repr(get_scorer("top3")) == "get_scorer('top3')"


def test_scorers_in_grid_search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    y = np.digitize(X[:, 0], [-0.5, 0.5])
    search = GridSearchCV(
        LogisticRegression(),
        {"C": [0.01, 1.0]},
        scoring={"mrr": mrr_scorer, "top1": get_scorer("top1")},
        refit="mrr",
        cv=3,
    ).fit(X, y)
    assert 0.5 < search.best_score_ <= 1.0
    fitted = search.best_estimator_
    expected = mean_reciprocal_rank(y, fitted.predict_proba(X), labels=fitted.classes_)
    assert mrr_scorer(fitted, X, y) == pytest.approx(expected)
    assert get_scorer("top1")(fitted, X, y) == pytest.approx(fitted.score(X, y))
