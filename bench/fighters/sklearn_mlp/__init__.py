"""scikit-learn's MLPClassifier and MLPRegressor as a fighter, built from the plain-data spec.

What scikit-learn's MLP can express, and how the spec maps onto it (read from sklearn 1.9's
`sklearn/neural_network/_multilayer_perceptron.py` and `_stochastic_optimizers.py`):

- One activation for every hidden layer (relu, tanh, logistic = sigmoid, identity = linear).
  The output is fixed by the estimator: MLPClassifier uses one sigmoid unit with log-loss for two
  classes and softmax with log-loss for three or more; MLPRegressor uses a linear output with
  squared error. Both back-propagate delta = output - target from the output's logits, as David's
  fused losses do.
- Gradients: sklearn divides (A.T @ delta + alpha * W) by the batch's size. For the classifier
  that is exactly David's cross-entropy gradient plus alpha/n * W, so Keras's penalty
  l2 * sum(W**2) (gradient 2*l2*W) is alpha = 2*l2*n: exact only while n, the batch size, is the
  same for every batch of an epoch. The regressor's gradient is (k/2) times David's mean squared
  error gradient over k outputs (sklearn differentiates 0.5*sum((p-y)**2)/n), so the learning rate
  of SGD is divided by k/2, Adam's epsilon multiplied by k/2 (Adam is otherwise invariant to a
  gradient scale) and alpha = k*l2*n: the same updates, not approximately but by algebra.
- SGD: sklearn's update is v = momentum*v - lr*g (Nesterov: momentum*v - lr*g again), David's and
  Keras's exactly; with momentum 0 it is w - lr*g. Adam: sklearn folds the bias correction into
  the step size and adds epsilon to sqrt(v), as Keras does; but see the betas in
  spec.optimizer_params.

Fair mode replays the given batches with `partial_fit` (shuffle off, constant learning rate, no
early stopping) from the loaded weights, with sklearn's optimiser created fresh after loading.
An epoch cut into equal batches with at most one smaller last batch (what the fair start draws)
is one `partial_fit` on that epoch's rows in batch order with batch_size set to the first batch:
sklearn's own loop then cuts exactly those batches. Any other cut is one `partial_fit` per batch
(same numbers, more calls). An epoch's seconds are those of sklearn's training loop plus the
gathering of the epoch's rows, not partial_fit's per-call input checks (see timing.LoopTimer).
Native mode is sklearn as its users run it: its own initial weights, shuffling and batching, one
`partial_fit` per epoch, sklearn's way of training epoch by epoch. Its first epoch is exactly
`fit(max_iter=1)`'s; later epochs shuffle the rows afresh where `fit` reshuffles the previous
epoch's order (alike in distribution, not in numbers), and sklearn's tolerance-based early stop
does not apply: the harness decides how many epochs run.
"""

from bench.fighters.sklearn_mlp.network import SklearnHistory, SklearnNetwork

__all__ = ["SklearnHistory", "SklearnNetwork"]
