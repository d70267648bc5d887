"""The harness's own metrics, computed from predictions, against hand-worked values."""

import math

import numpy as np
import pytest
from sklearn.metrics import log_loss

from bench.datasets import load_dataset
from bench.run.metrics import fighter_metrics, first_reaching, predicted_labels, prediction_loss
from numpy_nn import Network


def test_prediction_loss_binary_cross_entropy_by_hand():
    y = np.array([1, 0, 1, 0])
    p = np.array([[0.9], [0.2], [0.6], [0.4]])
    expected = -(math.log(0.9) + math.log(0.8) + math.log(0.6) + math.log(0.6)) / 4
    assert prediction_loss(y, p, "binary_crossentropy", 2) == pytest.approx(expected, rel=1e-12)


def test_prediction_loss_categorical_renormalises_float32_rows():
    y = np.array([0, 2])
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], dtype=np.float32)
    expected = -(math.log(0.7) + math.log(0.6)) / 2
    assert prediction_loss(y, p, "categorical_crossentropy", 3) == pytest.approx(expected, rel=1e-6)


def test_prediction_loss_mean_squared_error_one_hot_and_single_unit():
    y = np.array([0, 1])
    three = np.array([[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]])
    # (0.25 + 0.25 + 0) + 0 over 6 cells
    assert prediction_loss(y, three, "mean_squared_error", 3) == pytest.approx(0.5 / 6)
    one = np.array([[0.2], [0.7]])
    assert prediction_loss(y, one, "mean_squared_error", 2) == pytest.approx((0.04 + 0.09) / 2)


@pytest.mark.parametrize("n_classes", [2, 3, 7])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prediction_loss_is_scikit_learns_log_loss(n_classes, dtype):
    rng = np.random.default_rng(n_classes)
    y = rng.integers(0, n_classes, 200)
    if n_classes == 2:
        p = rng.uniform(size=(200, 1)).astype(dtype)
        p[:3] = [[0.0], [1.0], [1.0]]  # certain, and wrong or right: clipping decides
        expected = log_loss(y, p[:, 0].astype(np.float64), labels=[0, 1])
    else:
        raw = rng.uniform(size=(200, n_classes))
        p = (raw / raw.sum(axis=1, keepdims=True)).astype(dtype)
        p[0] = 0.0
        p[0, (y[0] + 1) % n_classes] = 1.0  # a certain, wrong prediction
        rows = p.astype(np.float64)
        expected = log_loss(
            y, rows / rows.sum(axis=1, keepdims=True), labels=list(range(n_classes))
        )
    got = prediction_loss(
        y, p, "binary_crossentropy" if n_classes == 2 else "categorical_crossentropy", n_classes
    )
    assert got == pytest.approx(expected, rel=1e-12)


def test_prediction_loss_is_none_for_non_finite_predictions():
    assert prediction_loss(np.array([1]), np.array([[np.nan]]), "binary_crossentropy", 2) is None


def test_first_reaching():
    assert first_reaching([0.5, 0.8, 0.95, 0.99], 0.95) == 3
    assert first_reaching([0.5, None, 0.9], 0.9) == 3
    assert first_reaching([0.5, 0.6], 0.9) is None
    assert first_reaching([0.99], None) is None


def test_predicted_labels():
    assert predicted_labels(np.array([[0.5], [0.51]])).tolist() == [0, 1]
    assert predicted_labels(np.array([[0.1, 0.7, 0.2]])).tolist() == [1]


def test_fighter_metrics_of_a_real_network(tmp_path):
    data = load_dataset("iris", 0, cache_dir=tmp_path)
    layers = [
        {"input_dim": 4, "output_dim": 8, "activation": "tanh"},
        {"input_dim": 8, "output_dim": 3, "activation": "softmax"},
    ]
    net = Network(layers, optimizer={"name": "adam", "learning_rate": 0.05}, seed=0)
    history = net.fit(
        data.x_train,
        data.y_train,
        epochs=20,
        batch_size=16,
        validation_data=(data.x_test, data.y_test),
    ).as_dict()
    metrics = fighter_metrics(
        data,
        net.predict_proba(data.x_train),
        net.predict_proba(data.x_test),
        history,
        "categorical_crossentropy",
        0.9,
    )

    labels = net.predict(data.x_test)
    assert metrics["test_correct"] == int((labels == data.y_test).sum())
    assert metrics["test_accuracy"] == metrics["test_correct"] / len(data.y_test)
    assert metrics["train_accuracy"] == pytest.approx(net.score(data.x_train, data.y_train))
    assert metrics["test_loss"] == pytest.approx(
        net.evaluate(data.x_test, data.y_test)["loss"], rel=1e-5
    )
    matrix = np.array(metrics["confusion_matrix"])
    assert matrix.trace() == metrics["test_correct"] and matrix.sum() == len(data.y_test)
    assert metrics["per_class"]["support"] == np.bincount(data.y_test, minlength=3).tolist()
    reached = first_reaching(history["val_accuracy"], 0.9)
    assert metrics["epochs_to_target"] == reached
    assert metrics["seconds_to_target"] == pytest.approx(sum(history["epoch_seconds"][:reached]))
    seconds = sum(history["epoch_seconds"])
    assert metrics["samples_per_second"] == pytest.approx(len(data.x_train) * 20 / seconds)
